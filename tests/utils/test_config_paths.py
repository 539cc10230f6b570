# Copyright (c) fsat contributors. All rights reserved.
"""``fsat::`` config paths and config references inside configs."""
import os.path as osp

import pytest
from mmengine.config import Config

from fsat.testing import repo_path
from fsat.utils import config_paths
from fsat.utils.cli import FsatUserError
from fsat.utils.config_paths import (
    config_root,
    package_config_path,
    resolve_config_reference,
)


def test_fsat_configs_are_the_checkout_configs_in_an_editable_install():
    # no fsat/.mim in a source checkout: the checkout's configs/ is used
    assert not osp.isdir(repo_path('fsat', '.mim'))
    assert config_root() == repo_path('configs')
    assert package_config_path('fsat::distill/flow2depth_v2c.py') == (
        repo_path('configs', 'distill', 'flow2depth_v2c.py'))


def test_a_mistyped_fsat_config_is_one_line_with_the_closest_names():
    with pytest.raises(FsatUserError) as e:
        package_config_path('fsat::finetune/depth_r3d18_synt.py',
                            'my_config.py')
    assert str(e.value) == (
        "my_config.py: 'fsat::finetune/depth_r3d18_synt.py': fsat has no "
        f"config 'finetune/depth_r3d18_synt.py' (in {repo_path('configs')})."
        " Did you mean 'finetune/depth_r3d18_synth.py' or "
        "'finetune/depth_r3d18_ntu60_xview.py' or "
        "'finetune/depth_two_stream_synth.py'?")


def test_an_unknown_package_is_one_line():
    with pytest.raises(FsatUserError, match="'nopkg_xyz' is not an installed "
                       'package'):
        package_config_path('nopkg_xyz::a.py', 'my_config.py')
    with pytest.raises(FsatUserError, match='is not .<package>::<path'):
        package_config_path('fsat::', 'my_config.py')


def test_bases_from_fsat_and_mmaction_load_from_any_folder(
        tmp_path, monkeypatch):
    # MMEngine 0.10.7 needs pkg_resources (gone from setuptools >= 81) for
    # 'mmaction::'; fsat's resolver finds both packages with importlib
    config_paths.install()
    (tmp_path / 'mine.py').write_text(
        "_base_ = ['fsat::finetune/depth_r3d18_synth.py']\n"
        'budget = 3\n')
    (tmp_path / 'tsn.py').write_text(
        "_base_ = ['mmaction::_base_/models/tsn_r50.py']\n")
    monkeypatch.chdir(tmp_path)
    cfg = Config.fromfile('mine.py')
    assert cfg.train_cfg.max_iters == 150  # from fsat's finetune config
    assert cfg.budget == 3
    # fsat's bases carry no _scope_ (it would reach collate functions as an
    # argument); mmaction2's keep MMEngine's behaviour
    assert '_scope_' not in cfg.train_dataloader.collate_fn
    tsn = Config.fromfile('tsn.py')
    assert tsn.model.backbone.depth == 50
    assert tsn.model._scope_ == 'mmaction'


def test_a_base_of_a_base_is_relative_to_the_installed_file(tmp_path):
    config_paths.install()
    # flow2depth_v2c_synth.py inherits '../_base_/...' relative to itself
    (tmp_path / 'mine.py').write_text(
        "_base_ = ['fsat::distill/flow2depth_v2c_synth.py']\n")
    cfg = Config.fromfile(str(tmp_path / 'mine.py'))
    assert cfg.input_size == 32  # synthetic_ntu.py
    assert cfg.model.teacher.config == osp.join(
        repo_path('configs', 'distill'), '..', 'teachers',
        'flow_r3d18_synth.py')


def test_references_resolve_next_to_the_config(tmp_path, monkeypatch):
    folder = tmp_path / 'project'
    folder.mkdir()
    (folder / 'teacher.py').write_text('model = dict(type="X")\n')
    monkeypatch.chdir(tmp_path)
    assert resolve_config_reference('teacher.py', str(folder)) == str(
        folder / 'teacher.py')
    # missing everywhere: the path next to the config is named
    assert resolve_config_reference('other.py', str(folder)) == str(
        folder / 'other.py')
    # only in the working directory (how fsat read it before): kept as is
    (tmp_path / 'old.py').write_text('model = dict(type="X")\n')
    assert resolve_config_reference('old.py', str(folder)) == 'old.py'
    assert resolve_config_reference('/a/../b/t.py', str(folder)) == '/b/t.py'
    assert resolve_config_reference(
        'fsat::teachers/flow_r3d18_synth.py', str(folder)) == repo_path(
            'configs', 'teachers', 'flow_r3d18_synth.py')
