# Copyright (c) fsat contributors. All rights reserved.
"""Gupta et al.'s Table 1 twin (configs/pipelines/st_nyud2_synth_table1*.py,
configs/supervision_transfer/table1_synth/): the runs the five parts
plan, what each row hands the HHA detector, that a frozen trunk stays
frozen, and the whole stage graph run through the tools on tiny
worlds."""
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
SEMANTIC = PIPELINES + 'st_nyud2_synth_table1_semantic.py'
TEACHER = PIPELINES + 'st_nyud2_synth_table1_teacher.py'
LAYERS = PIPELINES + 'st_nyud2_synth_table1_layers.py'
PARTS = (PART1, PART2, SEMANTIC, TEACHER, LAYERS)


@pytest.fixture(scope='module')
def resolved(tmp_path_factory):
    """Each part's pipeline and its runs' resolved configs by (stage,
    seed), resolved once for the module's tests."""
    out = {}
    # one work root: a run's upstream checkpoints resolve to one path
    work = str(tmp_path_factory.mktemp('work'))
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(repo_path())
        for path in PARTS:
            pipeline = load_pipeline(path, work)
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


def _plain(cfg):
    out = cfg.to_dict()
    out.pop('work_dir')
    return out


def test_later_parts_share_the_earlier_parts_runs(resolved):
    """A row the parts share resolves to one config (so a later part takes
    the earlier part's run over instead of training it again)."""
    shared = {}
    for path in PARTS:
        for key, (_, cfg) in resolved[path][1].items():
            shared.setdefault(key, []).append((path, _plain(cfg)))
    for key, found in shared.items():
        for path, cfg in found[1:]:
            assert cfg == found[0][1], (key, path)
    assert len(shared['transfer', 0]) == 4  # parts 1, 3, 4, 5
    assert len(shared['hha_transfer_fc', 0]) == 2  # parts 3, 4
    assert resolved[SEMANTIC][0].reuse_from == [
        'work_dirs/st_nyud2_synth_table1',
        'work_dirs/st_nyud2_synth_table1_adapted']


def test_semantic_rows_freeze_the_trunk_they_were_given(resolved):
    pipeline, runs = resolved[SEMANTIC]
    assert len(runs) == 1 + 7 * 3 + 4 * 3
    upstream = dict(noinit_fc=None, copy_fc='/rgb_source/single/',
                    hha_transfer_fc='/transfer/seed{}/',
                    hha_adapted_fc='/transfer_adapted/seed{}/')
    full = dict(noinit_fc='noinit', copy_fc='copy',
                hha_transfer_fc='hha_transfer', hha_adapted_fc='hha_adapted')
    for seed in (0, 1, 2):
        for name, source in upstream.items():
            run, cfg = runs[name, seed]
            assert 'ft head only' in run.stage.method
            assert cfg.model.backbone.frozen_stages == 2
            # the fine-tuned row's config but for the frozen trunk
            twin = _plain(runs[full[name], seed][1])
            mine = _plain(cfg)
            mine['model']['backbone'].pop('frozen_stages')
            assert mine == twin, name
            hooks = _hooks(cfg)
            if source is None:
                assert not hooks
                continue
            (hook, ) = hooks
            assert source.format(seed) in hook['checkpoint'], name


def test_teacher_rows_differ_only_in_the_deeper_teacher(resolved):
    pipeline, runs = resolved[TEACHER]
    assert pipeline.reference_method == 'HHA, supervision transfer'
    _, r18 = runs['rgb_source', None]
    _, r34 = runs['rgb_source_r34', None]
    assert (r18.model.backbone.depth, r34.model.backbone.depth) == (18, 34)
    mine, theirs = _plain(r34), _plain(r18)
    mine['model']['backbone']['depth'] = 18
    assert mine == theirs
    for seed in (0, 1, 2):
        deep = runs['transfer_r34', seed][1]
        plain = runs['transfer', seed][1]
        assert '/rgb_source_r34/single/' in deep.model.teacher.checkpoint
        assert deep.model.teacher.model.depth == 34
        assert deep.model.student == plain.model.student
        assert deep.model.student.depth == 18
        for name in ('hha_transfer_r34', 'hha_transfer_r34_fc'):
            (hook, ) = _hooks(runs[name, seed][1])
            assert f'/transfer_r34/seed{seed}/' in hook['checkpoint']
        assert runs['hha_transfer_r34_fc', seed][1].model.backbone \
            .frozen_stages == 2


def test_layer_rows_tap_layer1_of_both_networks(resolved):
    pipeline, runs = resolved[LAYERS]
    for seed in (0, 1, 2):
        low = runs['transfer_layer1', seed][1].model
        assert low.student_layer == low.teacher_layer == dict(
            path='layer1', dim=64)
        assert runs['transfer', seed][1].model.student_layer == dict(
            path='layer2', dim=128)
        assert '/rgb_source/single/' in low.teacher.checkpoint
        (hook, ) = _hooks(runs['hha_transfer_layer1', seed][1])
        assert f'/transfer_layer1/seed{seed}/' in hook['checkpoint']


