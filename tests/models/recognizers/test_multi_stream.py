# Copyright (c) fsat contributors. All rights reserved.
"""MultiStreamRecognizer through the hallucination network's steps: step
2's joint model trains both streams; step 3's frozen depth stream (weights
and batch-norm statistics) stays as loaded while the hallucination stream,
started from the depth weights, learns; step 4 runs on RGB alone."""
import pytest
import torch
from mmaction.structures import ActionDataSample
from mmengine.optim import OptimWrapper

from fsat.models.errors import ModelConfigError
from fsat.registry import MODELS

T, K = 2, 3
R18 = dict(depth=18, pretrained=None)


def _head():
    return dict(type='TSNHead', num_classes=K, in_channels=512,
                dropout_ratio=0.0, average_clips='prob')


def _model(streams, connections=(), **kwargs):
    torch.manual_seed(0)
    model = MODELS.build(dict(
        type='MultiStreamRecognizer',
        backbone=dict(type='CrossStreamResNet',
                      streams={s: R18 for s in streams},
                      connections=list(connections), num_segments=T),
        heads={s: _head() for s in streams}, **kwargs))
    model.init_weights()
    return model


def _batch(modalities=('rgb', 'depth'), n=2, seed=0):
    gen = torch.Generator().manual_seed(seed)
    inputs = {m: torch.rand(n, T, 3, 32, 32, generator=gen)
              for m in modalities}
    samples = [ActionDataSample().set_gt_labels(i % K) for i in range(n)]
    return dict(inputs=inputs, data_samples=samples)


def _steps(model, num=3):
    optim = OptimWrapper(torch.optim.SGD(
        [p for p in model.parameters() if p.requires_grad], lr=0.1))
    model.train()
    for i in range(num):
        losses = model.train_step(_batch(seed=i), optim)
    return losses


def _state(module):
    return {k: v.clone() for k, v in module.state_dict().items()}


@pytest.fixture(scope='module')
def step2_checkpoint(tmp_path_factory):
    """A step-2 model (RGB + depth, depth gating RGB) after a few steps."""
    model = _model(['rgb', 'depth'], [dict(src='depth', dst='rgb')])
    before = _state(model.backbone.streams['depth'])
    losses = _steps(model)
    assert set(losses) == {'loss', 'loss_cls', 'top1_acc'}
    # joint training: both streams learn
    after = model.backbone.streams['depth'].state_dict()
    assert any(not torch.equal(before[k], after[k]) for k in before)
    path = tmp_path_factory.mktemp('step2') / 'step2.pth'
    torch.save(dict(state_dict=model.state_dict()), path)
    return str(path), model


def _step3(checkpoint, **kwargs):
    return _model(
        ['depth', 'hallucination'],
        [dict(src='depth', dst='hallucination')],
        stream_inputs=dict(hallucination='rgb'),
        frozen_streams=['depth'],
        fused_streams=[],
        predict_streams=['hallucination'],
        init_streams=dict(
            depth=dict(checkpoint=checkpoint),
            hallucination=dict(checkpoint=checkpoint, from_stream='depth')),
        distill_losses=dict(
            loss_gd=dict(type='GeneralizedDistillationLoss', loss_weight=0.5,
                         inputs=dict(logits_s='hallucination.logits',
                                     logits_t='depth.logits',
                                     labels='data.labels')),
            loss_hall=dict(type='HallucinationLoss', loss_weight=0.5,
                           inputs=dict(feat_s='hallucination.feat',
                                       feat_t='depth.feat'))),
        **kwargs)


def test_step3_freezes_depth_and_trains_the_hallucination_stream(
        step2_checkpoint):
    path, step2 = step2_checkpoint
    model = _step3(path)
    depth_ref = step2.backbone.streams['depth'].state_dict()
    # loaded: depth as trained, the hallucination stream a copy of it
    for name in ('depth', 'hallucination'):
        got = model.backbone.streams[name].state_dict()
        assert all(torch.equal(got[k], depth_ref[k]) for k in depth_ref)
    depth_before = _state(model.backbone.streams['depth'])
    head_before = _state(model.heads['depth'])
    hall_before = _state(model.backbone.streams['hallucination'])
    losses = _steps(model)
    assert set(losses) == {'loss', 'distill.loss_gd', 'distill.loss_hall'}
    depth_after = model.backbone.streams['depth'].state_dict()
    # weights and batch-norm buffers (running stats, batch counts) unchanged
    assert all(torch.equal(depth_before[k], depth_after[k])
               for k in depth_before)
    head_after = model.heads['depth'].state_dict()
    assert all(torch.equal(head_before[k], head_after[k]) for k in head_before)
    hall_after = model.backbone.streams['hallucination'].state_dict()
    changed = [k for k in hall_before
               if not torch.equal(hall_before[k], hall_after[k])]
    assert any(k.endswith('conv.weight') for k in changed)
    assert any(k.endswith('running_mean') for k in changed)


