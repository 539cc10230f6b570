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
from typing import Callable, Iterable, List, Optional, Tuple


class FsatUserError(Exception):
    """An error caused by the user's input, reported as one line."""


#: Exception types that, raised while reading data, mean bad data or a
#: config that does not fit the data rather than a bug in fsat.
DATA_ERRORS = (ValueError, OSError, EOFError)

_WORKER = re.compile(r'^Caught (?P<type>\w+) in DataLoader worker process '
                     r'(?P<worker>\d+)\.\s*\nOriginal Traceback')
_EXC_LINE = re.compile(r'^(?P<type>[A-Za-z_][\w.]*)(?::(?: |$)|$)')

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
    worker = worker_error(exc)
    if worker is not None:
        name, message, index = worker
        if not _is_user_error_name(exc, name):
            return None
        return f'data loading failed in DataLoader worker {index}: {message}'
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
    if isinstance(exc, DATA_ERRORS) and _raised_by_dataset(exc):
        text = _one_line(text) or repr(exc)
        dataset, function = _dataset_in_traceback(exc)
        if function == '_serialize_data' and 'at least one array' in text:
            # MMEngine's words for a dataset without samples
            text = ('it has no samples: check its data_root, ann_file and '
                    'split')
        where = f'{dataset}: ' if dataset and dataset not in text else ''
        return f'{type(exc).__name__}: {where}{text}'
    return None


def worker_error(exc: BaseException) -> Optional[Tuple[str, str, int]]:
    """The original error of an exception re-raised from a DataLoader worker.

    Args:
        exc (BaseException): An exception caught in the main process.

    Returns:
        tuple | None: ``(type name, message, worker index)`` of the worker's
        own exception, e.g. ``('ValueError', 'ValueError: Depth map x.png is
        8-bit', 0)`` (an ``FsatUserError``'s message has no type name), or
        None if ``exc`` does not come from a worker.
    """
    text = exc.args[0] if exc.args and isinstance(exc.args[0], str) else ''
    match = _WORKER.match(text)
    if not match:
        return None
    lines = text[match.end():].rstrip().splitlines()
    # the worker's exception is the last line that starts with its type
    # (torch re-raises the same type when it can); else the last unindented
    # line that looks like ``Name: message``
    start = None
    for want in (match.group('type'), None):
        for i in range(len(lines) - 1, -1, -1):
            found = _EXC_LINE.match(lines[i])
            if found and (want is None or
                          found.group('type').split('.')[-1] == want):
                start = i
                break
        if start is not None:
            break
    if start is None:
        return match.group('type'), match.group('type'), int(
            match.group('worker'))
    name = _EXC_LINE.match(lines[start]).group('type').split('.')[-1]
    message = _one_line('\n'.join(lines[start:]))
    if isinstance(exc, FsatUserError):
        message = message.split(':', 1)[1].strip() or message
    else:
        message = name + message[len(_EXC_LINE.match(message).group('type')):]
    return name, message, int(match.group('worker'))


def _is_user_error_name(exc: BaseException, name: str) -> bool:
    """Whether the worker's exception ``name`` is a user error: fsat's own
    user errors, and the data errors :data:`DATA_ERRORS` (a worker only
    reads data)."""
    if isinstance(exc, FsatUserError):
        return True
    import builtins
    cls = getattr(builtins, name, None)
    if isinstance(cls, type) and issubclass(cls, DATA_ERRORS):
        return True
    return isinstance(exc, DATA_ERRORS) and type(exc).__name__ == name


def _raised_by_dataset(exc: BaseException) -> bool:
    """Whether ``exc`` was raised inside dataset code (a ``dataset`` or
    ``datasets`` package: fsat's, mmaction2's, MMEngine's)."""
    tb = exc.__traceback__
    while tb is not None:
        parts = tb.tb_frame.f_code.co_filename.replace('\\', '/').split('/')
        if 'datasets' in parts[:-1] or 'dataset' in parts[:-1]:
            return True
        tb = tb.tb_next
    return False


def _dataset_in_traceback(exc: BaseException) -> Tuple[str, str]:
    """``(name of the innermost dataset the error passed through, name of
    the function that raised it)``; the name is '' when no frame belongs to
    a dataset object."""
    name, function = '', ''
    tb = exc.__traceback__
    while tb is not None:
        obj = tb.tb_frame.f_locals.get('self')
        if hasattr(obj, 'load_data_list'):  # an MMEngine dataset
            where = [type(obj).__name__]
            for key in ('ann_file', 'data_root'):
                value = getattr(obj, key, '')
                if value and isinstance(value, str):
                    where.append(f'{key} {value}')
                    break
            name = where[0] + (f' ({where[1]})' if len(where) > 1 else '')
        function = tb.tb_frame.f_code.co_name
        tb = tb.tb_next
    return name, function


def _one_line(text: str) -> str:
    """``text`` with its lines joined by spaces."""
    return ' '.join(line.strip() for line in text.splitlines()
                    if line.strip())


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
    except BrokenPipeError:
        # the reader of stdout has gone (``tool | head``): stop quietly, as
        # Unix tools do; stdout is pointed at devnull so that Python's own
        # flush at exit does not raise again
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(141)  # 128 + SIGPIPE, what a shell reports for it
    except Exception as exc:  # every error gets a summary line
        message = describe_error(exc)
        debug = bool(os.environ.get('FSAT_DEBUG'))
        if message is None or debug:
            traceback.print_exc()
        if message is None:
            worker = worker_error(exc)
            first = (f'in DataLoader worker {worker[2]}: {worker[1]}'
                     if worker else _first_line(exc))
            message = f'{type(exc).__name__}: {first} (traceback above)'
            if worker and worker[0] == type(exc).__name__:
                message = f'{first} (traceback above)'

        print(f'fsat {prog}: error: {message}', file=sys.stderr)
        sys.exit(1)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else repr(exc)
