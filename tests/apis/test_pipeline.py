# Copyright (c) fsat contributors. All rights reserved.
"""Pipelines on toy stages: sweeps, recipe selection, skipping, errors."""
import json
import os
import os.path as osp

import pytest
from mmengine.config import Config

from fsat.apis.pipeline import load_pipeline, run_pipeline
from fsat.apis.summary import render_markdown, select_recipes, summarize
from fsat.testing import run_tool, toy_stage_config
from fsat.utils.cli import FsatUserError

_stage_config = toy_stage_config


PIPELINE = '''
sweeps = dict(budget=[8, 16], seed=[0, 1])
recipe_grid = [
    dict(name='lr0.01', cfg_options={{'optim_wrapper.optimizer.lr': 0.01}}),
    dict(name='lr0.5', cfg_options={{'optim_wrapper.optimizer.lr': 0.5}}),
]
stages = [
    dict(name='teacher', config='{teacher}'),
    dict(name='finetune', config='{finetune}', method='pretrained',
         sweep=['budget', 'seed'], select_recipe=True,
         cfg_options={{
             'load_from': '{{teacher.checkpoint}}',
             'train_dataloader.dataset.num_samples': '{{budget}}',
             'randomness.seed': '{{seed}}',
             '+experiment_tag': 'k{{budget}}-s{{seed}}'}}),
    dict(name='scratch', config='{finetune}', method='from scratch',
         sweep=['budget', 'seed'],
         cfg_options={{
             'train_dataloader.dataset.num_samples': '{{budget}}',
             'randomness.seed': '{{seed}}'}}),
]
'''


@pytest.fixture(scope='module')
def pipeline_files(tmp_path_factory):
    root = tmp_path_factory.mktemp('pipeline')
    teacher = _stage_config(root / 'teacher.py', max_iters=6)
    finetune = _stage_config(root / 'finetune.py')
    path = root / 'pipe.py'
    path.write_text(PIPELINE.format(teacher=teacher, finetune=finetune))
    return root, str(path)


@pytest.fixture(scope='module')
def first_run(pipeline_files):
    root, path = pipeline_files
    pipeline = load_pipeline(path, str(root / 'work'))
    records = run_pipeline(pipeline)
    return pipeline, records


def test_runs_every_stage_sweep_point_and_recipe(first_run):
    pipeline, records = first_run
    # 1 teacher + 2 budgets x 2 seeds x 2 recipes + 2 x 2 scratch runs
    assert len(records) == 1 + 8 + 4
    finetune = [r for r in records if r['stage'] == 'finetune']
    assert {(r['values']['budget'], r['values']['seed'], r['recipe'])
            for r in finetune} == {(b, s, lr) for b in (8, 16)
                                   for s in (0, 1)
                                   for lr in ('lr0.01', 'lr0.5')}
    teacher_ckpt = records[0]['checkpoint']
    assert osp.isfile(teacher_ckpt)
    # the test split sees only the recipe the validation selected
    with open(osp.join(pipeline.work_dir, 'results.json')) as f:
        selection = select_recipes(json.load(f))['pretrained']
    for r in records:
        selected = r['recipe'] is None or r['recipe'] == selection[str(
            r['values']['budget'])]['selected']
        assert r['tested'] is selected
        if selected:
            assert 0 <= r['test']['acc/top1'] <= 1
        else:
            assert r['test'] == {}
        assert osp.isfile(r['checkpoint'])
    # the handed-over checkpoint really was loaded by the fine-tuning runs
    log_dir = osp.dirname(finetune[0]['checkpoint'])
    logs = ''.join(
        open(osp.join(dp, f)).read() for dp, _, fs in os.walk(log_dir)
        for f in fs if f.endswith('.log'))
    assert f'Load checkpoint from {teacher_ckpt}' in logs


