# Copyright (c) fsat contributors. All rights reserved.
"""Fair recipe selection in pipelines: grids with several axes, the
training length chosen on validation (the best checkpoint is the one
tested), edges flagged and extended, and the report of both."""
import dataclasses
import json
import logging
import os.path as osp

import pytest
from mmengine.logging import MMLogger
from mmengine.runner import Runner

from fsat.apis.pipeline import execution, load_pipeline, run_pipeline
from fsat.apis.pipeline.recipes import (
    edge_notes,
    expand,
    extension,
    parse_axes,
)
from fsat.apis.summary import render_markdown, select_recipes
from fsat.engine.selection import best_point, read_curve
from fsat.testing import toy_stage_config
from fsat.utils.cli import FsatUserError

_stage_config = toy_stage_config


PIPELINE = '''
sweeps = dict(budget=[8], seed=[0, 1])
select_seeds = [0]
recipe_axes = dict(
    lr=dict(key='optim_wrapper.optimizer.lr', values=[0.05, 0.5]),
    momentum=dict(key='optim_wrapper.optimizer.momentum', values=[0.9, 0.0],
                  scale='choice'))
length_selection = dict(max_iters=8, val_interval=2)
stages = [
    dict(name='finetune', config='{finetune}', method='tuned',
         sweep=['budget', 'seed'], select_recipe=True,
         cfg_options={{
             'train_dataloader.dataset.num_samples': '{{budget}}',
             'randomness.seed': '{{seed}}'}}),
    dict(name='plain', config='{finetune}', method='lr only',
         sweep=['budget', 'seed'], select_recipe=True, recipe_axes=['lr'],
         cfg_options={{'randomness.seed': '{{seed}}'}}),
]
'''


@pytest.fixture(scope='module')
def selected_run(tmp_path_factory):
    root = tmp_path_factory.mktemp('selection')
    path = root / 'pipe.py'
    path.write_text(PIPELINE.format(finetune=_stage_config(root / 'f.py')))
    pipeline = load_pipeline(str(path), str(root / 'work'))
    records = run_pipeline(pipeline)
    with open(osp.join(pipeline.work_dir, 'results.json')) as f:
        results = json.load(f)
    return pipeline, records, results


def test_the_grid_is_the_product_of_the_axes_a_stage_searches(selected_run):
    pipeline, records, _ = selected_run
    tuned = [r for r in records if r['stage'] == 'finetune' and r['grid']]
    assert [r['recipe'] for r in tuned] == [
        'lr0.05_momentum0.9', 'lr0.05_momentum0', 'lr0.5_momentum0.9',
        'lr0.5_momentum0']
    assert tuned[1]['recipe_values'] == dict(lr=0.05, momentum=0.0)
    plain = [r for r in records if r['stage'] == 'plain' and r['grid']]
    assert [r['recipe'] for r in plain] == ['lr0.05', 'lr0.5']
    # seed 1 runs the recipe seed 0's validation chose
    for stage in ('finetune', 'plain'):
        grid = {r['recipe']: r['val']['acc/top1'] for r in records
                if r['stage'] == stage and r['grid']}
        order = list(grid)
        chosen = max(grid, key=lambda k: (grid[k], -order.index(k)))
        deferred = [r for r in records
                    if r['stage'] == stage and not r['grid']]
        assert [(r['values']['seed'], r['recipe']) for r in deferred] == [
            (1, chosen)]


