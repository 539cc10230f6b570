# Copyright (c) fsat contributors. All rights reserved.
"""benchmarks/det2d_speed.py runs on tiny sizes and reports every time."""
import importlib.util

from fsat.testing import repo_path


def _load():
    spec = importlib.util.spec_from_file_location(
        'det2d_speed', repo_path('benchmarks', 'det2d_speed.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_reports_ops_and_detector_steps(capsys):
    bench = _load()
    result = bench.main(['--rois', '8', '--channels', '4', '--map-size', '6',
                         '8', '--image-size', '64', '80', '--batch', '1',
                         '--runs', '1'])
    for op in ('roi_align_adaptive', 'roi_align_sr2', 'roi_pool'):
        assert result[f'{op}_forward_s'] > 0
        assert result[f'{op}_train_s'] > 0
    assert result['train_step_s'] > 0 and result['test_step_s'] > 0
    assert result['proposals_per_image'] > 0
    # both NMS loops timed on the same boxes (the benchmark checks that
    # they keep the same ones)
    assert result['nms_2000_kept'] > 0
    assert result['nms_2000_numpy_s'] > 0 and result['nms_2000_torch_s'] > 0
    assert result['nms1d_2000_kept'] > 0
    assert result['nms1d_2000_numpy_s'] > 0
    assert result['nms1d_2000_torch_s'] > 0
    # every sliding window of the config on the image, one forward
    assert result['windows'] == result['proposals_per_image']
    assert result['roi_align_windows_sr2_forward_s'] > 0
    assert capsys.readouterr().out.count('\n') == 1
    rois = bench.random_rois(50, 64, 80, bench.torch.Generator())
    assert (rois[:, 3] <= 80).all() and (rois[:, 4] <= 64).all()
    assert (rois[:, 3] - rois[:, 1] >= 8 - 1e-4).all()