def test_recipe_is_selected_on_validation_not_test(first_run):
    pipeline, _ = first_run
    with open(osp.join(pipeline.work_dir, 'results.json')) as f:
        results = json.load(f)
    selection = select_recipes(results)
    for budget in ('8', '16'):
        info = selection['pretrained'][budget]
        best = max(info['val'], key=info['val'].get)
        assert info['selected'] == best
    # corrupting the test numbers of the unselected recipe changes nothing
    before = render_markdown(results)
    for run in results['runs']:
        if run['recipe'] and run['recipe'] != selection['pretrained'][str(
                run['values']['budget'])]['selected']:
            run['test']['acc/top1'] = 0.999
    assert render_markdown(results) == before


def test_second_invocation_skips_everything(pipeline_files, first_run):
    root, path = pipeline_files
    pipeline, records = first_run
    stamps = {r['checkpoint']: os.stat(r['checkpoint']).st_mtime_ns
              for r in records}
    again = run_pipeline(load_pipeline(path, str(root / 'work')))
    assert [r['signature'] for r in again] == [
        r['signature'] for r in records
    ]
    for r in again:
        assert os.stat(r['checkpoint']).st_mtime_ns == stamps[r['checkpoint']]


def test_changed_stage_invalidates_it_and_later_users(tmp_path, first_run):
    pipeline, records = first_run
    import shutil
    work = tmp_path / 'work'
    shutil.copytree(pipeline.work_dir, work)
    root = osp.dirname(pipeline.filename)
    text = open(pipeline.filename).read()
    teacher2 = tmp_path / 'teacher2.py'
    cfg = Config.fromfile(osp.join(root, 'teacher.py'))
    cfg.optim_wrapper.optimizer.lr = 0.02
    cfg.dump(str(teacher2))
    path2 = tmp_path / 'pipe.py'
    path2.write_text(text.replace(osp.join(root, 'teacher.py'),
                                  str(teacher2)))
    p2 = load_pipeline(str(path2), str(work))
    plan = {(r.stage.name, r.tag): r.signature for r in p2.plan()}
    old = {(r['stage'], _tag(r)): r['signature'] for r in records}
    changed = {k for k in plan if plan[k] != old[k]}
    # the teacher and every run that took its checkpoint; not scratch
    assert {k[0] for k in changed} == {'teacher', 'finetune'}
    assert len(changed) == 1 + 8


def _tag(record):
    parts = [f'{k}{v}' for k, v in record['values'].items()]
    if record['recipe']:
        parts.append(record['recipe'])
    return '_'.join(parts) or 'single'


def test_summarize_tool_regenerates_identical_outputs(first_run, tmp_path):
    pipeline, _ = first_run
    results = osp.join(pipeline.work_dir, 'results.json')
    first = summarize(results, str(tmp_path))
    proc = run_tool('analysis/summarize_pipeline.py',
                    [results, '--out-dir', str(tmp_path / 'again')],
                    env=dict(MPLBACKEND='Agg'))
    assert proc.returncode == 0, proc.stderr[-2000:]
    for name in ('results.md', 'results.png'):
        a = open(osp.join(tmp_path, name), 'rb').read()
        b = open(osp.join(tmp_path / 'again', name), 'rb').read()
        assert a == b, name
    assert 'pretrained' in first['table'] and 'from scratch' in first['table']
    md = open(first['markdown']).read()
    assert '| method | 8 / class | 16 / class |' in md
    assert '±' in md


@pytest.mark.parametrize('bad,message', [
    ("'load_from': '{{nope.checkpoint}}'",
     "uses the checkpoint of stage 'nope', which is not an earlier stage"),
    ("'load_from': '{{scratch2.checkpoint}}'",
     "uses the checkpoint of stage 'scratch2', which is not an earlier"),
])
def test_reference_to_missing_stage(tmp_path, pipeline_files, bad, message):
    _, path = pipeline_files
    root = osp.dirname(path)
    text = PIPELINE.format(
        teacher=osp.join(root, 'teacher.py'),
        finetune=osp.join(root, 'finetune.py')).replace(
            "'load_from': '{teacher.checkpoint}'", bad.replace('{{', '{')
            .replace('}}', '}'))
    bad_path = tmp_path / 'bad.py'
    bad_path.write_text(text)
    with pytest.raises(FsatUserError, match=message.replace('(', r'\(')):
        load_pipeline(str(bad_path), str(tmp_path / 'w'))