def test_each_run_tests_its_best_validation_checkpoint(selected_run):
    pipeline, records, results = selected_run
    for record in records:
        length = record['length']
        work_dir = osp.dirname(record['checkpoint'])
        curve = read_curve(work_dir)
        assert [p['iter'] for p in curve] == [2, 4, 6, 8]
        best = best_point(curve, 'acc/top1')
        assert length['best_iter'] == best['iter']
        assert length['max_iters'] == 8 and length['val_interval'] == 2
        assert length['val_size'] == 16  # the toy validation set
        assert length['curve'] == [[p['iter'], p['metrics']['acc/top1']]
                                   for p in curve]
        assert record['val'] == best['metrics']
        assert osp.basename(record['checkpoint']) == (
            f"best_iter_{best['iter']}.pth")
    # the test metrics are those of that checkpoint: test it anew
    # (one that stopped early, when there is one); only the selected
    # recipe's grid runs were tested
    tested = [r for r in records if r['tested']]
    assert all(r['test'] == {} for r in records if not r['tested'])
    selection = select_recipes(results)
    assert {(r['method'], r['recipe']) for r in tested if r['grid']} == {
        (m, info['8']['selected']) for m, info in selection.items()}
    record = min(tested, key=lambda r: r['length']['best_iter'])
    planned = next(r for r in pipeline.plan()
                   if r.stage.name == record['stage']
                   and r.values == record['values'])
    recipe = next(x for x in pipeline.recipes_for(planned.stage)
                  if x['name'] == record['recipe'])
    run = dataclasses.replace(planned, recipe=recipe, deferred=False)
    cfg = pipeline.resolve(run)
    cfg.work_dir = osp.join(osp.dirname(record['checkpoint']), 'retest')
    cfg.load_from = record['checkpoint']
    cfg.custom_hooks = []
    cfg.experiment_name = 'retest'
    metrics = Runner.from_cfg(cfg).test()
    assert metrics == pytest.approx(record['test'])


def test_the_schedule_is_constant_and_the_length_is_reported(selected_run):
    pipeline, records, results = selected_run
    run = pipeline.plan()[0]
    cfg = pipeline.resolve(run)
    assert cfg.param_scheduler == []
    assert cfg.train_cfg.max_iters == 8 and cfg.train_cfg.val_interval == 2
    assert cfg.default_hooks.checkpoint.interval == 2
    md = render_markdown(results)
    assert ('Training lengths chosen on validation (each run validates '
            'every 2 iterations on 16 validation samples') in md
    chosen = [r['length']['best_iter'] for r in records
              if r['stage'] == 'plain'
              and r['recipe'] == select_recipes(results)['lr only']['8'][
                  'selected']]
    assert f"| lr only | 8 | {', '.join(map(str, chosen))}" in md
    assert results['environment']['torch']
    assert 'Environment of the runs' in md


def test_axes_expand_flag_edges_and_extend():
    axes = parse_axes(
        dict(lr=dict(key='o.lr', values=[0.01, 0.03, 0.1]),
             wd=dict(key='o.wd', values=[1e-4, 1e-3]),
             frozen=dict(key='m.f', values=[3, -1], scale='choice'),
             steps=dict(key='s', values=[2, 4, 6], min=1,
                        scale='linear')), 'p.py')
    assert axes['lr']['scale'] == 'log' and axes['frozen']['scale'] == 'choice'
    grid = expand(axes, ['lr', 'frozen'])
    assert [r['name'] for r in grid] == [
        'lr0.01_frozen3', 'lr0.01_frozen-1', 'lr0.03_frozen3',
        'lr0.03_frozen-1', 'lr0.1_frozen3', 'lr0.1_frozen-1']
    assert grid[1]['cfg_options'] == {'o.lr': 0.01, 'm.f': -1}
    # the choice axis is never an edge; lr at its smallest is
    assert edge_notes(axes, grid, grid[1]) == [
        'lr 0.01 is the smallest value tried']
    assert edge_notes(axes, grid, grid[3]) == []
    assert edge_notes(axes, grid, grid[5]) == [
        'lr 0.1 is the largest value tried']
    # one step of the axis's own spacing, the other axes held
    new = extension(axes, grid, grid[1], limit=2)
    assert new['values'] == dict(lr=0.00333333, frozen=-1)
    tried = grid + [new]
    newer = extension(axes, tried, new, limit=2)
    assert newer['values']['lr'] == pytest.approx(0.00111111)
    assert extension(axes, tried + [newer], newer, limit=2) is None
    assert extension(axes, grid, grid[1], limit=0) is None
    # linear integer axis, bounded by min
    steps = expand(axes, ['steps'])
    assert extension(axes, steps, steps[0], limit=5) is None  # 0 < min 1
    assert extension(axes, steps, steps[2], limit=5)['values'] == dict(
        steps=8)


