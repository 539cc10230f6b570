# Copyright (c) fsat contributors. All rights reserved.
"""What the summary tools say about a file that is not a results.json."""
import json

import pytest

from fsat.apis.summary import read_results, summarize
from fsat.utils.cli import FsatUserError


@pytest.mark.parametrize('content,message', [
    (b'', 'is not JSON'),
    (b'\xff\xfe binary', 'is not JSON'),
    (b'{"pipeline": "p.py"', 'is not JSON'),
    (b'[1, 2]', 'lacks pipeline, report_metric, select_metric, runs'),
    (b'{"pipeline": "p.py", "runs": []}',
     'lacks report_metric, select_metric'),
])
def test_a_file_that_is_not_a_results_json_is_one_line(
        tmp_path, content, message):
    path = tmp_path / 'results.json'
    path.write_bytes(content)
    with pytest.raises(FsatUserError) as e:
        summarize(str(path))
    assert str(e.value).startswith(str(path))
    assert message in str(e.value)
    assert '\n' not in str(e.value)
    assert not (tmp_path / 'results.md').exists()


def test_a_missing_results_file_is_named(tmp_path):
    with pytest.raises(FsatUserError, match='results file does not exist'):
        read_results(str(tmp_path / 'nope.json'))


def test_a_results_json_of_a_pipeline_is_read(tmp_path):
    path = tmp_path / 'results.json'
    results = dict(pipeline='p.py', report_metric='acc/top1',
                   select_metric='acc/top1', runs=[])
    path.write_text(json.dumps(results))
    assert read_results(str(path)) == results
