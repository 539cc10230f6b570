# Copyright (c) fsat contributors. All rights reserved.
"""Gupta et al.'s Table 3 twin (configs/pipelines/st_jhmdb_synth_table3.py,
configs/supervision_transfer/table3_synth/): the runs the pipeline plans
over JHMDB's three splits, what each row hands the flow detector, and the
whole stage graph run through the tools on tiny worlds."""
import os.path as osp

import pytest

from fsat.apis.pipeline import load_pipeline
from fsat.testing import (
    loader_options,
    repo_path,
    run_logs,
    run_pipeline_config,
    short_run_options,
)

PIPELINE = 'configs/pipelines/st_jhmdb_synth_table3.py'
TARGET, SOURCE = 'data/synthetic_jhmdb', 'data/synthetic_jhmdb_source'


@pytest.fixture(scope='module')
def resolved(tmp_path_factory):
    """The pipeline and its runs' resolved configs by (stage, split)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(repo_path())
        pipeline = load_pipeline(PIPELINE,
                                 str(tmp_path_factory.mktemp('work')))
        runs = {(r.stage.name, r.values.get('split')):
                (r, pipeline.resolve(r, dry=True))
                for r in pipeline.plan()}
    return pipeline, runs


def _hooks(cfg):
    return [h for h in cfg.get('custom_hooks') or []
            if h['type'] == 'PretrainedWeightsHook']


def _bare(cfg):
    """The resolved config without its weights hook and work dir."""
    out = cfg.to_dict()
    out['custom_hooks'] = [h for h in out.get('custom_hooks') or []
                           if h['type'] != 'PretrainedWeightsHook']
    out.pop('work_dir')
    return out


def test_rows_average_over_the_three_splits(resolved):
    pipeline, runs = resolved
    # three upstream runs (RGB network, flow pre-training, transfer) and
    # three rows of three splits
    assert len(runs) == 3 + 3 * 3
    assert pipeline.sweeps == {'split': [1, 2, 3]}
    assert pipeline.report_metric == 'voc/mAP@0.5'
    assert pipeline.reference_method == 'flow, no init'
    for split in (1, 2, 3):
        rows = [runs[name, split] for name in
                ('noinit', 'flow_transfer', 'flow_supervised')]
        for run, cfg in rows:
            assert run.stage.method is not None
            assert cfg.train_dataloader.dataset.data_root == TARGET
            assert cfg.train_dataloader.dataset.split == split
            assert cfg.test_dataloader.dataset.split == split
            assert cfg.train_dataloader.dataset.subset == 'train'
            assert cfg.test_dataloader.dataset.subset == 'test'
            assert cfg.train_dataloader.dataset.modality == 'flow'
            assert cfg.test_dataloader.dataset.modality == 'flow'
            assert cfg.randomness.seed == split
            assert cfg.train_cfg.max_iters == 300
            # not validated: the last checkpoint is tested
            assert cfg.get('val_cfg') is None
        # one detector config for every row, another initialisation
        noinit, transferred, supervised = (cfg for _, cfg in rows)
        assert not _hooks(noinit)
        assert _bare(transferred) == _bare(noinit) == _bare(supervised)
        (hook, ) = _hooks(transferred)
        assert (hook['prefix'], hook['target']) == ('student.', 'backbone.')
        assert '/transfer/single/' in hook['checkpoint']
        (hook, ) = _hooks(supervised)
        assert (hook['prefix'], hook['target']) == ('backbone.', 'backbone.')
        assert '/flow_source/single/' in hook['checkpoint']


def test_the_source_world_stands_in_for_imagenet_and_ucf101(resolved):
    _, runs = resolved
    run, rgb = runs['rgb_source', None]
    assert run.stage.method is None  # upstream, not a table row
    assert rgb.train_dataloader.dataset.data_root == SOURCE
    assert rgb.train_dataloader.dataset.modality == 'rgb'
    assert rgb.train_cfg.max_iters == rgb.param_scheduler[0].T_max == 800
    assert not _hooks(rgb)
    _, flow = runs['flow_source', None]
    assert flow.train_dataloader.dataset.data_root == SOURCE
    assert flow.train_dataloader.dataset.modality == 'flow'
    assert flow.train_cfg.max_iters == flow.param_scheduler[0].T_max == 600
    # Gkioxari & Malik: the flow network starts from the RGB weights
    (hook, ) = _hooks(flow)
    assert (hook['prefix'], hook['target']) == ('backbone.', 'backbone.')
    assert '/rgb_source/single/' in hook['checkpoint']
    _, transfer = runs['transfer', None]
    assert transfer.model.type == 'SupervisionTransferDistiller'
    assert '/rgb_source/single/' in transfer.model.teacher.checkpoint
    assert transfer.model.teacher.prefix == 'backbone.'
    # unlabelled pairs of the source world's videos, never the target's
    dataset = transfer.train_dataloader.dataset
    assert dataset.type == 'VideoFramePairsDataset'
    assert dataset.data_root == SOURCE
    assert dataset.frames_per_video == 5
    for cfg in (rgb, flow, transfer):
        assert cfg.train_dataloader.dataset.pipeline[0] == dict(
            type='Det2DResize', short_side=160)


def test_the_validation_pipeline_chooses_the_lr_on_split1_clips(
        tmp_path, monkeypatch):
    """st_jhmdb_synth_table3_val.py: each row's learning rate grid runs on
    split 1 and is validated on source videos held out of that split's
    training clips; splits 2 and 3 wait for the choice; the source stages
    are Table 3's runs (equal signatures: taken over)."""
    from fsat.datasets.subsets import check_disjoint_subsets
    monkeypatch.chdir(repo_path())
    val = load_pipeline('configs/pipelines/st_jhmdb_synth_table3_val.py',
                        str(tmp_path / 'val'))
    table3 = load_pipeline(PIPELINE, str(tmp_path / 't3'))
    assert val.select_on == {'split': [1]} and val.select_seeds is None
    assert 'work_dirs/st_jhmdb_synth_table3' in val.reuse_from
    runs = val.plan()
    theirs = {(r.stage.name, r.values.get('split')): r
              for r in table3.plan()}
    for name in ('rgb_source', 'flow_source', 'transfer'):
        (run, ) = [r for r in runs if r.stage.name == name]
        assert run.signature == theirs[name, None].signature
    for name in ('noinit', 'flow_transfer', 'flow_supervised'):
        mine = [r for r in runs if r.stage.name == name]
        grid = [r for r in mine if r.grid]
        assert [r.values['split'] for r in grid] == [1, 1, 1]
        later = [r for r in mine if not r.grid]
        assert [r.values['split'] for r in later] == [2, 3]
        assert all(r.deferred for r in later)
        cfgs = [val.resolve(r, dry=True) for r in grid]
        assert [c.optim_wrapper.optimizer.lr for c in cfgs] == [
            3e-4, 1e-3, 3e-3]
        cfg = cfgs[1]
        train, valid = (cfg.train_dataloader.dataset,
                        cfg.val_dataloader.dataset)
        assert (train.subset, train.holdout, train.get('use_holdout')) == (
            'train', 0.3, None)
        assert (valid.subset, valid.holdout, valid.use_holdout) == (
            'train', 0.3, True)
        assert train.split == valid.split == cfg.test_dataloader.dataset.split
        assert valid.modality == 'flow' and valid.frame_interval == 8
        assert cfg.val_evaluator.type == 'VOCBoxMAP'
        check_disjoint_subsets(cfg, 'flow_det_val.py')
        # Table 3's detector but for the holdout, validation and the lr
        table3_cfg = table3.resolve(theirs[name, 1], dry=True)
        ours = _bare(cfg)
        for key in ('val_dataloader', 'val_cfg', 'val_evaluator',
                    'holdout'):
            ours.pop(key)
        assert all(table3_cfg.get(key) is None for key in (
            'val_dataloader', 'val_cfg', 'val_evaluator'))
        ours['train_dataloader']['dataset'].pop('holdout')
        ours['train_dataloader']['dataset'].pop('holdout_seed')
        ours['optim_wrapper']['optimizer']['lr'] = 1e-3
        theirs_cfg = _bare(table3_cfg)
        for key in ('val_dataloader', 'val_cfg', 'val_evaluator'):
            theirs_cfg.pop(key)
        assert ours == theirs_cfg