@pytest.mark.parametrize('axes, message', [
    ("dict(lr=dict(values=[1]))", r"must be dict\(key="),
    ("dict(lr=dict(key='a', values=[1, 1]))", 'lists a value twice'),
    ("dict(lr=dict(key='a', values=[0.1, -1], scale='log'))",
     'positive values'),
    ("dict(lr=dict(key='a', values=['x', 'y'], scale='linear'))",
     'needs numbers'),
    ("dict(lr=dict(key='a', values=[1], step=2))", 'unknown fields'),
])
def test_bad_axes_are_one_line(tmp_path, axes, message):
    stage = _stage_config(tmp_path / 'f.py')
    path = tmp_path / 'pipe.py'
    path.write_text(f'recipe_axes = {axes}\n'
                    f"stages = [dict(name='a', config='{stage}', "
                    "select_recipe=True)]\n")
    with pytest.raises(FsatUserError, match=message):
        load_pipeline(str(path))


@pytest.mark.parametrize('fields, stage, message', [
    ("recipe_grid = [dict(name='a', cfg_options={})]\n"
     "recipe_axes = dict(lr=dict(key='a', values=[1, 2]))\n", '',
     'not both'),
    ("recipe_axes = dict(lr=dict(key='a', values=[1, 2]))\n",
     ", recipe_axes=['wd']", "must name axes of the pipeline"),
    ("recipe_axes = dict(lr=dict(key='a', values=[1, 2]))\n"
     "length_selection = dict(max_iters=10, val_interval=3)\n", '',
     'does not divide'),
    ("recipe_axes = dict(lr=dict(key='a', values=[1, 2]))\n"
     "length_selection = dict(max_iters=10)\n", '',
     'val_interval must be a positive int'),
    ("recipe_axes = dict(lr=dict(key='a', values=[1, 2]))\n"
     "extend_edges = -1\n", '', 'extend_edges must be'),
    ("recipe_axes = dict(lr=dict(key='a', values=[1, 2]))\n",
     ', select_length=True', 'has no length_selection'),
    ("recipe_axes = dict(lr=dict(key='a', values=[1, 2]))\n"
     "sweeps = dict(seed=[0, 1])\nselect_seeds = [0]\n"
     "select_on = dict(seed=[0])\n", '', 'select_seeds .* or select_on'),
    ("recipe_axes = dict(lr=dict(key='a', values=[1, 2]))\n"
     "sweeps = dict(budget=[1, 2])\nselect_on = dict(budget=[1])\n", '',
     "select_on names 'budget', which is not a replicate sweep axis"),
    ("recipe_axes = dict(lr=dict(key='a', values=[1, 2]))\n"
     "sweeps = dict(split=[1, 2])\nselect_on = dict(split=[3])\n", '',
     r'select_on.split \[3\] must be a non-empty subset of sweeps.split'),
    ("recipe_axes = dict(lr=dict(key='a', values=[1, 2]))\n"
     "select_on = [1]\n", '', 'select_on must be a dict'),
    ("recipe_axes = dict(lr=dict(key='a', values=[1, 2]))\n"
     "sweeps = dict(split=[1, 2])\nselect_on = dict(split=1)\n", '',
     r'select_on.split 1 must be a non-empty subset of sweeps.split'),
])
def test_bad_selection_fields_are_one_line(tmp_path, fields, stage,
                                           message):
    config = _stage_config(tmp_path / 'f.py')
    path = tmp_path / 'pipe.py'
    path.write_text(fields + f"stages = [dict(name='a', config='{config}', "
                    f'select_recipe=True{stage})]\n')
    with pytest.raises(FsatUserError, match=message):
        load_pipeline(str(path))


def _budget_pipeline(tmp_path, length, sweep):
    """A one-stage pipeline over budgets 8 and 16 with ``length_selection
    = dict(<length>)`` and the stage's ``sweep``."""
    config = _stage_config(tmp_path / 'f.py')
    path = tmp_path / 'pipe.py'
    path.write_text(
        'sweeps = dict(budget=[8, 16], seed=[0])\n'
        "recipe_axes = dict(lr=dict(key='optim_wrapper.optimizer.lr', "
        'values=[0.1]))\n'
        f'length_selection = dict({length})\n'
        f"stages = [dict(name='a', config='{config}', method='m', "
        f'select_recipe=True, sweep={sweep})]\n')
    return str(path)


