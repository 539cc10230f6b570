# Copyright (c) fsat contributors. All rights reserved.
"""tools/analysis/detection_chance.py: a detector's mAP against the mAP of
its own detections with random classes."""
import json
import pickle

import numpy as np
import pytest
import torch

from fsat.evaluation.functional import label_chance_map
from fsat.testing import last_line, run_tool

CONFIG = 'configs/detection2d/frcnn_r18_flow_jhmdb_synth.py'  # 10 classes


def _sample(gt_label, dets):
    """One frame as tools/test.py --dump writes it: an actor at a fixed
    box, and ``(label, score, shift)`` detections (shift moves the box)."""
    box = [10., 10., 50., 90.]
    return dict(
        img_id='x',
        pred_instances=dict(
            bboxes=torch.tensor([[v + s for v in box] for _, _, s in dets]),
            scores=torch.tensor([p for _, p, _ in dets]),
            labels=torch.tensor([c for c, _, _ in dets])),
        gt_instances=dict(bboxes=torch.tensor([box]),
                          labels=torch.tensor([gt_label])))


def test_real_and_chance_map_of_a_dump(tmp_path):
    # 20 frames, classes 0-3 five each; the right class scores highest,
    # a wrong one lower, and a far-off box (a miss) in between
    rng = np.random.default_rng(0)
    samples = [
        _sample(i % 4, [(i % 4, 0.9 - 0.01 * i, 0), ((i + 1) % 4, 0.5, 0),
                        (int(rng.integers(4)), 0.7, 200)])
        for i in range(20)
    ]
    dump = tmp_path / 'preds.pkl'
    dump.write_bytes(pickle.dumps(samples))
    out = tmp_path / 'chance.json'
    proc = run_tool('analysis/detection_chance.py',
                    [CONFIG, str(dump), str(dump), '--draws', '30',
                     '--seed', '4', '--out', str(out)])
    assert proc.returncode == 0, proc.stderr
    rows = json.loads(out.read_text())['rows']
    assert len(rows) == 2 and rows[0] == rows[1]
    row = rows[0]
    # every actor is found first by its own class: AP 1 for classes 0-3
    assert row['map'] == 1.0 and row['images'] == 20 and row['draws'] == 30
    assert row['per_class']['ap'][:4] == [1.0] * 4
    # merged, the 20 actors (0.90 .. 0.71) all come before the misses
    assert row['agnostic_ap'] == 1.0
    preds = [dict(bboxes=s['pred_instances']['bboxes'].numpy(),
                  scores=s['pred_instances']['scores'].numpy(),
                  labels=s['pred_instances']['labels'].numpy())
             for s in samples]
    gts = [dict(bboxes=s['gt_instances']['bboxes'].numpy(),
                labels=s['gt_instances']['labels'].numpy())
           for s in samples]
    direct = np.nanmean(label_chance_map(preds, gts, 10, draws=30, seed=4),
                        axis=1)
    assert np.isclose(row['chance_mean'], direct.mean())
    assert np.isclose(row['chance_std'], direct.std(ddof=1))
    assert 0 < row['chance_mean'] < 0.6
    ratio = 1.0 / row['chance_mean']
    assert (f"| {dump} | 100.00 | {100 * row['chance_mean']:.2f} ± "
            f"{100 * row['chance_std']:.2f} |") in proc.stdout
    assert '| mean of 2 | 100.00 | ' in proc.stdout
    assert f'| {ratio:.2f} | 100.00 |' in proc.stdout
    assert '| clap | 100.00 |' in proc.stdout  # class names of the config


def test_bad_dumps_and_configs_are_one_line_errors(tmp_path):
    missing = run_tool('analysis/detection_chance.py',
                       [CONFIG, str(tmp_path / 'none.pkl')])
    assert missing.returncode == 1
    assert last_line(missing.stderr).endswith('none.pkl: no such file')
    junk = tmp_path / 'junk.pkl'
    junk.write_bytes(b'not a pickle')
    proc = run_tool('analysis/detection_chance.py', [CONFIG, str(junk)])
    assert 'junk.pkl: not a readable predictions dump' in last_line(
        proc.stderr)
    other = tmp_path / 'other.pkl'
    other.write_bytes(pickle.dumps([dict(pred_scores=1)]))
    proc = run_tool('analysis/detection_chance.py', [CONFIG, str(other)])
    assert last_line(proc.stderr).endswith(
        'other.pkl: VOCBoxMAP: data sample 0 needs pred_instances and '
        'gt_instances')
    proc = run_tool('analysis/detection_chance.py',
                    ['configs/finetune/depth_r3d18_synth.py', str(other)])
    assert last_line(proc.stderr).endswith(
        'depth_r3d18_synth.py: no VOCBoxMAP in test_evaluator or '
        'val_evaluator')


