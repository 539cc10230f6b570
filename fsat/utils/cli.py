# Copyright (c) fsat contributors. All rights reserved.
"""Command-line error handling shared by the tools.

A user's mistake (a config path that does not exist, an unknown ``type``, a
missing checkpoint, ...) ends a tool with one line saying what is wrong,
instead of a long traceback. Unexpected errors still print their traceback,
followed by the same one-line summary. ``FSAT_DEBUG=1`` always shows the
traceback.
"""
import difflib
import os
import re
import sys
import traceback
from typing import Callable, Iterable, List, Optional


class FsatUserError(Exception):
    """An error caused by the user's input, reported as one line."""


_UNKNOWN_TYPE = re.compile(
    r"(?P<type>[\w.]+) is not in the (?:(?P<scope>\w+)::)?(?P<name>[\w ]+?) "
    r'registry')


def suggest(word: str, candidates: Iterable[str], n: int = 3) -> List[str]:
    """The closest names to ``word`` among ``candidates``."""
    return difflib.get_close_matches(word, sorted(set(candidates)), n=n,
                                     cutoff=0.6)


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """``' Did you mean X or Y?'``, or an empty string without a match."""
    close = suggest(word, candidates)
    if not close:
        return ''
    return ' Did you mean ' + ' or '.join(repr(c) for c in close) + '?'


def describe_error(exc: BaseException) -> Optional[str]:
    """One-line description of a user error, or None if it is unexpected.

    Args:
        exc (BaseException): The exception that ended the tool.

    Returns:
        str | None: The message to print, or None for a genuine bug.
    """
    if isinstance(exc, FsatUserError):
        return str(exc)
    if isinstance(exc, FileNotFoundError):
        path = exc.filename or str(exc)
        return f'file not found: {path}'
    text = str(exc)
    match = _UNKNOWN_TYPE.search(text)
    if match:
        from fsat.utils.config_check import registered_names
        kind = match.group('name')
        return (f"unknown type {match.group('type')!r}: it is not registered "
                f'in the {kind} registry.' +
                did_you_mean(match.group('type'), registered_names()) +
                ' Register it, or import its module with custom_imports.')
    if isinstance(exc, ImportError) and text.startswith(
            'Failed to import custom modules'):
        # MMEngine wraps the real error twice: find the innermost one
        while exc.__cause__ is not None or exc.__context__ is not None:
            exc = exc.__cause__ or exc.__context__
        text = f'custom_imports failed: {exc}'
    if isinstance(exc, ModuleNotFoundError):
        return (f'{text}. Make the package importable: pip install it, run '
                'from its parent folder, or add that folder to PYTHONPATH.')
    return None


def run_cli(main: Callable[[], object], prog: str) -> None:
    """Run a tool's ``main`` and turn user errors into one-line messages.

    Args:
        main (callable): The tool's entry function.
        prog (str): Name printed before the message, e.g. ``'train'``.
    """
    try:
        main()
    except KeyboardInterrupt:
        print(f'fsat {prog}: interrupted', file=sys.stderr)
        sys.exit(130)
    except SystemExit:
        raise
    except Exception as exc:  # every error gets a summary line
        message = describe_error(exc)
        debug = bool(os.environ.get('FSAT_DEBUG'))
        if message is None or debug:
            traceback.print_exc()
        if message is None:
            message = (f'{type(exc).__name__}: {_first_line(exc)} '
                       '(traceback above)')
        print(f'fsat {prog}: error: {message}', file=sys.stderr)
        sys.exit(1)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else repr(exc)