def test_empty_sweep_and_missing_config_fail_before_training(
        tmp_path, pipeline_files):
    _, path = pipeline_files
    with pytest.raises(FsatUserError, match="sweep 'seed' is an empty list"):
        load_pipeline(path, str(tmp_path), {'sweeps.seed': []})
    proc = run_tool('run_pipeline.py', [
        path, '--work-dir',
        str(tmp_path / 'w'), '--cfg-options', 'sweeps.budget=[]'
    ])
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines()[-1] == (
        f"fsat run_pipeline: error: {path}: sweep 'budget' is an empty list")
    assert not osp.exists(tmp_path / 'w')


def test_unbuildable_training_data_fails_before_any_run(
        tmp_path, pipeline_files):
    _, path = pipeline_files
    root = osp.dirname(path)
    text = PIPELINE.format(
        teacher=osp.join(root, 'teacher.py'),
        finetune=osp.join(root, 'finetune.py')).replace(
            "'randomness.seed': '{seed}',\n             '+experiment_tag'",
            "'train_dataloader.dataset.num_classes': 99,\n"
            "             'randomness.seed': '{seed}',\n"
            "             '+experiment_tag'")
    bad_path = tmp_path / 'bad.py'
    bad_path.write_text(text)
    pipeline = load_pipeline(str(bad_path), str(tmp_path / 'w'))
    with pytest.raises(FsatUserError, match='training data cannot be built'):
        run_pipeline(pipeline)
    assert not osp.exists(tmp_path / 'w' / 'teacher')


def test_select_seeds_run_the_grid_and_other_seeds_the_selection(
        tmp_path, pipeline_files):
    root, path = pipeline_files
    text = open(path).read().replace(
        "sweeps = dict(budget=[8, 16], seed=[0, 1])",
        "sweeps = dict(budget=[8], seed=[0, 1])\nselect_seeds = [0]")
    # keep the teacher's finished run: same work dir layout, new stages
    text = text[:text.index("    dict(name='scratch'")] + ']\n'
    cheap = tmp_path / 'pipe.py'
    cheap.write_text(text)
    pipeline = load_pipeline(str(cheap), str(tmp_path / 'w'))
    records = run_pipeline(pipeline)
    finetune = [r for r in records if r['stage'] == 'finetune']
    assert [(r['values']['seed'], r['recipe'], r['grid'])
            for r in finetune][:2] == [(0, 'lr0.01', True),
                                       (0, 'lr0.5', True)]
    grid = {r['recipe']: r['val']['acc/top1'] for r in finetune[:2]}
    chosen = max(grid, key=lambda k: (grid[k], k == 'lr0.01'))
    assert finetune[2]['values']['seed'] == 1
    assert finetune[2]['recipe'] == chosen and not finetune[2]['grid']
    with open(osp.join(pipeline.work_dir, 'results.json')) as f:
        results = json.load(f)
    assert select_recipes(results)['pretrained']['8']['selected'] == chosen
    md = render_markdown(results)
    assert '| pretrained |' in md


