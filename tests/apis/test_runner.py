# Copyright (c) fsat contributors. All rights reserved.
"""``load_config``: ``--cfg-options`` keys, ``data_root`` and references."""
import glob
import os.path as osp

import pytest

from fsat.apis import load_config
from fsat.testing import repo_path
from fsat.utils.cli import FsatUserError

FINETUNE = repo_path('configs', 'finetune', 'depth_r3d18_synth.py')
DISTILL = repo_path('configs', 'distill', 'flow2depth_v2c_synth.py')


def _error(options, path=FINETUNE):
    with pytest.raises(FsatUserError) as e:
        load_config(path, options)
    return str(e.value)


def test_a_mistyped_key_is_an_error_with_the_closest_keys():
    assert _error({'train_cfg.max_iter': 3}) == (
        f'{FINETUNE}: --cfg-options train_cfg.max_iter: the config has no '
        "field 'train_cfg.max_iter'. Did you mean 'train_cfg.max_iters' or "
        "'train_cfg.val_interval'? Write +train_cfg.max_iter=... to add a "
        'new field on purpose.')
    # a misplaced key: the field of that name elsewhere is suggested
    assert "Did you mean 'optim_wrapper.optimizer.lr'?" in _error(
        {'optim_wrapper.lr': 0.1})
    # an argument the model does not have
    assert "no field 'model.backbone.foo'" in _error({'model.backbone.foo': 1})
    assert "no field 'trian_cfg'. Did you mean 'train_cfg'" in _error(
        {'trian_cfg.max_iters': 3})


def test_lists_and_non_dicts_are_named():
    assert _error({'param_scheduler.3.T_max': 5}) == (
        f'{FINETUNE}: --cfg-options param_scheduler.3.T_max: '
        "param_scheduler is a list of 1 item(s); '3' is not an index of it")
    assert _error({'val_dataloader.batch_size.x': 2}) == (
        f'{FINETUNE}: --cfg-options val_dataloader.batch_size.x: '
        'val_dataloader.batch_size is 1, not a dict; set '
        'val_dataloader.batch_size itself')
    assert _error({'param_scheduler.-1.T_max': 5}).endswith(
        "'-1' is not an index of it")
    assert _error({'+': 1}) == (
        f"{FINETUNE}: --cfg-options key '+' has an empty part")
    assert _error({'+a..b': 1}).endswith("key '+a..b' has an empty part")
    assert _error({'val_dataloader.dataset.x': 1}, DISTILL).endswith(
        'val_dataloader is None, not a dict; set val_dataloader itself')


def test_existing_keys_plus_keys_and_runner_fields_merge():
    cfg = load_config(
        FINETUNE, {
            'train_cfg.max_iters': 3,
            'param_scheduler.0.T_max': 3,
            'model.backbone.depth': 34,
            '+model.backbone.norm_cfg': dict(type='BN3d'),
            '+experiment_note': 'k2',
            'custom_hooks': [dict(type='EMAHook')],  # the config has none
            'auto_scale_lr.base_batch_size': 64,
        })
    assert cfg.train_cfg.max_iters == 3
    assert cfg.param_scheduler[0].T_max == 3
    assert cfg.model.backbone.depth == 34
    assert cfg.model.backbone.norm_cfg == dict(type='BN3d')
    assert cfg.experiment_note == 'k2'
    assert cfg.custom_hooks[0].type == 'EMAHook'
    assert cfg.auto_scale_lr.base_batch_size == 64


def test_data_root_option_moves_every_dataset(tmp_path):
    new = str(tmp_path / 'world' / 'ntu')
    cfg = load_config(DISTILL, {'data_root': new})
    assert cfg.data_root == new
    assert cfg.train_dataloader.dataset.data_root == new
    assert cfg.custom_hooks[0].dataset.data_root == new
    assert cfg.rgb_teacher_cache.dataset.data_root == new
    # outputs below the working directory are not data
    assert cfg.custom_hooks[0].cache_root == 'work_dirs/teacher_cache'
    cfg = load_config(FINETUNE, {'data_root': new + '/'})
    assert {
        cfg[f'{s}_dataloader'].dataset.data_root
        for s in ('train', 'val', 'test')
    } == {new + '/'}
    # without the option nothing moves
    cfg = load_config(FINETUNE)
    assert cfg.test_dataloader.dataset.data_root == 'data/synthetic_demo/ntu'


def _strings(node):
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from _strings(value)
    elif isinstance(node, (list, tuple)):
        for value in node:
            yield from _strings(value)


SHIPPED = sorted(
    p for p in glob.glob(repo_path('configs', '**', '*.py'), recursive=True)
    if '_base_' not in p and 'pipelines' not in p)


@pytest.mark.parametrize('path', SHIPPED, ids=lambda p: osp.basename(p))
def test_data_root_option_reaches_every_path_of_every_shipped_config(path):
    cfg = load_config(path, check_types=False)
    # a dataset root, or the one annotation file (mmaction2's skeleton pkl)
    field = 'data_root' if 'data_root' in cfg else 'ann_file'
    old = cfg[field]
    cfg = load_config(path, {field: '/elsewhere'}, check_types=False)
    strings = list(_strings(cfg.to_dict()))
    assert not [s for s in strings if s == old or s.startswith(old + '/')]
    roots = [
        cfg[f'{s}_dataloader'].dataset[field]
        for s in ('train', 'val', 'test') if cfg.get(f'{s}_dataloader')
    ]
    assert roots and set(roots) == {'/elsewhere'}


def test_synthetic_world_root_from_the_environment(monkeypatch):
    monkeypatch.setenv('FSAT_SYNTH_ROOT', '/data/world')
    cfg = load_config(FINETUNE)
    assert cfg.train_dataloader.dataset.data_root == '/data/world/ntu'
    cfg = load_config(
        repo_path('configs', 'detection', 'rc3d_r3d18_depth_synth.py'))
    assert cfg.train_dataloader.dataset.data_root == '/data/world/pku_mmd'


