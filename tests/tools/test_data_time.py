# Copyright (c) fsat contributors. All rights reserved.
"""tools/analysis/data_time.py: per-stage data_time from training logs."""
import json

from fsat.testing import last_line, run_tool


def _log(path, rows):
    path.parent.mkdir(parents=True)
    path.write_text(''.join(json.dumps(r) + '\n' for r in rows))


def test_data_time_per_stage(tmp_path):
    start = dict(time=1.0, data_time=0.5, loss=1.0)  # the first window
    for run, (t, d) in (('k5', (0.040, 0.002)), ('k20', (0.060, 0.004))):
        _log(tmp_path / 'ft' / run / '2026' / 'vis_data' / 'scalars.json',
             [start, dict(time=t, data_time=d, loss=1.0),
              dict(lr=0.1), dict(time=t, data_time=d, loss=0.5)])
    proc = run_tool('analysis/data_time.py', [str(tmp_path)])
    assert proc.returncode == 0, proc.stderr
    # runs' means: step (40 + 60) / 2 = 50 ms, wait 3 ms, share 6 %
    assert '| ft | 2 | 50.0 ms | 3.00 ms | 6.0 % |' in proc.stdout
    empty = run_tool('analysis/data_time.py', [str(tmp_path / 'none')])
    assert empty.returncode == 1
    assert 'no training logs' in last_line(empty.stderr)
