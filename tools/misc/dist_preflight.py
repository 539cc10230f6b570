#!/usr/bin/env python
# Copyright (c) fsat contributors. All rights reserved.
"""Checks run by ``tools/dist_train.sh`` and ``dist_test.sh`` before torchrun.

Prints ``<port> <threads per rank>``: ``$PORT`` if set, else a free port, and
the CPU threads each rank may use without oversubscribing the node.
"""
import argparse
import os

from fsat.engine.launch import check_nproc, find_free_port
from fsat.utils.cli import run_cli


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('nproc', help='processes per node')
    args = parser.parse_args()
    n = check_nproc(args.nproc)
    port = os.environ.get('PORT') or find_free_port()
    threads = max((os.cpu_count() or 1) // n, 1)
    print(port, threads)


if __name__ == '__main__':
    run_cli(main, prog='dist launch')
