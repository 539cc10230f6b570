# Copyright (c) fsat contributors. All rights reserved.
"""A pipeline's stage configs: ``fsat::`` names and paths relative to it."""
import pytest

from fsat.apis.pipeline import load_pipeline
from fsat.testing import repo_path
from fsat.utils.cli import FsatUserError

PIPELINE = """
stages = [
    dict(name='mine', config='stages/mine.py'),
    dict(name='shipped', config='fsat::finetune/depth_r3d18_synth.py',
         cfg_options={'train_cfg.max_iters': 3}),
]
"""


def test_stage_configs_resolve_from_any_folder(tmp_path, monkeypatch):
    project = tmp_path / 'project'
    (project / 'stages').mkdir(parents=True)
    (project / 'stages' / 'mine.py').write_text(
        "_base_ = ['fsat::teachers/flow_r3d18_synth.py']\n")
    (project / 'pipe.py').write_text(PIPELINE)
    elsewhere = tmp_path / 'elsewhere'
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    pipeline = load_pipeline('../project/pipe.py', str(tmp_path / 'w'))
    assert [s.config for s in pipeline.stages] == [
        str(project / 'stages' / 'mine.py'),
        repo_path('configs', 'finetune', 'depth_r3d18_synth.py')
    ]
    runs = pipeline.plan()
    shipped = pipeline.resolve(runs[1], dry=True)
    assert shipped.train_cfg.max_iters == 3


def test_shipped_pipelines_keep_their_working_directory_paths(
        tmp_path, monkeypatch):
    monkeypatch.chdir(repo_path())
    pipeline = load_pipeline('configs/pipelines/fsat_synth_demo.py',
                             str(tmp_path / 'w'))
    assert pipeline.stages[0].config == 'configs/teachers/flow_r3d18_synth.py'


def test_a_mistyped_fsat_stage_config_is_one_line(tmp_path):
    path = tmp_path / 'pipe.py'
    path.write_text(
        "stages = [dict(name='a', config='fsat::teachers/flow_r3d18.py')]\n")
    with pytest.raises(FsatUserError) as e:
        load_pipeline(str(path), str(tmp_path / 'w'))
    assert str(e.value).startswith(
        f"{path}: stage 'a': 'fsat::teachers/flow_r3d18.py': fsat has no "
        "config 'teachers/flow_r3d18.py'")
    assert "Did you mean 'teachers/flow_r3d18_synth.py'" in str(e.value)


def test_signature_covers_installed_bases(tmp_path):
    """A stage inheriting ``fsat::`` re-runs when that base changes."""
    import hashlib

    from fsat.apis.pipeline import _base_digests
    stage = tmp_path / 'stage.py'
    stage.write_text("_base_ = ['fsat::finetune/depth_r3d18_synth.py']\n")
    digests = _base_digests(str(stage))

    def digest(*parts):
        with open(repo_path('configs', *parts), 'rb') as f:
            return hashlib.sha256(f.read()).hexdigest()

    # the named config and, through it, its own relative bases
    assert digest('finetune', 'depth_r3d18_synth.py') in digests
    assert digest('_base_', 'datasets', 'synthetic_ntu.py') in digests
    assert len(digests) == 1 + len(
        _base_digests(repo_path('configs', 'finetune',
                                'depth_r3d18_synth.py')))