def _row(map_, chance, p95, agnostic):
    return dict(map=map_, chance_mean=chance, chance_p95=p95,
                agnostic_ap=agnostic)


def _tool():
    """The tool as a module, to call in this process (no start-up)."""
    import importlib.util

    from fsat.testing import repo_path
    spec = importlib.util.spec_from_file_location(
        'fsat_tool_detection_chance',
        repo_path('tools', 'analysis', 'detection_chance.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _main(tool, args, monkeypatch):
    from fsat.testing import repo_path
    monkeypatch.chdir(repo_path())  # the configs' relative paths
    monkeypatch.setattr('sys.argv', ['detection_chance.py'] + args)
    tool.main()


def test_labels_gather_in_one_file_and_make_the_docs_table(
        tmp_path, monkeypatch, capsys):
    from fsat.utils.cli import FsatUserError
    tool = _tool()
    samples = [_sample(i % 2, [(i % 2, 0.9, 0), ((i + 1) % 2, 0.4, 0)])
               for i in range(6)]
    dump = tmp_path / 'preds.pkl'
    dump.write_bytes(pickle.dumps(samples))
    out = tmp_path / 'chance.json'
    # the first label through the command line, the second beside it
    proc = run_tool('analysis/detection_chance.py',
                    [CONFIG, str(dump), '--draws', '5', '--label', 'first',
                     '--out', str(out)])
    assert proc.returncode == 0, proc.stderr
    _main(tool, [CONFIG, str(dump), '--draws', '5', '--label', 'second',
                 '--out', str(out)], monkeypatch)
    groups = json.loads(out.read_text())
    assert list(groups) == ['first', 'second']
    assert groups['first'] == groups['second']
    assert groups['first']['config'] == CONFIG
    assert groups['first']['rows'][0]['map'] == 1.0
    # the docs block: hand-made rows, means and the ratio of the means
    groups = {'note': 'made by hand',
              'a, 2 dumps': dict(config=CONFIG, rows=[
                  _row(0.20, 0.10, 0.12, 0.40), _row(0.30, 0.10, 0.15, 0.50)]),
              'b': dict(config=CONFIG, rows=[_row(0.05, 0.0, 0.0, 0.1)])}
    (tmp_path / 'x.json').write_text(json.dumps(groups))
    page = tmp_path / 'page.md'
    begin = ('<!-- chance: x (tools/analysis/detection_chance.py) -->\n'
             '<!-- /chance: x -->')
    page.write_text(f'# Page\n\nbefore\n{begin}\nafter\n')
    args = ['--from', str(tmp_path / 'x.json'), '--doc', str(page)]
    proc = run_tool('analysis/detection_chance.py', args)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().endswith("chance block 'x' updated")
    text = page.read_text()
    assert '| a, 2 dumps | 2 | 25.00 | 10.00 | 2.50 (2.00-3.00) | 15.00 | ' \
        '45.00 |' in text
    assert '| b | 1 | 5.00 | 0.00 | - | 0.00 | 10.00 |' in text
    assert text.startswith('# Page\n\nbefore\n<!-- chance: x')
    assert text.endswith('<!-- /chance: x -->\nafter\n')
    capsys.readouterr()
    _main(tool, args, monkeypatch)
    assert capsys.readouterr().out.strip().endswith(
        "chance block 'x' unchanged")
    assert page.read_text() == text
    # one-line errors
    for bad_args, message in [
        (['--doc', str(page)], '--doc PAGE --from JSON go together'),
        (args[:2] + ['--doc', str(tmp_path / 'no.md')], 'no.md: no such '
         'file'),
        (['--from', str(out), '--doc', str(tmp_path / 'x.json')],
         'needs one line <!-- chance: chance'),
        (['--from', str(page), '--doc', str(page)], 'page.md: not JSON'),
        ([CONFIG, str(dump), '--label', 'c'], '--label needs --out'),
        ([], 'give a config and at least one dump'),
    ]:
        with pytest.raises(FsatUserError) as e:
            _main(tool, bad_args, monkeypatch)
        assert message in str(e.value) and '\n' not in str(e.value)


def test_docs_chance_table_is_the_tools_output(tmp_path, monkeypatch,
                                               capsys):
    """docs/detection.md's chance table is what the tool writes from the
    kept JSON, not a typed copy."""
    import shutil

    from fsat.testing import repo_path
    source = repo_path(
        'docs/results/analysis/detection2d_jhmdb_synth_chance.json')
    page = shutil.copy(repo_path('docs/detection.md'), tmp_path)
    _main(_tool(), ['--from', source, '--doc', page], monkeypatch)
    assert capsys.readouterr().out.strip().endswith('unchanged'), (
        f'run tools/analysis/detection_chance.py --from {source} --doc '
        'docs/detection.md')
