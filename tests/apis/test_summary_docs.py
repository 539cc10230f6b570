# Copyright (c) fsat contributors. All rights reserved.
"""The result tables and pictures in docs/ are the tool's output for the
results.json files kept in docs/results/, not typed copies."""
import glob
import json
import os.path as osp
import re
import shutil

import pytest

from fsat.apis.summary import DOC_BEGIN, plot, update_doc
from fsat.testing import repo_path, run_tool

RESULTS = sorted(glob.glob(osp.join(repo_path(), 'docs', 'results',
                                    '*.json')))


def _page_of(name):
    begin = DOC_BEGIN.format(name=name)
    pages = [p for p in glob.glob(osp.join(repo_path(), 'docs', '*.md'))
             if begin in open(p, encoding='utf-8').read()]
    assert len(pages) == 1, f'block {name!r} in {pages}'
    return pages[0]


def test_every_kept_result_is_shown():
    names = {osp.splitext(osp.basename(p))[0] for p in RESULTS}
    assert {'fsat_synth_demo', 'ablation_synth_domain',
            'fsat_synth_detection'} <= names


@pytest.mark.parametrize('path', RESULTS,
                         ids=[osp.basename(p) for p in RESULTS])
def test_docs_block_and_picture_are_regenerated_identically(tmp_path, path):
    name = osp.splitext(osp.basename(path))[0]
    with open(path, encoding='utf-8') as f:
        results = json.load(f)
    assert osp.splitext(osp.basename(results['pipeline']))[0] == name
    page = _page_of(name)
    copy = tmp_path / 'page.md'
    shutil.copy(page, copy)
    assert update_doc(str(copy), name, results) is False, (
        f'{page}: block {name!r} differs from its results.json; run '
        f'tools/analysis/summarize_pipeline.py {path} --doc {page}')
    # the picture that follows the block
    text = open(page, encoding='utf-8').read()
    after = text[text.index(f'<!-- /results: {name} -->'):]
    image = re.search(r'!\[[^\]]*\]\(([^)]+\.png)\)', after).group(1)
    plot(results, str(tmp_path / 'plot.png'))
    with open(osp.join(osp.dirname(page), image), 'rb') as f:
        assert (tmp_path / 'plot.png').read_bytes() == f.read(), image


def test_tool_fills_a_block_and_names_a_page_without_one(tmp_path):
    results = RESULTS[0]
    name = osp.splitext(osp.basename(results))[0]
    page = tmp_path / 'page.md'
    page.write_text(f'# Page\n\nbefore\n{DOC_BEGIN.format(name=name)}\n'
                    f'old table\n<!-- /results: {name} -->\nafter\n')
    proc = run_tool('analysis/summarize_pipeline.py', [
        results, '--out-dir', str(tmp_path / 'out'), '--doc', str(page),
        '--doc-image', str(tmp_path / 'pic.png')
    ])
    assert proc.returncode == 0, proc.stderr
    assert f"block '{name}' updated" in proc.stdout
    text = page.read_text()
    assert 'old table' not in text and text.endswith('after\n')
    assert text.startswith('# Page\n\nbefore\n')
    md = (tmp_path / 'out' / 'results.md').read_text()
    assert md.split('\n', 2)[2].strip() in text  # results.md minus title
    assert (tmp_path / 'pic.png').read_bytes() == (
        tmp_path / 'out' / 'results.png').read_bytes()
    proc = run_tool('analysis/summarize_pipeline.py', [
        results, '--out-dir', str(tmp_path / 'out'), '--doc', str(page)])
    assert 'already up to date' in proc.stdout
    bare = tmp_path / 'bare.md'
    bare.write_text('# nothing here\n')
    proc = run_tool('analysis/summarize_pipeline.py', [
        results, '--out-dir', str(tmp_path / 'out'), '--doc', str(bare)])
    assert proc.returncode == 1
    assert f"{bare} has no results block '{name}'" in proc.stderr
