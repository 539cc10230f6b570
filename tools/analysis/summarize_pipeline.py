# Copyright (c) fsat contributors. All rights reserved.
"""Regenerate a pipeline's tables and plot from its results.json alone.

Example:
    python tools/analysis/summarize_pipeline.py work_dirs/x/results.json
"""
import argparse
import os.path as osp

from fsat.apis.summary import summarize
from fsat.utils.cli import FsatUserError, run_cli


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('results', help='results.json of a pipeline')
    parser.add_argument(
        '--out-dir', help='where results.md/png go (default: beside it)')
    args = parser.parse_args()
    if not osp.isfile(args.results):
        raise FsatUserError(f'results file does not exist: {args.results}')
    out = summarize(args.results, args.out_dir)
    print(out['table'])
    print(f"results: {out['markdown']}\nplot: {out['plot']}")


if __name__ == '__main__':
    run_cli(main, prog='summarize_pipeline')