def test_a_length_cap_per_budget(tmp_path):
    """``max_iters`` / ``val_interval`` keyed by budget: each run gets its
    budget's (e.g. the same passes over a larger labeled set)."""
    pipeline = load_pipeline(_budget_pipeline(
        tmp_path, 'max_iters={8: 4, 16: 8}, val_interval={8: 2, 16: 4}',
        "['budget', 'seed']"))
    got = {}
    for run in pipeline.plan():
        cfg = pipeline.resolve(run)
        got[run.values['budget']] = (cfg.train_cfg.max_iters,
                                     cfg.train_cfg.val_interval,
                                     cfg.default_hooks.checkpoint.interval)
    assert got == {8: (4, 2, 2), 16: (8, 4, 4)}


@pytest.mark.parametrize('length, sweep, message', [
    ('max_iters={8: 4}, val_interval=2', "['budget', 'seed']",
     r'lacks the budget\(s\) \[16\]'),
    ('max_iters={8: 4, 16: 6}, val_interval=4', "['budget', 'seed']",
     r'does not divide max_iters 6 \(budget 16\)'),
    ('max_iters={8: 4, 16: 8}, val_interval=2', "['seed']",
     'does not sweep the budget'),
    ("max_iters={8: 'x', 16: 8}, val_interval=2", "['budget', 'seed']",
     'must be a positive int'),
])
def test_bad_length_per_budget(tmp_path, length, sweep, message):
    with pytest.raises(FsatUserError, match=message):
        load_pipeline(_budget_pipeline(tmp_path, length, sweep))


# ----------------------------------------------------------------------
# extension beyond an edge, with runs replaced by a known validation score
# ----------------------------------------------------------------------
EXTEND = '''
sweeps = dict(seed=[0, 1])
select_seeds = [0]
recipe_axes = dict(
    lr=dict(key='optim_wrapper.optimizer.lr', values=[0.1, 0.2, 0.4]),
    momentum=dict(key='optim_wrapper.optimizer.momentum', values=[0.0, 0.9],
                  scale='choice'))
extend_edges = {extend}
stages = [dict(name='tune', config='{config}', method='m', sweep=['seed'],
               select_recipe=True,
               cfg_options={{'randomness.seed': '{{seed}}'}})]
'''


def _fake_execute(best_lr):
    """Records whose validation score peaks at ``best_lr`` (and prefers
    momentum 0.9), with no training."""
    def execute(pipeline, run, launcher='none'):
        values = run.recipe['values']
        score = 0.9 - abs(values['lr'] - best_lr) - (
            0.0 if values['momentum'] == 0.9 else 0.05)
        return dict(stage=run.stage.name, method=run.stage.method,
                    values=run.values, recipe=run.recipe['name'],
                    recipe_values=values, grid=run.grid,
                    val={'acc/top1': score}, test={'acc/top1': score},
                    checkpoint=None, signature=run.signature, length=None)
    return execute


def _extend(tmp_path, monkeypatch, best_lr, extend):
    config = _stage_config(tmp_path / 'f.py')
    path = tmp_path / 'pipe.py'
    path.write_text(EXTEND.format(config=config, extend=extend))
    monkeypatch.setattr(execution, 'execute_run', _fake_execute(best_lr))
    monkeypatch.setattr(execution, 'preflight', lambda *a, **k: None)
    pipeline = load_pipeline(str(path), str(tmp_path / 'work'))
    logger = MMLogger.get_current_instance()
    messages = []
    handler = logging.Handler()
    handler.emit = lambda record: messages.append(record.getMessage())
    logger.addHandler(handler)
    try:
        records = run_pipeline(pipeline)
    finally:
        logger.removeHandler(handler)
    with open(osp.join(pipeline.work_dir, 'results.json')) as f:
        results = json.load(f)
    return records, results, '\n'.join(messages)


def test_an_edge_choice_is_extended_until_interior(tmp_path, monkeypatch):
    records, results, log = _extend(tmp_path, monkeypatch, 1.0, 3)
    grid = [r['recipe'] for r in records if r['grid']]
    # 0.4 wins (largest), then 0.8 (largest), then 1.6 (worse): interior
    assert grid == [
        'lr0.1_momentum0', 'lr0.1_momentum0.9', 'lr0.2_momentum0',
        'lr0.2_momentum0.9', 'lr0.4_momentum0', 'lr0.4_momentum0.9',
        'lr0.8_momentum0.9', 'lr1.6_momentum0.9']
    assert 'trying lr0.8_momentum0.9' in log
    assert [r['recipe'] for r in records if not r['grid']] == [
        'lr0.8_momentum0.9']
    info = select_recipes(results)['m']['all']
    assert info['selected'] == 'lr0.8_momentum0.9' and info['edges'] == []
    assert '| m | all | lr0.8_momentum0.9 | - |' in render_markdown(results)


