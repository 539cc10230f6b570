# Copyright (c) fsat contributors. All rights reserved.
"""The 2-D detection configs (configs/detection2d): the real NYUD2 and
JHMDB ones hold Gupta et al.'s Fast R-CNN settings; the synthetic twins
train and test through the tools on tiny worlds, and the RGB + HHA late
fusion loads its members' checkpoints and tests from both modalities."""
import os.path as osp

import pytest

from fsat.apis import load_config
from fsat.testing import repo_path, run_tool

REAL = ('frcnn_r50_rgb_nyud2', 'frcnn_r50_hha_nyud2', 'frcnn_r50_rgb_jhmdb',
        'frcnn_r50_flow_jhmdb')
SHORT = [
    'train_cfg.max_iters=2', 'train_cfg.val_interval=2',
    'default_hooks.checkpoint.interval=2', 'default_hooks.logger.interval=1',
    'param_scheduler.0.T_max=2', 'train_dataloader.num_workers=0',
    'train_dataloader.persistent_workers=False',
    'val_dataloader.num_workers=0', 'val_dataloader.persistent_workers=False',
    'test_dataloader.num_workers=0',
    'test_dataloader.persistent_workers=False'
]


def _cfg(name):
    return load_config(repo_path('configs', 'detection2d', f'{name}.py'))


@pytest.mark.parametrize('name', REAL)
def test_paper_settings(name):
    cfg = _cfg(name)
    nyud2 = name.endswith('nyud2')
    assert cfg.model.roi_head.num_classes == (19 if nyud2 else 21)
    assert cfg.train_cfg.max_iters == 40000
    assert cfg.optim_wrapper.optimizer.lr == 0.001
    assert cfg.param_scheduler[0].milestones == [30000]
    assert cfg.param_scheduler[0].gamma == 0.1
    assert cfg.train_dataloader.batch_size == 2
    assert cfg.model.roi_head.num_rois == 128
    assert cfg.model.roi_head.fg_fraction == 0.25
    for split in ('train', 'test'):
        pipeline = cfg[f'{split}_dataloader'].dataset.pipeline
        types = [t.type for t in pipeline]
        assert types[0] == 'LoadProposalFile'
        assert ('Det2DRandomFlip' in types) == (split == 'train')
        resize = pipeline[types.index('Det2DResize')]
        assert resize.short_side == (688 if nyud2 else 600)
    if name.endswith('flow_jhmdb'):
        flip = cfg.train_dataloader.dataset.pipeline[2]
        assert flip.flow_modalities == ('img', )


def test_synthetic_configs_name_the_worlds_classes():
    from fsat.datasets.synthetic import INDOOR_CLASSES, JHMDB_WORLD_CLASSES
    world = dict(nyud2=list(INDOOR_CLASSES),
                 jhmdb=[c.name for c in JHMDB_WORLD_CLASSES])
    for name in ('rgb_nyud2', 'hha_nyud2', 'rgb_jhmdb', 'flow_jhmdb'):
        cfg = _cfg(f'frcnn_r18_{name}_synth')
        classes = world[name.split('_')[1]]
        assert cfg.classes == classes
        assert cfg.model.roi_head.num_classes == len(classes)
        assert cfg.train_dataloader.dataset.classes == classes
        assert cfg.val_evaluator.num_classes == len(classes)


def test_fusion_config():
    cfg = _cfg('frcnn_r50_rgbhha_fusion_nyud2')
    assert cfg.model.type == 'LateFusionDetector2D'
    assert set(cfg.model.detectors) == {'rgb', 'hha'}
    assert cfg.model.score_fusion == 'logits'
    assert 'backbone' not in cfg.model
    for member in ('rgb', 'hha'):
        assert cfg.model.detectors[member].backbone.depth == 50
    assert cfg.test_dataloader.dataset.modalities == ('rgb', 'hha')


@pytest.fixture(scope='module')
def nyud2_world(tmp_path_factory):
    from fsat.datasets.synthetic import generate_nyud2_world
    out = str(tmp_path_factory.mktemp('nyud2') / 'world')
    generate_nyud2_world('nyud2_tiny', out, seed=0, progress=False)
    return out