def test_teacher_config_is_relative_to_the_config_file(tmp_path,
                                                       monkeypatch):
    project = tmp_path / 'project'
    (project / 'teachers').mkdir(parents=True)
    (project / 'teachers' / 'mine.py').write_text(
        "_base_ = ['fsat::teachers/flow_r3d18_synth.py']\n")
    (project / 'distill.py').write_text(
        "_base_ = ['fsat::distill/flow2depth_v2c_synth.py']\n"
        "model = dict(teacher=dict(config='teachers/mine.py'))\n")
    elsewhere = tmp_path / 'elsewhere'
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    cfg = load_config('../project/distill.py')
    assert cfg.model.teacher.config == str(project / 'teachers' / 'mine.py')
    # the shipped config's own teacher, inherited, is found from anywhere
    (project / 'plain.py').write_text(
        "_base_ = ['fsat::distill/flow2depth_v2c_synth.py']\n")
    cfg = load_config('../project/plain.py')
    assert cfg.model.teacher.config == repo_path('configs', 'teachers',
                                                 'flow_r3d18_synth.py')
    assert osp.isfile(cfg.model.teacher.config)


def test_a_late_fusion_stream_config_is_found_from_anywhere(
        tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    cfg = load_config(
        repo_path('configs', 'finetune', 'depth_two_stream_synth.py'))
    assert {s.config for s in cfg.model.streams.values()} == {FINETUNE}


def test_pipeline_cfg_options_refuse_unknown_keys(tmp_path, monkeypatch):
    from fsat.apis.pipeline import load_pipeline
    monkeypatch.chdir(repo_path())
    path = 'configs/pipelines/fsat_synth_demo.py'
    with pytest.raises(FsatUserError) as e:
        load_pipeline(path, str(tmp_path / 'w'), {'sweeps.seeds': [0]})
    assert str(e.value).startswith(
        f"{path}: --cfg-options sweeps.seeds: the config has no field "
        "'sweeps.seeds'. Did you mean 'sweeps.seed'")
    pipeline = load_pipeline(path, str(tmp_path / 'w'),
                             {'sweeps.budget': [4]})
    assert pipeline.sweeps['budget'] == [4]


def test_old_cwd_relative_teacher_paths_work_with_a_warning(
        tmp_path, monkeypatch):
    import logging

    import fsat.apis.runner as runner
    logged = []
    monkeypatch.setattr(runner, 'print_log',
                        lambda msg, **kw: logged.append((msg, kw['level'])))
    (tmp_path / 'configs').mkdir()
    (tmp_path / 'teacher.py').write_text(
        "_base_ = ['fsat::teachers/flow_r3d18_synth.py']\n")
    (tmp_path / 'configs' / 'distill.py').write_text(
        "_base_ = ['fsat::distill/flow2depth_v2c_synth.py']\n"
        "model = dict(teacher=dict(config='teacher.py'))\n")
    monkeypatch.chdir(tmp_path)
    cfg = load_config('configs/distill.py')
    assert cfg.model.teacher.config == 'teacher.py'
    assert logged == [(
        "model.teacher.config='teacher.py' is read relative to the working "
        'directory; write it relative to the config file '
        f"({tmp_path / 'configs'}) instead", logging.WARNING)]
    # a path given on the command line is relative to the working
    # directory, like a checkpoint's: read as given, without a warning
    logged.clear()
    cfg = load_config(
        repo_path('configs', 'distill', 'flow2depth_v2c_synth.py'),
        {'model.teacher.config': 'teacher.py'})
    assert cfg.model.teacher.config == 'teacher.py' and not logged
    # a model argument called config that is not a file is left alone
    cfg = load_config(FINETUNE, {'+model.cls_head.config': 'small'})
    assert cfg.model.cls_head.config == 'small'


def test_an_installed_config_is_loaded_by_its_package_name(tmp_path,
                                                           monkeypatch):
    monkeypatch.chdir(tmp_path)  # no configs/ folder here
    cfg = load_config('fsat::finetune/depth_r3d18_synth.py')
    assert osp.samefile(cfg.filename, FINETUNE)
    assert cfg.model == load_config(FINETUNE).model
    with pytest.raises(FsatUserError, match="fsat has no config "
                       "'finetune/depth_r3d18_synt.py'.*Did you mean"):
        load_config('fsat::finetune/depth_r3d18_synt.py')


def test_a_dict_written_on_the_command_line_is_an_error():
    # what MMEngine's DictAction makes of "key=dict(...)" and
    # "key=[dict(...)]": the text, not a dict
    assert _error({'param_scheduler': "dict(type='CosineAnnealingLR')"}) == (
        f'{FINETUNE}: --cfg-options param_scheduler="dict(type=\'Cosine'
        'AnnealingLR\')": a dict cannot be written on the command line (it '
        'stays the text "dict(...)"); set its fields one by one '
        '(param_scheduler.<field>=...), or write it in a config')
    assert 'custom_hooks=["dict(type=\'ChannelsLastHook\')"]: a dict' in (
        _error({'custom_hooks': ["dict(type='ChannelsLastHook')"]}))
    assert 'a dict cannot be written' in _error(
        {'+model.backbone.norm_cfg': " dict(type='BN3d')"})
    # real dicts (pipelines' cfg_options) and other strings pass
    cfg = load_config(FINETUNE, {
        'custom_hooks': [dict(type='ChannelsLastHook')],
        'work_dir': 'dict_of_runs'})
    assert cfg.custom_hooks == [dict(type='ChannelsLastHook')]