def test_an_edge_choice_is_flagged_when_not_extended(tmp_path,
                                                     monkeypatch):
    records, results, log = _extend(tmp_path, monkeypatch, 0.01, 0)
    assert len([r for r in records if r['grid']]) == 6
    assert ('lr0.1_momentum0.9 selected, but lr 0.1 is the smallest value '
            'tried (extend_edges=0)') in log
    info = select_recipes(results)['m']['all']
    assert info['edges'] == ['lr 0.1 is the smallest value tried']
    md = render_markdown(results)
    assert '**lr 0.1 is the smallest value tried**' in md


def test_the_extension_limit_is_flagged(tmp_path, monkeypatch):
    records, results, log = _extend(tmp_path, monkeypatch, 0.001, 1)
    assert [r['recipe'] for r in records if r['grid']][-1] == (
        'lr0.05_momentum0.9')
    assert 'lr 0.05 is the smallest value tried (extend_edges=1 reached)' in (
        log)
    assert select_recipes(results)['m']['all']['edges'] == [
        'lr 0.05 is the smallest value tried']


def test_a_rerun_finds_the_extension_runs_finished(tmp_path, monkeypatch):
    """Extension runs are planned from finished runs, so a second call
    plans the same ones (and finds them done)."""
    from fsat.apis.pipeline import execution as ex
    first, _, _ = _extend(tmp_path, monkeypatch, 1.0, 3)
    seen = []
    monkeypatch.setattr(ex, '_read_done',
                        lambda run: seen.append(run.recipe['name']) or
                        next(r for r in first
                             if r['recipe'] == run.recipe['name']
                             and r['values'] == run.values))
    pipeline = load_pipeline(str(tmp_path / 'pipe.py'),
                             str(tmp_path / 'work'))
    again = run_pipeline(pipeline)
    assert [r['recipe'] for r in again] == [r['recipe'] for r in first]


DOWNSTREAM = '''
sweeps = dict(seed=[0, 1])
select_seeds = [0]
recipe_axes = dict(lr=dict(key='optim_wrapper.optimizer.lr',
                           values=[0.001, 0.5]))
length_selection = dict(max_iters=4, val_interval=2)
stages = [
    dict(name='finetune', config='{config}', method='tuned', sweep=['seed'],
         select_recipe=True, cfg_options={{'randomness.seed': '{{seed}}'}}),
    dict(name='evaluate', config='{config}', method='evaluated',
         sweep=['seed'], test_only=True,
         cfg_options={{'load_from': '{{finetune.checkpoint}}'}}),
]
'''


def test_a_later_stage_uses_the_selected_run_of_a_grid(tmp_path,
                                                        monkeypatch):
    """A stage that uses the checkpoint of a recipe-grid stage waits for
    the grid's choice and gets, per seed, the run of the selected recipe
    (seed 0: the selected grid run; seed 1: its single run)."""
    path = tmp_path / 'pipe.py'
    path.write_text(DOWNSTREAM.format(config=_stage_config(tmp_path / 'f.py')))
    pipeline = load_pipeline(str(path), str(tmp_path / 'work'))
    planned = pipeline.plan()
    assert [(r.label, r.deferred) for r in planned if
            r.stage.name == 'evaluate'] == [('evaluate [seed0]', True),
                                            ('evaluate [seed1]', True)]
    loaded = {}
    resolve = pipeline.resolve

    def spy(run, dry=False):
        cfg = resolve(run, dry)
        if run.stage.name == 'evaluate' and not dry:
            loaded[run.values['seed']] = (cfg.load_from, run.signature)
        return cfg

    monkeypatch.setattr(pipeline, 'resolve', spy)
    records = run_pipeline(pipeline)
    grid = {r['recipe']: r for r in records if r['grid']}
    chosen = max(grid, key=lambda k: (grid[k]['val']['acc/top1'],
                                      -list(grid).index(k)))
    single = next(r for r in records
                  if r['stage'] == 'finetune' and not r['grid'])
    assert single['recipe'] == chosen
    assert loaded[0][0] == grid[chosen]['checkpoint']
    assert loaded[1][0] == single['checkpoint']
    # the signature follows the run it was handed (a rerun finds it done)
    evaluated = [r for r in records if r['stage'] == 'evaluate']
    assert [r['signature'] for r in evaluated] == [loaded[0][1],
                                                   loaded[1][1]]
    assert evaluated[0]['test'] == grid[chosen]['test']
    assert evaluated[1]['test'] == single['test']
    again = run_pipeline(load_pipeline(str(path), str(tmp_path / 'work')))
    assert [r['signature'] for r in again] == [r['signature']
                                               for r in records]