@pytest.mark.slow
def test_synthetic_nyud2_train_and_fuse(nyud2_world, tmp_path):
    """RGB and HHA (computed on the fly: no hha/ folder) detectors train
    for 2 iterations; the fusion tests from their checkpoints."""
    env = dict(FSAT_NYUD2_SYNTH_ROOT=nyud2_world)
    ckpts = {}
    for modality in ('rgb', 'hha'):
        work = str(tmp_path / modality)
        proc = run_tool('train.py', [
            f'configs/detection2d/frcnn_r18_{modality}_nyud2_synth.py',
            '--work-dir', work, '--cfg-options', *SHORT,
            'train_dataloader.dataset.hha_root=None',
            'val_dataloader.dataset.hha_root=None'], env=env)
        assert proc.returncode == 0, proc.stderr[-3000:]
        assert 'voc/mAP' in proc.stdout + proc.stderr
        ckpts[modality] = osp.join(work, 'iter_2.pth')
        assert osp.isfile(ckpts[modality])
    proc = run_tool('test.py', [
        'configs/detection2d/frcnn_r18_rgbhha_fusion_nyud2_synth.py', 'none',
        '--work-dir', str(tmp_path / 'fusion'), '--cfg-options',
        f'model.checkpoints.rgb={ckpts["rgb"]}',
        f'model.checkpoints.hha={ckpts["hha"]}',
        'test_dataloader.num_workers=0',
        'test_dataloader.persistent_workers=False',
        'test_dataloader.dataset.hha_root=None'], env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert 'voc/mAP' in proc.stdout + proc.stderr


@pytest.mark.slow
def test_synthetic_jhmdb_flow_trains(tmp_path):
    from fsat.datasets.flow import collect_videos, extract_many
    from fsat.datasets.synthetic import custom_preset, generate_jhmdb_world
    world = str(tmp_path / 'world')
    generate_jhmdb_world(custom_preset('jhmdb_unit', {}), world, seed=0,
                         progress=False)
    videos = collect_videos(osp.join(world, 'videos'), pattern='*/*.avi')
    extract_many(videos, osp.join(world, 'flow'), method='farneback',
                 progress=False)
    proc = run_tool('train.py', [
        'configs/detection2d/frcnn_r18_flow_jhmdb_synth.py', '--work-dir',
        str(tmp_path / 'flow'), '--cfg-options', *SHORT,
        "train_dataloader.dataset.classes=['clap','walk']",
        "val_dataloader.dataset.classes=['clap','walk']",
        'model.roi_head.num_classes=2', 'val_evaluator.num_classes=2',
        "val_evaluator.class_names=['clap','walk']"],
        env=dict(FSAT_JHMDB_SYNTH_ROOT=world))
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert 'voc/mAP' in proc.stdout + proc.stderr


def test_rpn_config_trains_and_predicts_from_its_own_proposals(nyud2_world):
    """The Faster R-CNN variant: no windows in its pipelines, the RPN's
    losses join the head's, and predictions come from RPN proposals."""
    import torch
    from mmengine.dataset import pseudo_collate

    from fsat.registry import DATASETS, MODELS
    cfg = _cfg('frcnn_r18_hha_rpn_nyud2_synth')
    for split in ('train', 'test'):
        types = [t.type for t in cfg[f'{split}_dataloader'].dataset.pipeline]
        assert 'SlidingWindowProposals' not in types
    assert cfg.model.get('sliding_windows') is None
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    batches = {}
    for split in ('train', 'test'):
        data_cfg = dict(cfg[f'{split}_dataloader'].dataset,
                        data_root=nyud2_world, hha_root=None)
        dataset = DATASETS.build(data_cfg)
        batches[split] = pseudo_collate([dataset[0], dataset[1]])
    model.train()
    data = model.data_preprocessor(batches['train'], training=True)
    losses = model(**data, mode='loss')
    assert {'loss_cls', 'loss_bbox', 'loss_rpn_cls',
            'loss_rpn_bbox'} <= set(losses)
    assert all(torch.isfinite(v).all() for v in losses.values())
    sum(losses.values()).backward()
    assert model.rpn_head.conv.weight.grad.abs().sum() > 0
    model.eval()
    with torch.no_grad():
        data = model.data_preprocessor(batches['test'], training=False)
        out = model(**data, mode='predict')
    assert len(out) == 2
    for sample in out:
        assert 'proposals' not in sample
        assert len(sample.pred_instances.bboxes) <= 300 * len(cfg.classes)


def test_jhmdb_pipeline_plans_two_detectors_over_three_seeds(
        tmp_path, monkeypatch):
    from fsat.apis.pipeline import load_pipeline
    monkeypatch.chdir(repo_path())
    pipeline = load_pipeline('configs/pipelines/detection2d_jhmdb_synth.py',
                             str(tmp_path / 'w'))
    runs = pipeline.plan()
    assert len(runs) == 2 * 3
    cfgs = {(r.stage.name, r.values['seed']): pipeline.resolve(r, dry=True)
            for r in runs}
    for seed in (0, 1, 2):
        assert cfgs['flow', seed].randomness.seed == seed
        assert cfgs['flow', seed].train_dataloader.dataset.modality == 'flow'
        assert cfgs['rgb', seed].train_dataloader.dataset.modality == 'rgb'
    assert pipeline.report_metric == 'voc/mAP@0.5'


def test_long_jhmdb_pipeline_reuses_the_short_runs_and_trains_flow_longer(
        tmp_path, monkeypatch):
    from fsat.apis.pipeline import load_pipeline
    monkeypatch.chdir(repo_path())
    short = load_pipeline('configs/pipelines/detection2d_jhmdb_synth.py',
                          str(tmp_path / 'a'))
    long = load_pipeline('configs/pipelines/detection2d_jhmdb_synth_long.py',
                         str(tmp_path / 'b'))
    assert long.reuse_from == ['work_dirs/detection2d_jhmdb_synth']
    runs = {(r.stage.name, r.values['seed']): r for r in long.plan()}
    assert len(runs) == 3 * 3
    # the 2,000-iteration rows are the short pipeline's runs (taken over)
    for r in short.plan():
        assert runs[r.stage.name, r.values['seed']].signature == r.signature
    for seed in (0, 1, 2):
        cfg = long.resolve(runs['flow_6k', seed], dry=True)
        assert cfg.randomness.seed == seed
        assert cfg.train_dataloader.dataset.modality == 'flow'
        assert cfg.train_cfg.max_iters == cfg.train_cfg.val_interval == 6000
        assert cfg.param_scheduler[0].T_max == 6000
        assert cfg.default_hooks.checkpoint.interval == 6000
    assert long.reference_method == 'optical flow'


def test_long_rgb_jhmdb_pipeline_trains_rgb_as_long_as_the_flow_rows(
        tmp_path, monkeypatch):
    from fsat.apis.pipeline import load_pipeline
    monkeypatch.chdir(repo_path())
    flow = load_pipeline('configs/pipelines/detection2d_jhmdb_synth_long.py',
                         str(tmp_path / 'a'))
    rgb = load_pipeline(
        'configs/pipelines/detection2d_jhmdb_synth_long_rgb.py',
        str(tmp_path / 'b'))
    flow_runs = {(r.stage.name, r.values['seed']): r for r in flow.plan()}
    runs = rgb.plan()
    assert sorted((r.stage.name, r.values['seed']) for r in runs) == [
        ('rgb_6k', 0), ('rgb_6k', 1), ('rgb_6k', 2)]
    for r in runs:
        seed = r.values['seed']
        cfg = rgb.resolve(r, dry=True)
        long_flow = flow.resolve(flow_runs['flow_6k', seed], dry=True)
        short_rgb = flow.resolve(flow_runs['rgb', seed], dry=True)
        assert cfg.randomness.seed == seed
        assert cfg.train_dataloader.dataset.modality == 'rgb'
        # the flow rows' length and schedule, the RGB rows' data and model
        for key in ('train_cfg', 'param_scheduler', 'optim_wrapper'):
            assert cfg[key] == long_flow[key], key
        for key in ('model', 'train_dataloader', 'test_dataloader'):
            assert cfg[key] == short_rgb[key], key
        assert cfg.default_hooks.checkpoint.interval == 6000


def test_nyud2_pipeline_plans_detectors_and_fusion_over_three_seeds(
        tmp_path, monkeypatch):
    from fsat.apis.pipeline import load_pipeline
    monkeypatch.chdir(repo_path())
    pipeline = load_pipeline('configs/pipelines/detection2d_nyud2_synth.py',
                             str(tmp_path / 'w'))
    runs = pipeline.plan()
    assert len(runs) == 4 * 3
    cfgs = {(r.stage.name, r.values['seed']): pipeline.resolve(r, dry=True)
            for r in runs}
    for seed in (0, 1, 2):
        for name in ('rgb', 'hha', 'hha_rpn'):
            assert cfgs[name, seed].randomness.seed == seed
        fusion = cfgs['fusion', seed].model
        assert fusion.type == 'LateFusionDetector2D'
        # the fusion of a seed reads that seed's two detectors
        for member in ('rgb', 'hha'):
            assert str(tmp_path / 'w' / member / f'seed{seed}') in \
                fusion.checkpoints[member]
    # the RPN variant proposes its own boxes, the others read windows
    assert 'rpn_head' in cfgs['hha_rpn', 0].model
    assert 'rpn_head' not in cfgs['hha', 0].model
    assert pipeline.prepare[0]['kwargs']['hha'] is True