def test_step4_runs_on_rgb_alone_and_predicts_probabilities(
        step2_checkpoint):
    path, _ = step2_checkpoint
    model = _model(
        ['rgb', 'hallucination'], [dict(src='hallucination', dst='rgb')],
        stream_inputs=dict(hallucination='rgb'),
        init_streams=dict(rgb=dict(checkpoint=path),
                          hallucination=dict(checkpoint=path,
                                             from_stream='depth')))
    assert not any('depth' in k for k in model.state_dict())
    losses = _steps(model, num=1)
    assert torch.isfinite(losses['loss_cls'])
    model.eval()
    batch = _batch(modalities=('rgb', ))
    with torch.no_grad():
        out = model.test_step(batch)
    scores = torch.stack([s.pred_scores.item for s in out])
    assert scores.shape == (2, K)
    assert torch.allclose(scores.sum(1), torch.ones(2))


def test_fused_scores_are_the_mean_of_the_streams():
    model = _model(['rgb', 'depth'], average_clips='score').eval()
    batch = _batch()
    with torch.no_grad():
        feats = model.extract_feat(batch['inputs'])
        out = model.test_step(batch)
    expected = (feats['rgb.logits'] + feats['depth.logits']) / 2
    got = torch.stack([s.pred_scores.item for s in out])
    assert torch.allclose(got, expected, atol=1e-6)


def test_a_frozen_stream_without_checkpoint_is_refused():
    with pytest.raises(ModelConfigError, match="frozen stream 'depth' has no "
                       'checkpoint'):
        _step3(None)


def test_a_missing_checkpoint_file_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match='step2.pth: no such'):
        _step3(str(tmp_path / 'step2.pth'))


def test_a_checkpoint_without_the_stream_is_named(tmp_path):
    single = _model(['rgb'])
    path = tmp_path / 'rgb_only.pth'
    torch.save(dict(state_dict=single.state_dict()), path)
    with pytest.raises(ValueError, match="has no stream 'depth'"):
        _step3(str(path))


@pytest.mark.parametrize('kwargs,match', [
    (dict(frozen_streams=['flow']), r"frozen_streams names unknown stream"),
    (dict(fused_streams=[], cls_loss_weight=0.0), 'no stream to predict'),
    (dict(average_clips=None), 'average_clips must be one of'),
    (dict(distill_losses=dict(l=dict(
        type='HallucinationLoss',
        inputs=dict(feat_s='rgb.feat', feat_t='flow.feat')))),
     "unknown feature 'flow.feat'"),
])
def test_bad_configs_are_refused(kwargs, match):
    with pytest.raises(ModelConfigError, match=match):
        _model(['rgb', 'depth'], **kwargs)


def test_a_batch_without_a_streams_modality_is_named():
    model = _model(['rgb', 'depth'], [dict(src='depth', dst='rgb')]).eval()
    with pytest.raises(ValueError, match="reads modality 'depth'"):
        model.test_step(_batch(modalities=('rgb', )))
    bad = _batch()
    bad['inputs']['rgb'] = torch.rand(2, 3, 3, 32, 32)  # 3 frames, T = 2
    with pytest.raises(ValueError, match=r'\[N, clips \* 2, C, H, W\]'):
        model.test_step(bad)


def test_a_damaged_checkpoint_is_named(tmp_path):
    path = tmp_path / 'step2.pth'
    path.write_bytes(b'not a checkpoint')
    with pytest.raises(Exception, match='step2.pth'):
        _step3(str(path))


def test_step3_predicts_from_rgb_alone_without_the_depth_connections(
        step2_checkpoint):
    path, _ = step2_checkpoint
    model = _step3(path, predict_connections=False)
    model.eval()
    rgb_only = _batch(modalities=('rgb', ))
    with torch.no_grad():
        out = model.test_step(rgb_only)
        scores = torch.stack([s.pred_scores.item for s in out])
        # the hallucination stream alone, its gates cut: its own logits
        frames = rgb_only['inputs']['rgb'].reshape(-1, 3, 32, 32)
        maps = model.backbone(dict(hallucination=frames), connections=False)
        logits = model.heads['hallucination'](maps['hallucination'],
                                              num_segs=T)
    assert torch.allclose(scores, logits.softmax(1), atol=1e-6)
    # with the connections (the default) the depth input is required
    with_gates = _step3(path)
    with_gates.eval()
    with pytest.raises(ValueError, match="modality 'depth'"):
        with torch.no_grad():
            with_gates.test_step(rgb_only)