def test_waiting_for_a_grid_passes_down_and_a_grid_cannot_wait(tmp_path):
    """A stage using the checkpoint of a stage that waits for a grid's
    choice waits too (its signature is made once that choice is known); a
    stage with a grid of its own cannot wait (its grid runs would start
    from a run chosen before the choice)."""
    config = _stage_config(tmp_path / 'f.py')
    chain = DOWNSTREAM.format(config=config).replace(
        "dict(name='evaluate', config='{}', method='evaluated',\n"
        "         sweep=['seed'], test_only=True,".format(config),
        "dict(name='evaluate', config='{}', method='evaluated',\n"
        "         sweep=['seed'],".format(config))
    after = chain.rstrip().rstrip(']') + (
        "    dict(name='again', config='{}', sweep=['seed'],\n"
        "         cfg_options={{'load_from': '{{evaluate.checkpoint}}'}}),\n"
        "]\n").format(config)
    path = tmp_path / 'pipe.py'
    path.write_text(after)
    planned = load_pipeline(str(path), str(tmp_path / 'w')).plan()
    assert [(r.label, r.deferred) for r in planned
            if r.stage.name == 'again'] == [('again [seed0]', True),
                                            ('again [seed1]', True)]
    path.write_text(after.replace(
        "dict(name='again', config='{}', sweep=['seed'],".format(config),
        "dict(name='again', config='{}', sweep=['seed'], "
        "select_recipe=True,".format(config)))
    with pytest.raises(FsatUserError, match="stage 'again' runs a recipe "
                       "grid and uses the checkpoint of 'evaluate'"):
        load_pipeline(str(path), str(tmp_path / 'w'))


def test_select_on_a_split_axis(tmp_path, monkeypatch):
    """select_on=dict(split=[1]): split 1 runs the grid (and its
    extension), splits 2 and 3 run the recipe split 1's validation chose,
    and the report says so."""
    config = _stage_config(tmp_path / 'f.py')
    path = tmp_path / 'pipe.py'
    path.write_text(EXTEND.format(config=config, extend=1).replace(
        "sweeps = dict(seed=[0, 1])\nselect_seeds = [0]",
        "sweeps = dict(split=[1, 2, 3])\nselect_on = dict(split=[1])").replace(
        "sweep=['seed']", "sweep=['split']").replace('{seed}', '{split}'))
    monkeypatch.setattr(execution, 'execute_run', _fake_execute(0.2))
    monkeypatch.setattr(execution, 'preflight', lambda *a, **k: None)
    pipeline = load_pipeline(str(path), str(tmp_path / 'work'))
    assert pipeline.select_on == dict(split=[1])
    records = run_pipeline(pipeline)
    grid = [r for r in records if r['grid']]
    assert {r['values']['split'] for r in grid} == {1}
    assert len(grid) == 6  # lr 0.1-0.4 x momentum; 0.2 is interior
    later = [(r['values']['split'], r['recipe']) for r in records
             if not r['grid']]
    assert later == [(2, 'lr0.2_momentum0.9'), (3, 'lr0.2_momentum0.9')]
    with open(osp.join(pipeline.work_dir, 'results.json')) as f:
        results = json.load(f)
    assert results['select_on'] == dict(split=[1])
    text = render_markdown(results)
    assert 'mean over split(s) 1;' in text
    assert '| m | all | lr0.2_momentum0.9 | - |' in text

