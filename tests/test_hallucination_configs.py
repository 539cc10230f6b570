# Copyright (c) fsat contributors. All rights reserved.
"""The hallucination network's synthetic configs (configs/hallucination/):
each step builds the model the paper's step describes, hands its weights
to the next by stream name, and step 4 predicts from RGB alone."""
import pytest
import torch
from mmaction.structures import ActionDataSample
from mmengine.optim import OptimWrapper
from mmengine.registry import DefaultScope

from fsat.apis import load_config
from fsat.registry import MODELS
from fsat.testing import repo_path

STEPS = ('step1_rgb', 'step1_depth', 'step2', 'step3', 'step4')


def _cfg(step):
    return load_config(repo_path('configs', 'hallucination',
                                 f'{step}_synth.py'))


def _build(step, **init):
    cfg = _cfg(step).model.to_dict()
    for stream, path in init.items():
        cfg['init_streams'][stream]['checkpoint'] = path
    with DefaultScope.overwrite_default_scope('fsat'):
        torch.manual_seed(0)
        model = MODELS.build(cfg)
    model.init_weights()
    return model


def _batch(cfg, modalities):
    n, T, size = 2, cfg.num_segments, cfg.input_size
    inputs = {m: [torch.randint(0, 256, (T, 3, size, size),
                                dtype=torch.uint8) for _ in range(n)]
              for m in modalities}
    samples = [ActionDataSample().set_gt_labels(i) for i in range(n)]
    return dict(inputs=inputs, data_samples=samples)


def _train_step(model, batch):
    optim = OptimWrapper(torch.optim.SGD(
        [p for p in model.parameters() if p.requires_grad], lr=0.01))
    return model.train().train_step(batch, optim)


@pytest.mark.parametrize('step', STEPS)
def test_every_step_reads_the_shared_data(step):
    cfg = _cfg(step)
    assert cfg.num_classes == 10 and cfg.num_segments == 5
    train = cfg.train_dataloader.dataset
    assert train.ntu.holdout == 'garcia2018' and not train.ntu.get(
        'use_holdout', False)
    assert cfg.val_dataloader.dataset.ntu.use_holdout
    assert cfg.test_dataloader.dataset.ntu.split == 'val'
    # chosen on validation (the config's comment has the figures)
    optimizer = cfg.optim_wrapper.optimizer
    assert (optimizer.type, optimizer.lr) == ('AdamW', 1e-3)
    assert 'momentum' not in optimizer


def test_the_four_steps_hand_their_streams_on(tmp_path):
    cfg = _cfg('step2')
    # step 1: each stream alone
    paths = {}
    for stream in ('rgb', 'depth'):
        model = _build(f'step1_{stream}')
        losses = _train_step(model, _batch(cfg, [stream]))
        assert torch.isfinite(losses['loss_cls'])
        paths[stream] = str(tmp_path / f'step1_{stream}.pth')
        torch.save(dict(state_dict=model.state_dict()), paths[stream])
    # step 2: both, depth gating RGB, started from step 1
    step2 = _build('step2', rgb=paths['rgb'], depth=paths['depth'])
    step1_rgb = torch.load(paths['rgb'])['state_dict']
    assert torch.equal(step2.state_dict()['heads.rgb.fc_cls.weight'],
                       step1_rgb['heads.rgb.fc_cls.weight'])
    assert step2.backbone.connections[0]['src'] == 'depth'
    _train_step(step2, _batch(cfg, ['rgb', 'depth']))
    path2 = str(tmp_path / 'step2.pth')
    torch.save(dict(state_dict=step2.state_dict()), path2)
    # step 3: frozen depth teaches the hallucination stream fed RGB
    step3 = _build('step3', depth=path2, hallucination=path2)
    assert step3.frozen_streams == ['depth']
    assert step3.stream_inputs['hallucination'] == 'rgb'
    losses = _train_step(step3, _batch(cfg, ['rgb', 'depth']))
    assert set(losses) == {'loss', 'distill.loss_gd', 'distill.loss_hall'}
    # the paper's total: (1 - alpha) L_GD + alpha L_hall, alpha = 0.5
    assert step3.distill_losses['loss_gd'].loss_weight == 0.5
    assert step3.distill_losses['loss_hall'].loss_weight == 0.5
    assert step3.distill_losses['loss_gd'].temperature == 10
    path3 = str(tmp_path / 'step3.pth')
    torch.save(dict(state_dict=step3.state_dict()), path3)
    # step 4: RGB + hallucination on RGB alone, no depth weights
    step4 = _build('step4', rgb=path2, hallucination=path3)
    assert not any('depth' in k for k in step4.state_dict())
    _train_step(step4, _batch(cfg, ['rgb']))
    with torch.no_grad():
        out = step4.eval().test_step(_batch(cfg, ['rgb']))
    assert len(out) == 2 and out[0].pred_scores.item.shape == (10, )


def test_the_pipeline_hands_each_step_the_previous_checkpoints(
        tmp_path, monkeypatch):
    from fsat.apis.pipeline import load_pipeline
    monkeypatch.chdir(repo_path())
    work = tmp_path / 'w'
    pipeline = load_pipeline('configs/pipelines/hallucination_synth.py',
                             str(work))
    runs = pipeline.plan()
    assert [s.name for s in pipeline.stages] == [
        'rgb', 'depth', 'step2', 'step3', 'step4']
    assert len(runs) == 5 * 3
    cfgs = {(r.stage.name, r.values['seed']): pipeline.resolve(r, dry=True)
            for r in runs}
    init = {k: {s: v.checkpoint for s, v in c.model.get(
        'init_streams', {}).items()} for k, c in cfgs.items()}
    assert init['step2', 1]['rgb'].startswith(str(work / 'rgb' / 'seed1'))
    assert init['step2', 1]['depth'].startswith(str(work / 'depth' / 'seed1'))
    assert init['step3', 2]['depth'] == init['step3', 2]['hallucination']
    assert init['step3', 2]['depth'].startswith(str(work / 'step2' / 'seed2'))
    assert init['step4', 0]['rgb'].startswith(str(work / 'step2' / 'seed0'))
    assert init['step4', 0]['hallucination'].startswith(
        str(work / 'step3' / 'seed0'))
    assert cfgs['step4', 0].randomness.seed == 0
    assert not work.exists()