SHORT = short_run_options(loaders=('train', ))
SHORT_TEST = loader_options('test')


@pytest.mark.slow
def test_tiny_worlds_run_the_whole_stage_graph(tmp_path):
    """The stages, two iterations each, on tiny target and source worlds
    made (with their flow) by the prepare steps, through
    tools/run_pipeline.py: every split's rows are tested, the flow
    detectors start from the handed trunks and the table averages the
    splits."""
    from mmengine.config import Config
    cfg = Config.fromfile(repo_path(PIPELINE))
    roots = {TARGET: str(tmp_path / 'target'),
             SOURCE: str(tmp_path / 'source')}
    for step in cfg.prepare:
        step['out'] = roots[step['out']]
        step['preset'] = 'jhmdb_unit'
    for stage in cfg.stages:
        # a plain dict: the dotted keys stay keys
        options = dict(stage.get('cfg_options') or {})
        root = options.get('data_root', TARGET)
        options.update(SHORT, data_root=roots[root])
        if stage['name'] != 'transfer':
            options.update(SHORT_TEST)
        stage['cfg_options'] = options
    records = run_pipeline_config(cfg, str(tmp_path))
    assert {r['stage'] for r in records} == {s['name'] for s in cfg.stages}
    for record in records:
        if record['stage'] != 'transfer':
            assert 'voc/mAP@0.5' in record['test'], record['stage']
        if record['stage'] in ('flow_source', 'flow_transfer',
                               'flow_supervised'):
            assert 'PretrainedWeightsHook: ' in run_logs(record), (
                record['stage'])
    splits = sorted(r['values']['split'] for r in records
                    if r['stage'] == 'noinit')
    assert splits == [1, 2, 3]
    with open(osp.join(tmp_path, 'work', 'results.md')) as f:
        table = f.read()
    assert 'mean ± std over 3 split(s).' in table
    assert '| flow, supervision transfer |' in table
