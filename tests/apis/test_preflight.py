# Copyright (c) fsat contributors. All rights reserved.
"""Pipeline preflight: every training run's data is built once before
anything trains; test-only runs without training data are skipped."""
from fsat.apis.pipeline import load_pipeline
from fsat.apis.pipeline.preflight import check_configs, preflight
from fsat.registry import DATASETS
from fsat.testing import repo_path


def test_test_only_runs_without_training_data_are_skipped(
        tmp_path, monkeypatch):
    monkeypatch.chdir(repo_path())
    pipeline = load_pipeline('configs/pipelines/vpn_synth_table5.py',
                             str(tmp_path / 'w'))
    runs = pipeline.plan()
    configs = check_configs(pipeline, runs)
    fusion = [cfg for run, cfg in zip(runs, configs)
              if run.stage.name in ('late_fusion', 'vpnpp_pose')]
    assert len(fusion) == 6
    assert all(cfg.train_dataloader is None for cfg in fusion)
    built = []
    monkeypatch.setattr(DATASETS, 'build',
                        lambda cfg, *a, **k: built.append(cfg))
    preflight(pipeline, runs, configs=configs)
    # the distinct training sets of the 18 training runs: RGB clips packed
    # for the RGB student and for a distiller (VPN-F), paired RGB +
    # skeleton (VPN*, VPN-A, VPN++) and skeleton sequences (AGCN-J); seeds
    # do not change the data
    assert len(built) == 4
    assert sorted(sorted(cfg['modalities']) for cfg in built) == [
        ['rgb'], ['rgb'], ['rgb', 'skeleton'], ['skeleton']]