@pytest.mark.slow
def test_killed_pipeline_skips_finished_stages_when_run_again(tmp_path):
    """Kill the pipeline while its second stage trains; a second call skips
    the finished first stage and completes the second."""
    import signal
    import subprocess
    import sys
    import time

    from fsat.testing import REPO_ROOT
    first = _stage_config(tmp_path / 'first.py', max_iters=4)
    second = _stage_config(tmp_path / 'second.py', max_iters=300)
    pipe = tmp_path / 'pipe.py'
    pipe.write_text(
        f"stages = [dict(name='first', config='{first}'),\n"
        f"          dict(name='second', config='{second}',\n"
        "               cfg_options={'load_from': '{first.checkpoint}'})]\n")
    work = tmp_path / 'work'
    cmd = [
        sys.executable,
        osp.join(REPO_ROOT, 'tools', 'run_pipeline.py'),
        str(pipe), '--work-dir',
        str(work)
    ]
    env = dict(os.environ, PYTHONPATH=REPO_ROOT)
    proc = subprocess.Popen(
        cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    started = work / 'second' / 'single' / 'signature.txt'
    deadline = time.time() + 300
    while not started.exists() and time.time() < deadline:
        assert proc.poll() is None, 'the pipeline ended before stage 2'
        time.sleep(0.2)
    time.sleep(1)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert (work / 'first' / 'single' / 'done.json').is_file()
    assert not (work / 'second' / 'single' / 'done.json').exists()
    again = subprocess.run(
        cmd, env=env, capture_output=True, text=True, timeout=600)
    log = again.stdout + again.stderr
    assert again.returncode == 0, log[-3000:]
    assert '[1/2] first [single]: finished before, skipped' in log
    assert '[2/2] second [single]: running' in log
    assert (work / 'second' / 'single' / 'done.json').is_file()


def test_test_only_stage_tests_the_named_checkpoint(tmp_path):
    """A test_only stage trains nothing: it tests the checkpoint of the
    matching sweep point of an earlier stage, and gives the very metrics
    that stage's own test gave; finished, it is skipped. A checkpoint hook
    that keeps the best checkpoint (as the shipped configs' does) is
    dropped from it: it saves nothing."""
    train = _stage_config(tmp_path / 'train.py', max_iters=4)
    cfg = Config.fromfile(train)
    cfg.default_hooks.checkpoint.save_best = 'auto'
    cfg.dump(train)
    pipe = tmp_path / 'pipe.py'
    pipe.write_text(
        "sweeps = dict(seed=[0, 1])\n"
        f"stages = [dict(name='train', config='{train}', sweep=['seed'],\n"
        "               cfg_options={'randomness.seed': '{seed}'}),\n"
        f"          dict(name='evaluate', config='{train}', method='eval',\n"
        "               sweep=['seed'], test_only=True,\n"
        "               cfg_options={'load_from': '{train.checkpoint}'})]\n")
    pipeline = load_pipeline(str(pipe), str(tmp_path / 'work'))
    records = run_pipeline(pipeline)
    trained = {r['values']['seed']: r for r in records
               if r['stage'] == 'train'}
    tested = {r['values']['seed']: r for r in records
              if r['stage'] == 'evaluate'}
    assert trained[0]['test'] != trained[1]['test']  # two different models
    for seed in (0, 1):
        assert tested[seed]['checkpoint'] is None
        assert tested[seed]['test'] == trained[seed]['test']
        run_dir = osp.join(pipeline.work_dir, 'evaluate', f'seed{seed}')
        assert not [f for f in os.listdir(run_dir) if f.endswith('.pth')]
    again = run_pipeline(load_pipeline(str(pipe), str(tmp_path / 'work')))
    assert [r['wall_time'] for r in again] == [r['wall_time']
                                               for r in records]


@pytest.mark.parametrize('stage,message', [
    ("dict(name='b', config='{c}', test_only=True, select_recipe=True)",
     "stage 'b' is test_only and cannot select a training recipe"),
    ("dict(name='b', config='{c}', test_only=True),\n"
     "          dict(name='d', config='{c}',\n"
     "               cfg_options={{'load_from': '{{b.checkpoint}}'}})",
     "uses the checkpoint of 'b', which is test_only and writes none"),
])
def test_test_only_stage_errors(tmp_path, stage, message):
    c = _stage_config(tmp_path / 'c.py')
    pipe = tmp_path / 'pipe.py'
    pipe.write_text(
        "recipe_grid = [dict(name='x', cfg_options={})]\n"
        f"stages = [dict(name='a', config='{c}'),\n"
        f"          {stage.format(c=c)}]\n")
    with pytest.raises(FsatUserError, match=message):
        load_pipeline(str(pipe), str(tmp_path / 'w'))


def test_prepare_steps_run_first_in_order_and_rank_zero(tmp_path):
    """``prepare`` steps are registered functions run before the first
    stage (the stage reads what they wrote); the runner skips them when
    the caller prepared the data itself."""
    from fsat.registry import FUNCTIONS
    calls = []

    @FUNCTIONS.register_module('_test_write_marker', force=True)
    def write_marker(path, text='x'):
        calls.append(path)
        with open(path, 'w') as f:
            f.write(text)

    marker = tmp_path / 'data.txt'
    c = _stage_config(tmp_path / 'c.py')
    pipe = tmp_path / 'pipe.py'
    pipe.write_text(
        f"prepare = [dict(type='_test_write_marker', path='{marker}'),\n"
        f"           dict(type='_test_write_marker', path='{marker}',\n"
        "                text='second')]\n"
        f"stages = [dict(name='a', config='{c}')]\n")
    pipeline = load_pipeline(str(pipe), str(tmp_path / 'w'))
    assert [s['kwargs'] for s in pipeline.prepare] == [
        dict(path=str(marker)), dict(path=str(marker), text='second')]
    run_pipeline(pipeline)
    assert calls == [str(marker)] * 2 and marker.read_text() == 'second'
    run_pipeline(pipeline, prepare=False)  # finished run, no prepare
    assert len(calls) == 2


def _load_error(tmp_path, text):
    """``(pipeline file, message)`` of the error that loading a pipeline
    gives; ``{c}`` in ``text`` names a toy stage config."""
    c = _stage_config(tmp_path / 'c.py')
    pipe = tmp_path / 'pipe.py'
    pipe.write_text(text.replace('{c}', c))
    with pytest.raises(FsatUserError) as e:
        load_pipeline(str(pipe), str(tmp_path / 'w'))
    return pipe, str(e.value)


@pytest.mark.parametrize('step,message', [
    ("dict(out='x')", "a prepare step has no type: {'out': 'x'}"),
    ("dict(type='no_such_step')",
     "prepare step 'no_such_step' is not a registered function "
     '(fsat.registry.FUNCTIONS)'),
    ("dict(type='synthetic_world', out='x', presett='demo')",
     "prepare step 'synthetic_world': got an unexpected keyword argument "
     "'presett'"),
    ("dict(type='synthetic_world')",
     "prepare step 'synthetic_world': missing a required argument: 'out'"),
])
def test_bad_prepare_step_fails_at_load(tmp_path, step, message):
    pipe, error = _load_error(
        tmp_path, f"prepare = [{step}]\n"
        "stages = [dict(name='a', config='{c}')]\n")
    assert error == f'{pipe}: {message}'


def test_failing_prepare_step_names_the_pipeline(tmp_path):
    """A bad world parameter is found when the step runs, before any
    stage, and the message names the pipeline and the parameter."""
    c = _stage_config(tmp_path / 'c.py')
    pipe = tmp_path / 'pipe.py'
    pipe.write_text(
        "prepare = [dict(type='synthetic_world', preset='tiny',\n"
        f"                out='{tmp_path / 'world'}',\n"
        "                overrides=dict(clutterr=0.1))]\n"
        f"stages = [dict(name='a', config='{c}')]\n")
    pipeline = load_pipeline(str(pipe), str(tmp_path / 'w'))
    with pytest.raises(FsatUserError,
                       match="prepare step 'synthetic_world': unknown world "
                       "parameter 'clutterr'"):
        run_pipeline(pipeline)
    assert not osp.exists(tmp_path / 'w')
    assert not osp.exists(tmp_path / 'world')
    # a folder that holds other data is never mixed with a world
    os.makedirs(tmp_path / 'world')
    (tmp_path / 'world' / 'notes.txt').write_text('mine')
    pipe.write_text(pipe.read_text().replace(
        'overrides=dict(clutterr=0.1)', 'overrides=dict(clutter=0.1)'))
    pipeline = load_pipeline(str(pipe), str(tmp_path / 'w'))
    with pytest.raises(FsatUserError,
                       match="prepare step 'synthetic_world': .*world is not "
                       'empty and holds no world.json'):
        run_pipeline(pipeline)
    assert os.listdir(tmp_path / 'world') == ['notes.txt']


def test_results_md_lists_the_stages_without_a_method(first_run):
    pipeline, _ = first_run
    with open(osp.join(pipeline.work_dir, 'results.json')) as f:
        results = json.load(f)
    teacher = next(r for r in results['runs'] if r['stage'] == 'teacher')
    md = render_markdown(results)
    top1 = 100 * teacher['test']['acc/top1']
    assert f'| teacher | - | acc/top1: {top1:.2f}, ' in md
    # method rows are in the table, not in this list
    assert '| finetune | budget=' not in md


def test_templates_fill_stages_in_order_and_the_stage_wins(tmp_path):
    c = _stage_config(tmp_path / 'c.py')
    d = _stage_config(tmp_path / 'd.py')
    pipe = tmp_path / 'pipe.py'
    pipe.write_text(
        "sweeps = dict(seed=[0, 1])\n"
        "templates = dict(\n"
        f"    seeded=dict(config='{c}', sweep=['seed'],\n"
        "                cfg_options={'randomness.seed': '{seed}',\n"
        "                             'optim_wrapper.optimizer.lr': 0.1}),\n"
        "    slow=dict(cfg_options={'optim_wrapper.optimizer.lr': 0.01}))\n"
        "stages = [\n"
        "    dict(name='a', method='A', template='seeded'),\n"
        "    dict(name='b', method='B', template=['seeded', 'slow'],\n"
        f"         config='{d}',\n"
        "         cfg_options={'train_cfg.max_iters': 2}),\n"
        "    dict(name='c', template=['slow', 'seeded'],\n"
        "         cfg_options={'optim_wrapper.optimizer.lr': 0.5})]\n")
    pipeline = load_pipeline(str(pipe), str(tmp_path / 'w'))
    a, b, c_stage = pipeline.stages
    assert (a.config, a.sweep, a.method) == (c, ('seed', ), 'A')
    assert a.cfg_options == {'randomness.seed': '{seed}',
                             'optim_wrapper.optimizer.lr': 0.1}
    assert (b.config, b.sweep) == (d, ('seed', ))  # the stage's config
    assert b.cfg_options == {'randomness.seed': '{seed}',
                             'optim_wrapper.optimizer.lr': 0.01,
                             'train_cfg.max_iters': 2}
    assert c_stage.cfg_options['optim_wrapper.optimizer.lr'] == 0.5
    run = next(r for r in pipeline.plan() if r.stage.name == 'b')
    cfg = pipeline.resolve(run, dry=True)
    assert cfg.optim_wrapper.optimizer.lr == 0.01
    assert cfg.randomness.seed == run.values['seed']
    assert cfg.train_cfg.max_iters == 2


@pytest.mark.parametrize('templates,stage,message', [
    ("dict(t=dict(sweep=[]))", "template='u'",
     "stage 'a' uses template 'u', which is not in templates (templates: "
     "t)"),
    ("dict(t=dict(name='x'))", "template='t'",
     "template 't' has a name or a template: a template holds only fields "
     "that stages share"),
])
def test_bad_template(tmp_path, templates, stage, message):
    pipe, error = _load_error(
        tmp_path, f"templates = {templates}\n"
        f"stages = [dict(name='a', config='{{c}}', {stage})]\n")
    assert error == f'{pipe}: {message}'


def test_init_from_appends_a_weights_hook_to_the_configs_own(tmp_path):
    """``init_from`` hands a stage's checkpoint over with a
    ``PretrainedWeightsHook`` after the config's own custom hooks (a
    ``custom_hooks`` cfg option would replace them)."""
    c = _stage_config(tmp_path / 'c.py')
    cfg = Config.fromfile(c)
    cfg.custom_hooks = [dict(type='EmptyCacheHook')]
    cfg.dump(c)
    pipe = tmp_path / 'pipe.py'
    pipe.write_text(
        f"stages = [dict(name='teacher', config='{c}'),\n"
        f"          dict(name='a', config='{c}', init_from='teacher'),\n"
        f"          dict(name='b', config='{c}',\n"
        "               init_from=dict(stage='teacher', prefix='student.',\n"
        "                              adapt_input_channels=True))]\n")
    pipeline = load_pipeline(str(pipe), str(tmp_path / 'w'))
    runs = {r.stage.name: r for r in pipeline.plan()}
    ckpt = str(tmp_path / 'w' / 'teacher' / 'single' / 'not-trained-yet.pth')
    a = pipeline.resolve(runs['a'], dry=True)
    assert a.custom_hooks == [
        dict(type='EmptyCacheHook'),
        dict(type='PretrainedWeightsHook', checkpoint=ckpt)
    ]
    b = pipeline.resolve(runs['b'], dry=True)
    assert b.custom_hooks[1] == dict(
        type='PretrainedWeightsHook', checkpoint=ckpt, prefix='student.',
        adapt_input_channels=True)
    assert list(runs['a'].upstream) == ['teacher']
    assert runs['a'].signature != runs['b'].signature


@pytest.mark.parametrize('init,message', [
    ("'nope'", "stage 'a' uses the checkpoint of stage 'nope', which is not "
     'an earlier stage (earlier stages: teacher)'),
    ("dict(prefix='student.')", "stage 'a': init_from must be a stage name "
     "or a dict with 'stage'"),
    ("dict(stage='teacher', strict=True)", "stage 'a': init_from must be a "
     "stage name or a dict with 'stage'"),
])
def test_bad_init_from(tmp_path, init, message):
    pipe, error = _load_error(
        tmp_path, "stages = [dict(name='teacher', config='{c}'),\n"
        f"          dict(name='a', config='{{c}}', init_from={init})]\n")
    assert error.startswith(f'{pipe}: {message}')


def test_a_mistyped_key_in_a_later_stage_ends_the_tool_before_any_run(
        tmp_path):
    """Every run's config is resolved through load_config (which rejects
    unknown ``cfg_options`` keys) before the first run and before the
    ``prepare`` steps: no work dir is made, nothing trains."""
    c = _stage_config(tmp_path / 'c.py')
    pipe = tmp_path / 'pipe.py'
    pipe.write_text(
        "sweeps = dict(seed=[0, 1])\n"
        f"stages = [dict(name='teacher', config='{c}'),\n"
        f"          dict(name='student', config='{c}', sweep=['seed'],\n"
        "               cfg_options={'load_from': '{teacher.checkpoint}',\n"
        "                            'randomness.seed': '{seed}',\n"
        "                            'train_cfg.max_iter': 3})]\n")
    work = tmp_path / 'w'
    proc = run_tool('run_pipeline.py', [str(pipe), '--work-dir', str(work)])
    assert proc.returncode == 1, proc.stderr[-2000:]
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith(
        f'fsat run_pipeline: error: {pipe}: run student [seed0]: ')
    assert "'train_cfg.max_iter'" in last
    assert 'Traceback' not in proc.stderr
    assert not work.exists()


def test_a_recipe_selected_later_is_checked_with_every_recipe(tmp_path):
    """Runs whose recipe the grid selects later (select_seeds) are checked
    with each recipe of the grid before anything runs."""
    from fsat.apis.pipeline import check_configs
    c = _stage_config(tmp_path / 'c.py')
    pipe = tmp_path / 'pipe.py'
    pipe.write_text(
        "sweeps = dict(seed=[0, 1])\nselect_seeds = [0]\n"
        "recipe_grid = [dict(name='a', cfg_options={\n"
        "    'optim_wrapper.optimizer.lr': 0.1}),\n"
        "               dict(name='b', cfg_options={\n"
        "    'optim_wrapper.optimizer.lrr': 0.2})]\n"
        f"stages = [dict(name='s', config='{c}', sweep=['seed'],\n"
        "               select_recipe=True)]\n")
    pipeline = load_pipeline(str(pipe), str(tmp_path / 'w'))
    runs = pipeline.plan()
    assert [r.deferred for r in runs] == [False, False, True]
    with pytest.raises(FsatUserError) as e:
        check_configs(pipeline, runs[2:])
    assert str(e.value).startswith(f'{pipe}: run s [seed1_b]: ')
    assert 'optim_wrapper.optimizer.lrr' in str(e.value)


@pytest.mark.parametrize('text,message', [
    ("stages = [dict(name='a', config='{c}')\nsweeps = dict(\n",
     'syntax error at line 1: '),
    ("x = 1\nstages = [dict(name='a' config='{c}')]\n",
     'syntax error at line 2: invalid syntax. Perhaps you forgot a comma?'),
    ("stages = undefined_name\n",
     "cannot be read as a config: NameError: name 'undefined_name' is not "
     'defined'),
    ("stages = dict(a=dict(name='a', config='{c}'))\n",
     'stages must be a list of dict(name=..., config=...), got a ConfigDict'),
    ("stages = ['{c}']\n", "stages[0] must be a dict(name=..., config=...), "
     "got '"),
    ("stage = [dict(name='a', config='{c}')]\n",
     "unknown field 'stage': did you mean 'stages'?"),
    ("sweep = dict(seed=[0])\nstages = [dict(name='a', config='{c}')]\n",
     "unknown field 'sweep': did you mean 'sweeps'?"),
    ("sweeps = dict(seed=0)\nstages = [dict(name='a', config='{c}')]\n",
     "sweep 'seed' must be a list of values, got 0"),
    ("sweeps = [0, 1]\nstages = [dict(name='a', config='{c}')]\n",
     'sweeps must be a dict, got a list: [0, 1]'),
    ("sweeps = dict(seed=[0])\n"
     "stages = [dict(name='a', config='{c}', sweep='seed')]\n",
     "stage 'a': sweep must be a list of sweep names, e.g. ['budget', "
     "'seed'], got 'seed'"),
    ("stages = [dict(name='a', config='{c}', cfg_options=['x=1'])]\n",
     "stage 'a': cfg_options must be a dict, got ['x=1']"),
    ("stages = [dict(name='a b', config='{c}')]\n",
     "stage name 'a b' must be a word"),
    ("stages = [dict(name='a', config=3)]\n",
     "stage 'a': config must be a file name, got 3"),
    ("stages = [dict(name='a', config='{c}', test_only='yes')]\n",
     "stage 'a': test_only must be True or False, got 'yes'"),
    ("stages = [dict(name='a', config='{c}'), dict(name='a', config='{c}')]"
     "\n", "two stages are called 'a'"),
    ("stages = [dict(config='{c}')]\n", "a stage has no 'name'"),
    ("stages = [dict(name='a')]\n", "a stage has no 'config'"),
    ("sweeps = dict(seed=[0])\n"
     "stages = [dict(name='a', config='{c}', sweep=['sed'])]\n",
     "stage 'a' sweeps 'sed', which is not in sweeps ['seed']"),
    ("recipe_grid = [dict(name='r', cfg_options={}), dict(name='r')]\n"
     "stages = [dict(name='a', config='{c}')]\n",
     "two recipes are called 'r'"),
    ("recipe_grid = dict(name='r')\nstages = [dict(name='a', config='{c}')]"
     "\n", "recipe_grid must be a list, got a ConfigDict"),
    ("templates = dict(t=dict(sweep=[]))\n"
     "stages = [dict(name='a', config='{c}', template=3)]\n",
     "stage 'a': template must be a template name or a list of them, got 3"),
    ("templates = dict(t=[1])\nstages = [dict(name='a', config='{c}')]\n",
     "template 't' must be a dict of stage fields, got [1]"),
    ("stages = []\n", 'the pipeline has no stages'),
    ("prepare = [3]\nstages = [dict(name='a', config='{c}')]\n",
     'prepare[0] must be dict(type=..., ...), got 3'),
    ("stages = [dict(name='t', config='{c}'), dict(name='a', config='{c}', "
     "cfg_options={'load_from': '{t.ckpt}'})]\n",
     "stage 'a': {t.ckpt} is not a placeholder: write {<sweep>} or "
     '{<stage>.checkpoint}'),
])
def test_malformed_pipeline_is_one_line_naming_the_file(
        tmp_path, text, message):
    pipe, error = _load_error(tmp_path, text)
    assert error.startswith(f'{pipe}: {message}'), error


def test_syntax_error_through_the_tool_names_file_and_line(tmp_path):
    pipe = tmp_path / 'pipe.py'
    pipe.write_text("sweeps = dict(seed=[0])\nstages = [dict(name='a',,)]\n")
    proc = run_tool('run_pipeline.py', [str(pipe)])
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines() == [
        f'fsat run_pipeline: error: {pipe}: syntax error at line 2: '
        'invalid syntax']
