# Copyright (c) fsat contributors. All rights reserved.
"""``reuse_from``: a pipeline takes over the finished runs of another
pipeline that have its signature, and trains only the others."""
import json
import os
import os.path as osp

import pytest

from fsat.apis.pipeline import load_pipeline, run_pipeline
from fsat.testing import toy_stage_config
from fsat.utils.cli import FsatUserError

FIRST = '''
sweeps = dict(seed=[0, 1])
stages = [
    dict(name='train', config='{train}', method='toy', sweep=['seed'],
         cfg_options={{'randomness.seed': '{{seed}}'}}),
]
'''

SECOND = '''
sweeps = dict(seed=[0, 1, 2])
reuse_from = [{reuse!r}]
stages = [
    dict(name='train', config='{train}', method='toy here', sweep=['seed'],
         cfg_options={{'randomness.seed': '{{seed}}'}}),
    dict(name='other', config='{other}', sweep=['seed'],
         cfg_options={{'randomness.seed': '{{seed}}'}}),
    dict(name='evaluate', config='{train}', sweep=['seed'], test_only=True,
         cfg_options={{'load_from': '{{train.checkpoint}}'}}),
]
'''


def test_runs_of_the_same_signature_are_taken_over(tmp_path):
    train = toy_stage_config(tmp_path / 'train.py', max_iters=4)
    # other bytes, hence another signature: never taken over
    other = tmp_path / 'other.py'
    other.write_text(open(train).read() + '\n# another config\n')
    first_file = tmp_path / 'first.py'
    first_file.write_text(FIRST.format(train=train))
    first = run_pipeline(load_pipeline(str(first_file),
                                       str(tmp_path / 'first')))
    stamps = {r['checkpoint']: os.stat(r['checkpoint']).st_mtime_ns
              for r in first}

    second_file = tmp_path / 'second.py'
    second_file.write_text(
        SECOND.format(train=train, other=other,
                      reuse=str(tmp_path / 'first')))
    pipeline = load_pipeline(str(second_file), str(tmp_path / 'second'))
    records = run_pipeline(pipeline)
    by = {(r['stage'], r['values']['seed']): r for r in records}
    for seed in (0, 1):
        mine, theirs = by['train', seed], first[seed]
        # nothing trained: the first pipeline's checkpoint, untouched
        assert mine['checkpoint'] == theirs['checkpoint']
        assert os.stat(mine['checkpoint']).st_mtime_ns == stamps[
            theirs['checkpoint']]
        assert mine['test'] == theirs['test']
        assert mine['signature'] == theirs['signature']
        assert mine['method'] == 'toy here'  # this pipeline's name
        assert mine['reused_from'] == osp.join(
            str(tmp_path / 'first'), 'train', f'seed{seed}')
        with open(osp.join(pipeline.work_dir, 'train', f'seed{seed}',
                           'done.json')) as f:
            assert json.load(f)['reused_from'] == mine['reused_from']
        # a later stage tests the reused checkpoint
        assert by['evaluate', seed]['test'] == theirs['test']
    # a sweep point the first pipeline did not run, and another config
    assert 'reused_from' not in by['train', 2]
    assert osp.dirname(by['train', 2]['checkpoint']) == osp.join(
        pipeline.work_dir, 'train', 'seed2')
    for seed in (0, 1, 2):
        assert 'reused_from' not in by['other', seed]
        assert by['other', seed]['checkpoint'].startswith(pipeline.work_dir)

    # run again: everything is finished here now
    again = run_pipeline(load_pipeline(str(second_file),
                                       str(tmp_path / 'second')))
    assert again == records


def test_a_reuse_dir_without_results_or_checkpoints_reuses_nothing(
        tmp_path):
    train = toy_stage_config(tmp_path / 'train.py', max_iters=4)
    first_file = tmp_path / 'first.py'
    first_file.write_text(FIRST.format(train=train))
    first = run_pipeline(load_pipeline(str(first_file),
                                       str(tmp_path / 'first')))
    os.remove(first[0]['checkpoint'])  # seed 0's weights are gone
    second_file = tmp_path / 'second.py'
    second_file.write_text(
        'sweeps = dict(seed=[0, 1])\n'
        f"reuse_from = [{str(tmp_path / 'missing')!r}, "
        f"{str(tmp_path / 'first')!r}]\n"
        f"stages = [dict(name='train', config='{train}', sweep=['seed'],\n"
        "               cfg_options={'randomness.seed': '{seed}'})]\n")
    records = run_pipeline(load_pipeline(str(second_file),
                                         str(tmp_path / 'second')))
    assert 'reused_from' not in records[0]  # trained again
    assert records[0]['test'] == first[0]['test']  # deterministic
    assert records[1]['reused_from'] == osp.join(
        str(tmp_path / 'first'), 'train', 'seed1')


@pytest.mark.parametrize('value', ["'work_dirs/a'", '[1]'])
def test_bad_reuse_from_is_one_line_naming_the_file(tmp_path, value):
    train = toy_stage_config(tmp_path / 'train.py')
    path = tmp_path / 'pipe.py'
    path.write_text(f'reuse_from = {value}\n'
                    f"stages = [dict(name='t', config='{train}')]\n")
    with pytest.raises(FsatUserError, match=r'pipe\.py: reuse_from must be '
                       'a list of work dirs'):
        load_pipeline(str(path), str(tmp_path / 'work'))