def test_validation_part_chooses_the_learning_rate_on_held_out_rooms(
        tmp_path, monkeypatch):
    """st_nyud2_synth_table1_val.py: part 1's rows,
    the learning rate chosen on a fifth of the training rooms held out of
    training (seed 0 runs the grid, seeds 1 and 2 the choice); the test
    views stay the test split."""
    from fsat.datasets.subsets import check_disjoint_subsets
    monkeypatch.chdir(repo_path())
    pipeline = load_pipeline(PIPELINES + 'st_nyud2_synth_table1_val.py',
                             str(tmp_path))
    part1 = load_pipeline(PART1, str(tmp_path))
    part1_runs = {(r.stage.name, r.values.get('seed')): r
                  for r in part1.plan()}
    plain = {key: part1.resolve(r, True) for key, r in part1_runs.items()}
    runs = pipeline.plan()
    assert pipeline.reuse_from == ['work_dirs/st_nyud2_synth_table1']
    assert pipeline.select_metric == pipeline.report_metric == 'voc/mAP@0.5'
    grid = {}
    for run in runs:
        name, seed = run.stage.name, run.values.get('seed')
        if name in ('rgb_source', 'transfer'):
            # part 1's runs as they are
            assert not run.stage.select_recipe
            assert _plain(pipeline.resolve(run, True)) == _plain(
                plain[name, seed])
            # so a run of part 1 is taken over (reuse_from)
            assert run.signature == part1_runs[name, seed].signature
            continue
        assert name in ('noinit', 'hha_transfer', 'copy')
        assert run.stage.method
        if run.deferred:  # seeds 1 and 2: the chosen learning rate
            assert seed in (1, 2)
            continue
        assert seed == 0
        cfg = pipeline.resolve(run, True)
        check_disjoint_subsets(cfg, 'val.py')
        train = cfg.train_dataloader.dataset
        val = cfg.val_dataloader.dataset
        assert (train.split, train.holdout, train.get('use_holdout')) == (
            'train', 0.2, None)
        assert (val.split, val.holdout, val.use_holdout) == (
            'train', 0.2, True)
        assert cfg.test_dataloader.dataset.split == 'test'
        grid.setdefault(name, []).append(cfg.optim_wrapper.optimizer.lr)
        # otherwise part 1's row: the same detector and initialisation
        mine, theirs = _plain(cfg), _plain(plain[name, 0])
        del mine['train_dataloader']['dataset']['holdout']
        assert mine['train_dataloader'] == theirs['train_dataloader']
        for key in ('val_dataloader', 'optim_wrapper'):
            mine.pop(key), theirs.pop(key)
        for hook in (mine.get('custom_hooks', [])
                     + theirs.get('custom_hooks', [])):
            if 'checkpoint' in hook:  # another pipeline's work dir
                hook['checkpoint'] = osp.relpath(
                    hook['checkpoint'], str(tmp_path)).split('/', 1)[1]
        assert mine == theirs
    assert grid == {'noinit': [3e-4, 1e-3, 3e-3],
                    'hha_transfer': [3e-4, 1e-3, 3e-3],
                    'copy': [3e-4, 1e-3, 3e-3]}
    assert sum(r.deferred for r in runs) == 6


def test_frozen_trunk_detector_learns_only_its_heads():
    """hha_det_frozen.py: training steps leave every trunk tensor (weights
    and batch-norm statistics) as it was and move the RPN and box head."""
    import torch
    from mmengine.registry import DefaultScope
    from mmengine.structures import BaseDataElement, InstanceData

    from fsat.apis import load_config
    from fsat.registry import MODELS
    torch.manual_seed(0)
    cfg = load_config(repo_path('configs', 'supervision_transfer',
                                'table1_synth', 'hha_det_frozen.py'))
    with DefaultScope.overwrite_default_scope('fsat'):
        model = MODELS.build(cfg.model)
    model.init_weights()
    model.train()
    trunk = {k: v.clone() for k, v in model.backbone.state_dict().items()}
    head = model.roi_head.fc_cls.weight.detach().clone()
    rpn = {k: v.clone() for k, v in model.rpn_head.state_dict().items()}
    optim = torch.optim.AdamW(
        [p for p in model.parameters() if p.requires_grad], lr=1e-2)
    for _ in range(2):
        sample = BaseDataElement(metainfo=dict(
            img_id='0', img_shape=(96, 128), ori_shape=(96, 128),
            scale_factor=(1.0, 1.0)))
        sample.gt_instances = InstanceData(
            bboxes=torch.tensor([[20., 16., 80., 70.]]),
            labels=torch.tensor([2]), difficult=torch.zeros(1, dtype=bool))
        image = torch.randint(0, 256, (3, 96, 128), dtype=torch.uint8)
        data = model.data_preprocessor(
            dict(inputs=[image], data_samples=[sample]), True)
        losses = model(**data, mode='loss')
        loss = sum(v for k, v in losses.items() if 'loss' in k)
        optim.zero_grad()
        loss.backward()
        optim.step()
    assert not any(p.requires_grad for p in model.backbone.parameters())
    for key, value in model.backbone.state_dict().items():
        assert torch.equal(value, trunk[key]), key
    assert not torch.equal(model.roi_head.fc_cls.weight, head)
    assert any(not torch.equal(v, rpn[k])
               for k, v in model.rpn_head.state_dict().items())


SHORT = short_run_options()


@pytest.mark.slow
@pytest.mark.parametrize('part', PARTS)
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
    # part 3 plans 34 tiny runs: more than the default 600 s loaded
    records = run_pipeline_config(cfg, str(tmp_path), timeout=1800)
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
    for name in ('copy', 'hha_transfer', 'rgb', 'hha_adapted', 'copy_fc',
                 'hha_transfer_fc', 'hha_adapted_fc', 'hha_transfer_r34',
                 'hha_transfer_r34_fc', 'hha_transfer_layer1'):
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
