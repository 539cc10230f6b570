# Copyright (c) fsat contributors. All rights reserved.
"""Gupta et al.'s Table 1 twin (configs/pipelines/st_nyud2_synth_table1*.py,
configs/supervision_transfer/table1_synth/): the runs the two pipelines
plan, what each row hands the HHA detector, and the whole stage graph
run through the tools on tiny worlds."""
import glob
import os.path as osp

import pytest

from fsat.apis.pipeline import load_pipeline
from fsat.testing import (
    repo_path,
    run_logs,
    run_pipeline_config,
    short_run_options,
)

PIPELINES = 'configs/pipelines/'
PART1 = PIPELINES + 'st_nyud2_synth_table1.py'
PART2 = PIPELINES + 'st_nyud2_synth_table1_adapted.py'


@pytest.fixture(scope='module')
def resolved(tmp_path_factory):
    """Each part's pipeline and its runs' resolved configs by (stage,
    seed), resolved once for the module's tests."""
    out = {}
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(repo_path())
        for path in (PART1, PART2):
            pipeline = load_pipeline(
                path, str(tmp_path_factory.mktemp('work')))
            out[path] = pipeline, {
                (r.stage.name, r.values.get('seed')):
                (r, pipeline.resolve(r, dry=True))
                for r in pipeline.plan()}
    return out


def _hooks(cfg):
    return [h for h in cfg.get('custom_hooks') or []
            if h['type'] == 'PretrainedWeightsHook']


def test_part1_rows_differ_only_in_the_initialisation(resolved):
    pipeline, runs = resolved[PART1]
    assert len(runs) == 1 + 4 * 3
    assert pipeline.report_metric == 'voc/mAP@0.5'
    assert pipeline.reference_method == 'HHA, no init'
    run, source = runs['rgb_source', None]
    assert run.stage.method is None  # upstream, not a table row
    assert source.data_root == 'data/synthetic_nyud2_source'
    assert source.train_dataloader.dataset.data_root == source.data_root
    assert source.train_dataloader.dataset.modalities == ('rgb', )
    assert source.train_cfg.max_iters == 800
    assert source.param_scheduler[0].T_max == 800
    for seed in (0, 1, 2):
        noinit = runs['noinit', seed][1]
        copy = runs['copy', seed][1]
        transferred = runs['hha_transfer', seed][1]
        transfer = runs['transfer', seed][1]
        for cfg in (noinit, copy, transferred, transfer):
            assert cfg.randomness.seed == seed
            assert cfg.train_dataloader.dataset.data_root == (
                'data/synthetic_nyud2')
        # "no init" and "copy RGB" are one detector config, another
        # initialisation: equal but for the hook
        assert not _hooks(noinit)
        (hook, ) = _hooks(copy)
        assert hook['prefix'] == hook['target'] == 'backbone.'
        assert '/rgb_source/single/' in hook['checkpoint']
        bare = copy.to_dict()
        bare['custom_hooks'] = [h for h in bare['custom_hooks']
                                if h['type'] != 'PretrainedWeightsHook']
        plain = noinit.to_dict()
        plain.setdefault('custom_hooks', [])
        bare.pop('work_dir'), plain.pop('work_dir')
        assert bare == plain
        (hook, ) = _hooks(transferred)
        assert (hook['prefix'], hook['target']) == ('student.', 'backbone.')
        assert f'/transfer/seed{seed}/' in hook['checkpoint']
        # the ImageNet stand-in teaches every seed's transfer
        assert '/rgb_source/single/' in transfer.model.teacher.checkpoint
        assert transfer.model.teacher.prefix == 'backbone.'
        for cfg in (transfer, noinit):
            assert cfg.train_dataloader.dataset.pipeline[0].short_side == 160


