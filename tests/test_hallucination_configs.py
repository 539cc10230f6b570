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


def _plan(name, work):
    from fsat.apis.pipeline import load_pipeline
    pipeline = load_pipeline(f'configs/pipelines/{name}.py', str(work))
    runs = pipeline.plan()
    return {(r.stage.name, r.values['seed']): pipeline.resolve(r, dry=True)
            for r in runs}


def test_the_ablations_change_one_thing_each(tmp_path, monkeypatch):
    monkeypatch.chdir(repo_path())
    cfgs = _plan('hallucination_synth_ablation', tmp_path / 'w')
    assert len(cfgs) == 8 * 3
    losses = {name: sorted(cfgs[name, 0].model.distill_losses)
              for name in ('step3', 'step3_hall', 'step3_gd', 'step3_plain')}
    assert losses == dict(step3=['loss_gd', 'loss_hall'],
                          step3_hall=['loss_hall'], step3_gd=['loss_gd'],
                          step3_plain=['loss_gd', 'loss_hall'])
    # alone, each loss has the whole weight (Eqs. 3 and 5)
    assert cfgs['step3_hall', 0].model.distill_losses.loss_hall.loss_weight \
        == 1.0
    assert cfgs['step3_gd', 0].model.distill_losses.loss_gd.loss_weight == 1.0
    for name in ('step2_plain', 'step3_plain'):
        assert cfgs[name, 1].model.backbone.connections == []
    for name in ('step2', 'step3', 'step3_hall', 'step3_gd'):
        assert len(cfgs[name, 1].model.backbone.connections) == 1
    # every step-3 variant starts from the same step-2 model
    starts = {cfgs[n, 2].model.init_streams.depth.checkpoint
              for n in ('step3', 'step3_hall', 'step3_gd', 'step3_plain')}
    assert len(starts) == 1 and str(tmp_path / 'w' / 'step2' / 'seed2') in \
        starts.pop()

def test_the_rgb_control_trains_as_long_as_steps_2_and_4(tmp_path,
                                                          monkeypatch):
    monkeypatch.chdir(repo_path())
    cfgs = _plan('hallucination_synth_control', tmp_path / 'w')
    assert len(cfgs) == 6 * 3
    # the RGB control trains from step 1's RGB stream for as many more
    # iterations as steps 2 and 4 give the final model's RGB stream
    longer = cfgs['rgb_longer', 0]
    added = (cfgs['step2', 0].train_cfg.max_iters
             + cfgs['step4', 0].train_cfg.max_iters)
    assert longer.train_cfg.max_iters == added \
        == longer.param_scheduler[0].T_max
    assert longer.custom_hooks[-1].checkpoint.startswith(
        str(tmp_path / 'w' / 'rgb' / 'seed0'))


def test_the_noise_study_tests_step2_at_each_variance(tmp_path, monkeypatch):
    monkeypatch.chdir(repo_path())
    cfgs = _plan('hallucination_synth_noise', tmp_path / 'w')
    noise = {name: cfgs[name, 0].test_dataloader.dataset.modalities.depth
             .pipeline[1] for name in
             ('step2', 'var1e-3', 'var1e-1', 'var10', 'void')}
    assert all(n.type == 'SpeckleNoise' for n in noise.values())
    assert [noise[k].variance for k in ('step2', 'var1e-3', 'var1e-1', 'var10')
            ] == [0.0, 1e-3, 1e-1, 10.0]
    assert noise['void'].void and not noise['var10'].void
    # tested from step 2's checkpoint of the same seed
    assert cfgs['var1', 1].load_from.startswith(
        str(tmp_path / 'w' / 'step2' / 'seed1'))
    # step 3 with the gates it trained with: depth read at test
    gated = cfgs['step3_gated', 2]
    assert gated.model.predict_connections
    assert sorted(gated.test_dataloader.dataset.modalities) == [
        'depth', 'rgb']
    assert gated.load_from.startswith(str(tmp_path / 'w' / 'step3' / 'seed2'))
    assert not cfgs['step3', 2].model.predict_connections


def test_the_inverted_study_turns_every_connection_round(
        tmp_path, monkeypatch):
    monkeypatch.chdir(repo_path())
    cfgs = _plan('hallucination_synth_inverted', tmp_path / 'w')

    def edges(name):
        return sorted((c.src, c.dst)
                      for c in cfgs[name, 0].model.backbone.connections)

    assert edges('step2') == [('depth', 'rgb')]
    assert edges('step2_inv') == [('rgb', 'depth')]
    assert edges('step3_inv') == [('rgb', 'depth'), ('rgb', 'hallucination')]
    assert edges('step4_inv') == [('rgb', 'hallucination')]
    step3 = cfgs['step3_inv', 0].model
    assert sorted(step3.frozen_streams) == ['depth', 'rgb']
    assert {s.checkpoint for s in step3.init_streams.values()} == {
        cfgs['step4_inv', 0].model.init_streams.rgb.checkpoint}


def test_inverted_step3_keeps_both_teacher_streams_fixed(tmp_path):
    cfg = _cfg('step2_inverted')
    path = str(tmp_path / 'step2_inv.pth')
    torch.save(dict(state_dict=_build('step2_inverted').state_dict()), path)
    step3 = _build('step3_inverted', rgb=path, depth=path,
                   hallucination=path)
    before = {k: v.clone() for k, v in step3.state_dict().items()}
    losses = _train_step(step3, _batch(cfg, ['rgb', 'depth']))
    assert set(losses) == {'loss', 'distill.loss_gd', 'distill.loss_hall'}
    after = step3.state_dict()
    changed = {k.split('.')[2] for k in before
               if k.startswith('backbone.streams.')
               and not torch.equal(before[k], after[k])}
    assert changed == {'hallucination'}
    # tested from RGB alone
    with torch.no_grad():
        out = step3.eval().test_step(_batch(cfg, ['rgb']))
    assert out[0].pred_scores.item.shape == (10, )
