# Copyright (c) fsat contributors. All rights reserved.
"""The optical flow of many videos, in parallel processes if asked
(:func:`extract_many`), and the run's report (:func:`summarize`)."""
import glob
import multiprocessing
import os.path as osp
import sys
import time
from typing import Dict, Iterator, List, Optional, Sequence, Tuple

import cv2

from ..video import VIDEO_EXTS
from .extract import FlowResult, extract_video_flow
from .frames import FlowExtractionError, sample_name

__all__ = [
    'VIDEO_EXTS', 'LIST_EXTS', 'collect_videos', 'extract_many', 'summarize'
]

LIST_EXTS = ('txt', 'lst', 'list')


def _has_ext(path: str, exts: Sequence[str]) -> bool:
    """Whether ``path`` ends with one of ``exts`` (case-insensitive)."""
    suffix = osp.splitext(path)[1].lower().lstrip('.')
    return suffix in {e.lower().lstrip('.') for e in exts}


def _read_list(list_file: str) -> List[str]:
    """Read a video list: one path a line, ``#`` comments, blank lines."""
    root = osp.dirname(osp.abspath(list_file))
    videos = []
    with open(list_file, encoding='utf-8') as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith('#'):
                videos.append(osp.join(root, line))
    return videos


def collect_videos(source: str,
                   exts: Sequence[str] = VIDEO_EXTS,
                   pattern: Optional[str] = None,
                   recursive: bool = False) -> List[str]:
    """List the videos to process.

    Args:
        source (str): A video file; a folder to scan; or a text list
            (``.txt``, ``.lst``, ``.list``) with one video a line, relative
            paths taken from the list's folder, ``#`` comments allowed.
        exts (Sequence[str]): Extensions of the videos in a folder
            (case-insensitive). Defaults to :data:`VIDEO_EXTS`.
        pattern (str, optional): A glob relative to the folder (``**``
            matches sub-folders), e.g. ``'**/*_rgb.avi'``; replaces ``exts``
            and ``recursive``.
        recursive (bool): Scan sub-folders for ``exts`` too.
            Defaults to False.

    Returns:
        list[str]: Sorted video paths (a list keeps its order). A single
        file is returned as is, even if it does not exist, so that it is
        reported as a failure.
    """
    if osp.isdir(source):
        if pattern is None:
            pattern = osp.join('**', '*') if recursive else '*'
            paths = glob.glob(osp.join(glob.escape(source), pattern),
                              recursive=recursive)
            paths = [p for p in paths if _has_ext(p, exts)]
        else:
            paths = glob.glob(osp.join(glob.escape(source), pattern),
                              recursive=True)
        return sorted(p for p in paths if osp.isfile(p))
    if _has_ext(source, LIST_EXTS):
        return _read_list(source)
    return [source]


def _check_unique_names(videos: Sequence[str]) -> None:
    """Fail early when two videos would write the same output folder."""
    seen: Dict[str, str] = {}
    clashes = []
    for video in videos:
        name = sample_name(video)
        if name in seen and seen[name] != video:
            clashes.append(f'{seen[name]} and {video} -> {name}')
        seen.setdefault(name, video)
    if clashes:
        raise ValueError('videos with the same sample name would overwrite '
                         'each other: ' + '; '.join(clashes))


def _extract_safe(task: Tuple[str, str, dict]) -> FlowResult:
    """Run :func:`extract_video_flow`; turn an exception into a failure."""
    video, out_root, kwargs = task
    start = time.perf_counter()
    try:
        return extract_video_flow(video, out_root, **kwargs)
    except Exception as e:
        name = sample_name(video)
        msg = str(e) if isinstance(e, FlowExtractionError) else (
            f'{video}: {type(e).__name__}: {e}')
        return FlowResult(video=video, name=name,
                          out_dir=osp.join(out_root, name), status='failed',
                          seconds=time.perf_counter() - start, message=msg)


def _init_worker(cv_threads: Optional[int]) -> None:
    """Limit OpenCV's threads in a worker process."""
    if cv_threads is not None:
        cv2.setNumThreads(cv_threads)


def extract_many(videos: Sequence[str],
                 out_root: str,
                 workers: int = 1,
                 progress: bool = True,
                 cv_threads: Optional[int] = None,
                 **kwargs) -> List[FlowResult]:
    """Extract the flow of many videos, in parallel processes if asked.

    A failing video is reported at once (on stderr) and counted; the others
    are still processed.

    Args:
        videos (Sequence[str]): Video paths; their sample names must be
            unique.
        out_root (str): The output root folder.
        workers (int): Worker processes (``spawn`` start method); 1 runs in
            this process. Defaults to 1.
        progress (bool): Show a tqdm progress bar. Defaults to True.
        cv_threads (int, optional): ``cv2.setNumThreads`` for the work;
            defaults to 1 when ``workers > 1`` (no over-subscription) and
            to OpenCV's default otherwise.
        **kwargs: Options of :func:`extract_video_flow` (``method``,
            ``bound``, ``short_side``, ``skip_existing``, ...).

    Returns:
        list[FlowResult]: One result per video, in completion order.
    """
    from tqdm import tqdm

    _check_unique_names(videos)
    tasks = [(video, out_root, kwargs) for video in videos]
    if cv_threads is None and workers > 1:
        cv_threads = 1
    results = []
    with tqdm(total=len(tasks), unit='video', disable=not progress,
              file=sys.stderr) as pbar:
        for result in _run_tasks(tasks, workers, cv_threads):
            if result.message:
                kind = 'failed' if result.status == 'failed' else 'warning'
                tqdm.write(f'[{kind}] {result.message}', file=sys.stderr)
            results.append(result)
            pbar.update()
    return results


def _run_tasks(tasks: List[Tuple[str, str, dict]], workers: int,
               cv_threads: Optional[int]) -> Iterator[FlowResult]:
    """Yield the results of the tasks, in this process or in a pool."""
    if workers <= 1 or len(tasks) <= 1:
        old_threads = cv2.getNumThreads()
        _init_worker(cv_threads)
        try:
            for task in tasks:
                yield _extract_safe(task)
        finally:
            cv2.setNumThreads(old_threads)
        return
    ctx = multiprocessing.get_context('spawn')
    with ctx.Pool(workers, initializer=_init_worker,
                  initargs=(cv_threads, )) as pool:
        yield from pool.imap_unordered(_extract_safe, tasks)


def summarize(results: Sequence[FlowResult],
              wall_seconds: Optional[float] = None) -> str:
    """A short report: counts, pairs, speed, and every failure.

    Args:
        results (Sequence[FlowResult]): The results of :func:`extract_many`.
        wall_seconds (float, optional): Elapsed time of the whole run; the
            speed is computed from it when given, otherwise from the summed
            per-video times.

    Returns:
        str: A multi-line summary.
    """
    counts = {s: sum(r.status == s for r in results)
              for s in ('done', 'skipped', 'failed')}
    warned = sum(bool(r.message) and r.status != 'failed' for r in results)
    pairs = sum(r.num_pairs for r in results)
    seconds = wall_seconds if wall_seconds is not None else sum(
        r.seconds for r in results)
    speed = f' ({pairs / seconds:.1f} pairs/s)' if seconds > 0 else ''
    lines = [f'{len(results)} videos: {counts["done"]} done, '
             f'{counts["skipped"]} skipped, {counts["failed"]} failed, '
             f'{warned} with warnings; {pairs} flow pairs in '
             f'{seconds:.1f} s{speed}']
    lines += [f'  {"failed" if r.status == "failed" else "warning"}: '
              f'{r.message}' for r in results if r.message]
    return '\n'.join(lines)

