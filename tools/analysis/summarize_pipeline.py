#!/usr/bin/env python
# Copyright (c) fsat contributors. All rights reserved.
"""Regenerate a pipeline's tables and plot from its results.json alone.

Examples:
    python tools/analysis/summarize_pipeline.py work_dirs/x/results.json
    # also fill the block "x" of a docs page and write its picture
    python tools/analysis/summarize_pipeline.py work_dirs/x/results.json \
        --doc docs/reproducing.md --doc-image docs/images/x.png \
        --doc-curves docs/images/x_curves.png
"""
import argparse
import os.path as osp

from fsat.apis.summary import plot, plot_curves, summarize, update_doc
from fsat.utils.cli import FsatUserError, run_cli


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('results', help='results.json of a pipeline')
    parser.add_argument(
        '--out-dir', help='where results.md/png go (default: beside it)')
    parser.add_argument(
        '--doc',
        help='a Markdown page whose results block (between the markers '
        '<!-- results: NAME ... --> and <!-- /results: NAME -->) is '
        'replaced by the tables')
    parser.add_argument(
        '--doc-block',
        help='NAME of the block (default: the pipeline config name)')
    parser.add_argument('--doc-image', help='also write the plot here')
    parser.add_argument(
        '--doc-curves',
        help='also write the validation curves of the runs that chose '
        'their length here')
    args = parser.parse_args()
    if not osp.isfile(args.results):
        raise FsatUserError(f'results file does not exist: {args.results}')
    out = summarize(args.results, args.out_dir)
    print(out['table'])
    print(f"results: {out['markdown']}\nplot: {out['plot']}")
    if 'curves' in out:
        print(f"validation curves: {out['curves']}")
    results = out['results']
    if args.doc:
        name = args.doc_block or osp.splitext(
            osp.basename(results['pipeline']))[0]
        try:
            changed = update_doc(args.doc, name, results)
        except (ValueError, OSError) as e:
            raise FsatUserError(str(e)) from e
        print(f"{args.doc}: block {name!r} "
              f"{'updated' if changed else 'already up to date'}")
    if args.doc_image:
        plot(results, args.doc_image)
        print(f'picture: {args.doc_image}')
    if args.doc_curves:
        if not plot_curves(results, args.doc_curves):
            raise FsatUserError(
                f'{args.results}: no run chose its length on validation, so '
                'there are no validation curves to draw')
        print(f'curves: {args.doc_curves}')


if __name__ == '__main__':
    run_cli(main, prog='summarize_pipeline')