def test_part2_adapted_teacher_and_fusion(resolved):
    pipeline, runs = resolved[PART2]
    assert len(runs) == 1 + 5 * 3
    assert pipeline.reuse_from == ['work_dirs/st_nyud2_synth_table1']
    for seed in (0, 1, 2):
        rgb = runs['rgb', seed][1]
        (hook, ) = _hooks(rgb)
        assert '/rgb_source/single/' in hook['checkpoint']
        assert rgb.train_dataloader.dataset.modalities == ('rgb', )
        teacher = runs['transfer_adapted', seed][1].model.teacher
        assert f'/rgb/seed{seed}/' in teacher.checkpoint
        (hook, ) = _hooks(runs['hha_adapted', seed][1])
        assert f'/transfer_adapted/seed{seed}/' in hook['checkpoint']
        run, fusion = runs['fusion', seed]
        assert run.stage.test_only
        assert fusion.model.type == 'LateFusionDetector2D'
        # the HHA member first: its RPN makes the shared proposals
        assert list(fusion.model.detectors) == ['hha', 'rgb']
        assert f'/hha_adapted/seed{seed}/' in fusion.model.checkpoints.hha
        assert f'/rgb/seed{seed}/' in fusion.model.checkpoints.rgb
    # the same source network and no-init rows as part 1 (so part 2 takes
    # them over from it): equal resolved configs
    _, first = resolved[PART1]
    for key in [('rgb_source', None)] + [('noinit', s) for s in (0, 1, 2)]:
        mine, theirs = runs[key][1].to_dict(), first[key][1].to_dict()
        mine.pop('work_dir'), theirs.pop('work_dir')
        assert mine == theirs


SHORT = short_run_options()


@pytest.mark.slow
@pytest.mark.parametrize('part', [PART1, PART2])
def test_tiny_worlds_run_the_whole_stage_graph(part, tmp_path):
    """Each part's stages, two iterations each, on tiny target and source
    worlds made by its prepare steps, through tools/run_pipeline.py: the
    source world trains the RGB network, the transfers save their best
    checkpoint by the held-out transfer error, the HHA detectors start
    from the handed trunks, and every row is tested."""
    from mmengine.config import Config
    cfg = Config.fromfile(repo_path(part))
    target, source = str(tmp_path / 'target'), str(tmp_path / 'source')
    roots = {'data/synthetic_nyud2': target,
             'data/synthetic_nyud2_source': source}
    for step in cfg.prepare:
        step['out'] = roots[step['out']]
        step['preset'] = 'nyud2_tiny'
    for stage in cfg.stages:
        # a plain dict: the dotted keys stay keys
        options = dict(stage.get('cfg_options') or {})
        root = options.get('data_root', 'data/synthetic_nyud2')
        options.update(SHORT, data_root=roots[root])
        stage['cfg_options'] = options
    cfg.reuse_from = []
    records = run_pipeline_config(cfg, str(tmp_path))
    stages = {r['stage'] for r in records}
    assert stages == {s['name'] for s in cfg.stages}
    by_stage = {}
    for record in records:
        by_stage.setdefault(record['stage'], []).append(record)
        if record['stage'].startswith('transfer'):
            assert 'transfer/rel_l2' in record['test']
            run_dir = osp.dirname(record['checkpoint'])
            assert glob.glob(osp.join(run_dir, 'best_transfer_rel_l2*.pth'))
        else:
            assert 'voc/mAP@0.5' in record['test'], record['stage']
    # every initialised row ran its weights hook
    for name in ('copy', 'hha_transfer', 'rgb', 'hha_adapted'):
        for record in by_stage.get(name, []):
            assert 'PretrainedWeightsHook: ' in run_logs(record), name


def test_every_validated_transfer_config_names_its_best_rule():
    """MMEngine's CheckpointHook cannot infer whether transfer/* metrics
    are better high or low (save_best='auto' stops the run at its first
    validation): every transfer config that validates names the rule."""
    from fsat.apis import load_config
    found = 0
    for path in sorted(glob.glob(repo_path('configs', 'supervision_transfer',
                                           '**', '*.py'), recursive=True)):
        if '_base_' in path:
            continue
        cfg = load_config(path)
        if (cfg.get('val_evaluator') or {}).get('type') != (
                'TransferL2Metric'):
            continue
        found += 1
        checkpoint = cfg.default_hooks.checkpoint
        assert checkpoint.save_best == 'transfer/rel_l2', path
        assert checkpoint.rule == 'less', path
    assert found >= 3
