# Copyright (c) fsat contributors. All rights reserved.
"""fsat.apis.init_student / inference_student on an exported student."""
import pickle

import pytest
import torch

from fsat.apis import inference_student, init_student
from fsat.testing import repo_path, run_tool
from fsat.utils.cli import FsatUserError

FINETUNE = repo_path('configs', 'finetune', 'depth_r3d18_synth.py')
DISTILL = repo_path('configs', 'distill', 'flow2depth_v2c_synth.py')
TWO_CLASSES = {'model.cls_head.num_classes': 2}


@pytest.fixture(scope='module')
def world(tmp_path_factory):
    from fsat.datasets.synthetic import generate_world, get_preset
    root = tmp_path_factory.mktemp('infer') / 'world'
    generate_world(get_preset('tiny', num_classes=2), str(root), seed=0,
                   workers=1, progress=False)
    return root / 'ntu'


@pytest.fixture(scope='module')
def exported(tmp_path_factory):
    """A student checkpoint as export_student.py writes it, with weights
    that make the two classes' scores clearly differ."""
    torch.manual_seed(0)
    model = init_student(FINETUNE, cfg_options=TWO_CLASSES)
    with torch.no_grad():
        model.cls_head.fc_cls.weight.mul_(50)
    path = tmp_path_factory.mktemp('ckpt') / 'student.pth'
    torch.save(dict(state_dict=model.state_dict(),
                    meta=dict(fsat_export=dict(prefix='student.'))),
               str(path))
    return model.state_dict(), path


def _same_weights(model, state):
    for key, value in state.items():
        assert torch.equal(model.state_dict()[key], value), key


def test_predictions_equal_tools_test(world, exported, tmp_path):
    state, ckpt = exported
    dump = tmp_path / 'preds.pkl'
    proc = run_tool('test.py', [
        FINETUNE, str(ckpt), '--work-dir', str(tmp_path / 'work'), '--dump',
        str(dump), '--cfg-options', f'test_dataloader.dataset.data_root='
        f'{world}', 'test_dataloader.dataset.ntu.classes=[1,2]',
        'test_dataloader.num_workers=0', 'model.cls_head.num_classes=2'
    ])
    assert proc.returncode == 0, proc.stderr[-3000:]
    with open(dump, 'rb') as f:
        reference = pickle.load(f)
    assert len(reference) >= 2
    model = init_student(FINETUNE, str(ckpt), cfg_options=TWO_CLASSES)
    _same_weights(model, state)
    assert model.fsat_modality is None
    for ref in reference[:2]:
        folder = world / 'nturgb+d_depth_masked' / ref['video_id']
        result = inference_student(model, str(folder))
        assert torch.allclose(result.pred_scores.item,
                              ref['pred_scores']['item'], atol=1e-6)
    assert not torch.allclose(reference[0]['pred_scores']['item'],
                              torch.full((2, ), 0.5), atol=1e-3)
    # a record names the same sample
    record = dict(name=reference[0]['video_id'],
                  paths=dict(depth=str(world / 'nturgb+d_depth_masked' /
                                       reference[0]['video_id'])))
    result = inference_student(model, record)
    assert torch.allclose(result.pred_scores.item,
                          reference[0]['pred_scores']['item'], atol=1e-6)


def test_tensor_input(exported):
    _, ckpt = exported
    model = init_student(FINETUNE, str(ckpt), cfg_options=TWO_CLASSES)
    clips = torch.rand(2, 3, 16, 32, 32) * 255  # [num_clips, C, T, H, W]
    one = inference_student(model, clips).pred_scores.item
    assert one.shape == (2, )
    assert torch.allclose(one.sum(), torch.tensor(1.0))
    # clip averaging: two equal clips score as one
    same = inference_student(model, clips[:1].repeat(2, 1, 1, 1, 1))
    alone = inference_student(model, clips[:1])
    assert torch.allclose(same.pred_scores.item, alone.pred_scores.item,
                          atol=1e-6)


def test_distiller_config_and_checkpoint_give_the_student(exported,
                                                          tmp_path):
    state, _ = exported
    distilled = {f'student.{k}': v for k, v in state.items()}
    distilled['teachers.teacher.backbone.conv1.conv.weight'] = torch.zeros(1)
    ckpt = tmp_path / 'iter_4.pth'
    torch.save(dict(state_dict=distilled), str(ckpt))
    model = init_student(DISTILL, str(ckpt),
                         cfg_options={'model.student.cls_head.num_classes': 2})
    assert type(model).__name__ == 'Recognizer3D'
    assert model.fsat_modality == 'depth'
    _same_weights(model, state)
    # a transfer config has no test dataset to read a sample path with
    with pytest.raises(FsatUserError, match='a transfer config has none'):
        inference_student(model, str(tmp_path))
    # its checkpoint's student loads into the fine-tuning config
    _same_weights(init_student(FINETUNE, str(ckpt), cfg_options=TWO_CLASSES),
                  state)


def test_checkpoint_of_another_model_is_an_error(tmp_path):
    ckpt = tmp_path / 'other.pth'
    torch.save(dict(state_dict={'backbone.data_bn.weight': torch.ones(3)}),
               str(ckpt))
    with pytest.raises(FsatUserError) as exc:
        init_student(FINETUNE, str(ckpt))
    message = str(exc.value)
    assert str(ckpt) in message and 'missing: backbone.' in message
    assert 'unexpected: backbone.data_bn.weight' in message
    with pytest.raises(FsatUserError, match='checkpoint does not exist'):
        init_student(FINETUNE, str(tmp_path / 'none.pth'))


def test_missing_sample_is_an_error(exported, tmp_path):
    _, ckpt = exported
    model = init_student(FINETUNE, str(ckpt), cfg_options=TWO_CLASSES)
    with pytest.raises(FsatUserError, match='sample does not exist'):
        inference_student(model, str(tmp_path / 'S001C001P001R001A001'))


def test_mmaction_init_recognizer_builds_the_same_student(exported):
    """docs/get_started.md: mmaction2's init_recognizer works on a
    fine-tuning config with an exported student."""
    from mmaction.apis import init_recognizer
    from mmengine.config import Config
    state, ckpt = exported
    cfg = Config.fromfile(FINETUNE)
    cfg.model.cls_head.num_classes = 2
    model = init_recognizer(cfg, str(ckpt), device='cpu')
    _same_weights(model, state)
