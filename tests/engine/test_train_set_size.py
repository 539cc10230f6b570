# Copyright (c) fsat contributors. All rights reserved.
"""TrainSetSizeHook: short real training runs of a distiller with SCD and
CRD (``num_data='train_set'``) on a 12-sample toy training set take
``len(train set)``, through the tools' runner set-up (the hook registered
by ``check_runner``) and through ``custom_hooks``; a wrong explicit number
and a missing hook are one-line errors; CRD's banks survive a resume, and
an unsized distiller tests from its checkpoint."""
import copy

import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner

from fsat.apis import build_runner, check_runner
from fsat.apis.pipeline import _stop_train_workers
from fsat.engine import TrainSetSizeHook
from fsat.models.errors import ModelConfigError
from fsat.testing import toy_recognizer, toy_train_config

NUM_TRAIN = 12
FEAT = dict(path='cls_head.fc_cls', source='input')  # pooled, 8 channels


@pytest.fixture(autouse=True)
def one_thread():
    """Tiny models: torch's thread pool only costs."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def distiller(num_data='train_set'):
    return dict(
        type='MultiTeacherDistiller',
        student=toy_recognizer(),
        teachers=dict(teacher=dict(model=toy_recognizer())),
        taps=dict(student=dict(feat=FEAT), teacher=dict(feat=FEAT)),
        distill_losses=dict(
            loss_crd=dict(
                type='CRDLoss',
                student_channels=8,
                teacher_channels=8,
                num_data=num_data,
                feat_dim=4,
                num_negatives=5,
                inputs=dict(feat_s='student.feat', feat_t='teacher.feat',
                            indices='data.indices')),
            loss_scd=dict(
                type='SCDLoss',
                num_data='train_set',
                inputs=dict(feat_s='student.feat', feat_t='teacher.feat',
                            labels='data.labels'))))


def config(work_dir, max_iters=2, **model):
    cfg = toy_train_config(str(work_dir), batch_size=4, max_iters=max_iters,
                           num_samples=NUM_TRAIN, checkpoint_interval=2)
    cfg['model'] = distiller(**model)
    cfg['train_cfg'] = dict(type='PrefetchIterBasedTrainLoop',
                            max_iters=max_iters, val_interval=100)
    cfg['val_cfg'] = cfg['val_dataloader'] = cfg['val_evaluator'] = None
    # the losses read each sample's index in the training set
    pack = dict(type='PackActionInputs', meta_keys=('video_id', 'sample_idx'))
    for loader in ('train_dataloader', 'test_dataloader'):
        cfg[loader] = copy.deepcopy(cfg[loader])
        cfg[loader]['dataset']['pipeline'] = [pack]
    cfg['test_dataloader']['dataset']['num_samples'] = 8
    cfg['experiment_name'] = work_dir.name
    return cfg


def tool_runner(cfg, mode='train'):
    """A runner set up as tools/train.py and tools/test.py do."""
    cfg = Config(copy.deepcopy(cfg))
    runner = build_runner(cfg)
    check_runner(runner, cfg, mode)
    return runner


def train(runner):
    try:
        runner.train()
    finally:
        _stop_train_workers(runner)
    return runner.model


def losses(model):
    return model.distill_losses['loss_crd'], model.distill_losses['loss_scd']


def test_the_tools_take_the_training_set_size(tmp_path):
    runner = tool_runner(config(tmp_path / 'a'))
    assert sum(isinstance(h, TrainSetSizeHook) for h in runner.hooks) == 1
    crd, scd = losses(runner.model)
    assert crd.num_data is None and scd.noise_constant is None
    assert tuple(crd.memory_s.shape) == (0, 4)
    bank = crd.memory_s
    train(runner)
    assert crd.num_data == scd.num_data == NUM_TRAIN
    assert scd.noise_constant == 1 / NUM_TRAIN
    assert crd.noise_constant == 5 / NUM_TRAIN
    # allocated in place: references taken before training stay valid
    assert crd.memory_s is bank
    assert tuple(bank.shape) == (NUM_TRAIN, 4)
    state = torch.load(str(tmp_path / 'a' / 'iter_2.pth'), map_location='cpu',
                       weights_only=False)['state_dict']
    for name in ('memory_s', 'memory_t'):
        key = f'distill_losses.loss_crd.{name}'
        assert tuple(state[key].shape) == (NUM_TRAIN, 4)
        torch.testing.assert_close(state[key], getattr(crd, name))
    # the 8 samples seen (2 steps of 4, unshuffled) moved to unit norm;
    # the other rows keep their initial values, of norm around 1
    norms = state['distill_losses.loss_crd.memory_s'].norm(dim=1)
    torch.testing.assert_close(norms[:8], torch.ones(8))
    assert not torch.allclose(norms[8:], torch.ones(4))


def test_custom_hooks_take_the_training_set_size(tmp_path):
    cfg = config(tmp_path / 'a')
    cfg['custom_hooks'] = [dict(type='TrainSetSizeHook')]
    runner = tool_runner(cfg)  # no second hook
    assert sum(isinstance(h, TrainSetSizeHook) for h in runner.hooks) == 1
    model = train(Runner.from_cfg(cfg))
    assert [loss.num_data for loss in losses(model)] == [NUM_TRAIN] * 2


def test_a_wrong_explicit_number_is_one_line(tmp_path):
    runner = tool_runner(config(tmp_path / 'a', num_data=NUM_TRAIN + 1))
    with pytest.raises(
            ModelConfigError,
            match=r'^distill_losses\.loss_crd \(CRDLoss\): num_data=13 but '
            r"the training set has 12 samples; set num_data='train_set'"):
        train(runner)
    assert runner.iter == 0


def test_the_right_explicit_number_trains(tmp_path):
    runner = tool_runner(config(tmp_path / 'a', num_data=NUM_TRAIN))
    crd, _ = losses(train(runner))
    assert crd.num_data == NUM_TRAIN and not crd.num_data_from_train_set
    assert runner.iter == 2


def test_without_the_hook_the_first_step_says_what_to_add(tmp_path):
    runner = Runner.from_cfg(config(tmp_path / 'a'))
    with pytest.raises(
            ModelConfigError,
            match=r"^CRDLoss: num_data='train_set' was never given the size "
            r".*custom_hooks=\[dict\(type='TrainSetSizeHook'\)\]$"):
        train(runner)
    assert runner.iter == 0


def test_banks_survive_a_resume(tmp_path):
    ref = train(tool_runner(config(tmp_path / 'a', max_iters=4)))
    ref_state = {k: v.clone() for k, v in ref.state_dict().items()}
    cfg = config(tmp_path / 'b', max_iters=4)
    cfg.update(resume=True, load_from=str(tmp_path / 'a' / 'iter_2.pth'))
    # the strict resume check passes while the banks wait for their size
    runner = tool_runner(cfg)
    loaded = {}

    class Spy(TrainSetSizeHook):
        priority = 'LOWEST'

        def before_train(self, runner):
            crd, _ = losses(runner.model)
            loaded['memory_t'] = crd.memory_t.clone()

    runner.register_hook(Spy())
    ours = train(runner)
    saved = torch.load(str(tmp_path / 'a' / 'iter_2.pth'), map_location='cpu',
                       weights_only=False)['state_dict']
    torch.testing.assert_close(
        loaded['memory_t'], saved['distill_losses.loss_crd.memory_t'],
        rtol=0, atol=0)
    state = ours.state_dict()
    assert state.keys() == ref_state.keys()
    for key, value in ref_state.items():
        torch.testing.assert_close(state[key], value, rtol=0, atol=0,
                                   msg=key)


def test_an_unsized_distiller_tests_from_its_checkpoint(tmp_path):
    train(tool_runner(config(tmp_path / 'a')))
    cfg = config(tmp_path / 'b')
    cfg['load_from'] = str(tmp_path / 'a' / 'iter_2.pth')
    runner = tool_runner(cfg, 'test')  # strict: every key must fit
    assert not any(isinstance(h, TrainSetSizeHook) for h in runner.hooks)
    metrics = runner.test()
    assert 'acc/top1' in metrics
    crd, scd = losses(runner.model)
    # the banks took the checkpoint's size; SCD's M is not needed
    assert crd.num_data == NUM_TRAIN and scd.num_data is None
