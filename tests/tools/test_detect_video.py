# Copyright (c) fsat contributors. All rights reserved.
"""tools/detect_video.py: one long video, buffer by buffer, from a config
and a checkpoint; clear errors for an unknown video."""
import json
import os.path as osp

import pytest
from mmengine.config import Config

from fsat.datasets.synthetic import generate_world
from fsat.testing import (
    build_toy_model,
    last_line,
    run_tool,
    toy_depth_rc3d,
    toy_detection_dataset,
)


@pytest.mark.slow
def test_detect_video_tool(tmp_path):
    world = str(tmp_path / 'tiny')
    generate_world('tiny', world, seed=0, workers=1, progress=False)
    model = toy_depth_rc3d()
    cfg = dict(
        default_scope='fsat',
        model=model,
        test_dataloader=dict(
            batch_size=1,
            dataset=toy_detection_dataset(osp.join(world, 'pku_mmd'))))
    config = str(tmp_path / 'det.py')
    Config(cfg).dump(config)
    ckpt = str(tmp_path / 'det.pth')
    build_toy_model(model, save_to=ckpt)
    out = str(tmp_path / 'dets.json')
    proc = run_tool('detect_video.py', [config, ckpt, '0003-M', '--out', out,
                                        '--score-thr', '0'])
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert '0003-M:' in proc.stdout and 'buffers' in proc.stdout
    with open(out) as f:
        dets = json.load(f)
    assert dets['video_id'] == '0003-M' and len(dets['scores']) > 0
    assert dets['scores'] == sorted(dets['scores'], reverse=True)
    proc = run_tool('detect_video.py', [config, ckpt, '9999-M'])
    assert proc.returncode == 1
    assert "video '9999-M' is not in the dataset" in last_line(proc.stderr)
