#!/usr/bin/env python
# Copyright (c) fsat contributors. All rights reserved.
"""FLOPs and parameters of a config's model, distillers included.

For a plain model (a recognizer) it counts one forward pass on one clip.
For a distiller it counts separately

* the **student** alone: the model that is deployed (``export_student.py``)
  and what its test time costs;
* each **teacher** on its own input: the extra forward cost every transfer
  step pays on top of the student's (frozen teachers run forward only;
  with ``TeacherFeatureCacheHook`` in the config the teachers run once per
  sample, when the cache is filled, and no more).

Counting is MMEngine's :class:`mmengine.analysis.FlopAnalyzer` (fvcore's
rules): one multiply-add is one FLOP; convolutions, linear layers, matrix
products and normalisations are counted, element-wise activations and
pooling of 3-D inputs are not. Bias additions are not counted. The data
preprocessor (normalisation) is left out. A recognizer is run through
backbone, neck and head (``mode='tensor', stage='head'``).

mmaction2's ``tools/analysis_tools/get_flops.py`` (not installed with the
mmaction2 package) builds ``cfg.model`` (loading a distiller's teacher
checkpoints) and counts its ``extract_feat``: a distiller has none (the tool
raises ``NotImplementedError``), and a recognizer's stops before the
classification head (default ``stage='neck'``). Hence this tool.

Examples:
    python tools/analysis/get_flops.py configs/distill/flow2depth_v2c.py
    python tools/analysis/get_flops.py CONFIG --shape 3 16 112 112 \
        --teacher-shape flow=2,16,112,112
    python tools/analysis/get_flops.py \
        configs/finetune/skeleton_stgcn_ntu60_xview.py --shape 2 300 25 3
"""
import argparse
import logging
from typing import Dict, List, Optional, Sequence, Tuple

import torch
from mmengine.config import DictAction
from mmengine.logging import MMLogger, print_log
from torch import nn

from fsat.utils.cli import FsatUserError, run_cli

#: Default clip of a 3-D CNN when --shape is not given: the FSAT paper's
#: 16 frames of 112 x 112 (the input channels are the model's own).
DEFAULT_CLIP = (16, 112, 112)


class _Forward(nn.Module):
    """One model's forward pass as a module taking one tensor."""

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, x: torch.Tensor):
        from mmaction.models.recognizers import BaseRecognizer
        from mmengine.model import BaseModel
        if isinstance(self.model, BaseRecognizer):
            # [N, num_clips, ...] -> backbone, neck and classification head
            return self.model(x.unsqueeze(1), mode='tensor', stage='head')
        if isinstance(self.model, BaseModel):
            return self.model(x, mode='tensor')
        return self.model(x)


def count(model: nn.Module, shape: Sequence[int]) -> Dict[str, int]:
    """FLOPs (multiply-adds) and parameters of one forward of ``model``.

    Args:
        model (nn.Module): A recognizer, another MMEngine model (run with
            ``mode='tensor'``) or a plain module.
        shape (Sequence[int]): Input of one sample without the batch
            dimension, e.g. ``(3, 16, 112, 112)``.

    Returns:
        dict: ``flops`` and ``params`` (ints), ``unsupported`` (op name ->
        number of calls that were not counted).
    """
    from mmengine.analysis import FlopAnalyzer
    model = model.eval()
    param = next(iter(model.parameters()), None)
    device = param.device if param is not None else torch.device('cpu')
    inputs = torch.randn(1, *shape, device=device)
    analyzer = FlopAnalyzer(_Forward(model), (inputs, ))
    analyzer.unsupported_ops_warnings(False)
    analyzer.uncalled_modules_warnings(False)
    analyzer.tracer_warnings('none')
    try:
        with torch.no_grad():
            flops = analyzer.total()
    except RuntimeError as e:
        first = str(e).strip().splitlines()[0] if str(e).strip() else ''
        raise FsatUserError(
            f'{type(model).__name__} did not run on one sample of shape '
            f'{tuple(shape)} (check --shape): {first}') from None
    return dict(
        flops=int(flops),
        params=sum(p.numel() for p in model.parameters()),
        unsupported=dict(analyzer.unsupported_ops()))


def default_shape(model: nn.Module) -> Tuple[int, ...]:
    """``(C, 16, 112, 112)`` for a model whose first layer is a Conv3d."""
    first = next((m for m in model.modules()
                  if isinstance(m, (nn.Conv1d, nn.Conv2d, nn.Conv3d))), None)
    if isinstance(first, nn.Conv3d):
        return (first.in_channels, ) + DEFAULT_CLIP
    raise FsatUserError(
        f'cannot guess the input shape of {type(model).__name__}: give '
        '--shape (one sample, e.g. C T H W for a 3-D CNN or M T V C for a '
        'skeleton model)')


def parse_teacher_shapes(items: Optional[List[str]]) -> Dict[str, tuple]:
    """``['flow=2,16,112,112']`` -> ``{'flow': (2, 16, 112, 112)}``."""
    shapes = {}
    for item in items or []:
        name, sep, dims = item.partition('=')
        try:
            shape = tuple(int(d) for d in dims.split(','))
        except ValueError:
            shape = ()
        if not sep or not name or not shape or min(shape) < 1:
            raise FsatUserError(
                f'--teacher-shape {item!r}: expected NAME=D1,D2,... with '
                'positive integers, e.g. flow=2,16,112,112')
        shapes[name] = shape
    return shapes


def analyse(model: nn.Module,
            shape: Optional[Sequence[int]] = None,
            teacher_shapes: Optional[Dict[str, Sequence[int]]] = None
            ) -> List[dict]:
    """One row per part: the model (or a distiller's student) and each
    teacher.

    A teacher's input defaults to the student's shape with the teacher's
    own input channels (e.g. 2 for optical flow) when both are 3-D CNNs.

    Returns:
        list[dict]: ``part``, ``shape``, ``flops``, ``params``,
        ``unsupported`` per part; the student (or the model) first.
    """
    from fsat.models.distillers import BaseDistiller
    teacher_shapes = dict(teacher_shapes or {})
    if not isinstance(model, BaseDistiller):
        if teacher_shapes:
            raise FsatUserError('--teacher-shape is for distillers; this '
                                f'model is a {type(model).__name__}')
        shape = tuple(shape or default_shape(model))
        return [dict(part='model', shape=shape, **count(model, shape))]
    student_shape = tuple(shape or default_shape(model.student))
    rows = [dict(part='student', shape=student_shape,
                 **count(model.student, student_shape))]
    unknown = sorted(set(teacher_shapes) - set(model.teachers))
    if unknown:
        raise FsatUserError(
            f'--teacher-shape names no teacher: {", ".join(unknown)}; the '
            f'teachers are {", ".join(model.teachers)}')
    for name, teacher in model.teachers.items():
        t_shape = teacher_shapes.get(name)
        if t_shape is None:
            channels = default_shape(teacher)[0]
            t_shape = (channels, ) + student_shape[1:]
        spec = model.teacher_specs[name]
        role = 'trainable' if spec.trainable else 'frozen, forward only'
        rows.append(dict(part=f'teacher {name} ({role})', shape=tuple(t_shape),
                         **count(teacher, t_shape)))
    return rows


def human(n: float) -> str:
    for unit, size in (('G', 1e9), ('M', 1e6), ('K', 1e3)):
        if abs(n) >= size:
            return f'{n / size:.2f} {unit}'
    return f'{n:.0f}'


def report(rows: List[dict], cached: bool) -> str:
    lines = ['| part | input (one sample) | FLOPs | params |',
             '| --- | --- | --- | --- |']
    for r in rows:
        shape = 'x'.join(str(d) for d in r['shape'])
        lines.append(f"| {r['part']} | {shape} | {human(r['flops'])} "
                     f"({r['flops']}) | {human(r['params'])} "
                     f"({r['params']}) |")
    if len(rows) > 1:
        student = rows[0]['flops']
        extra = sum(r['flops'] for r in rows[1:])
        ratio = f' = {extra / student:.2f} x the student' if student else ''
        lines.append('')
        lines.append(f'transfer step, extra forward cost of the teachers per '
                     f'sample: {human(extra)} ({extra}){ratio}')
        lines.append('a teacher fed a whole video (video-level targets, '
                     'e.g. v2c) costs its row times the number of clips')
        if cached:
            lines.append('(the config caches teacher features: teachers run '
                         'once per sample, when the cache is filled)')
        lines.append('deployed model (export_student.py): the student row')
    skipped = sorted({op for r in rows for op in r['unsupported']})
    if skipped:
        lines.append('not counted (no FLOP rule): ' + ', '.join(skipped))
    lines.append('FLOPs are multiply-adds (MMEngine FlopAnalyzer); the data '
                 'preprocessor is not counted.')
    return '\n'.join(lines)


def build_model(cfg) -> nn.Module:
    """Build ``cfg.model`` without loading teacher checkpoints."""
    from mmengine.registry import DefaultScope

    from fsat.registry import MODELS
    model_cfg = cfg.model.to_dict() if hasattr(cfg.model, 'to_dict') \
        else dict(cfg.model)
    for teacher in (model_cfg.get('teachers') or {}).values():
        if isinstance(teacher, dict):
            teacher['checkpoint'] = None  # weights do not change the count
    logger = MMLogger.get_current_instance()
    level = logger.level
    logger.setLevel(logging.ERROR)  # "frozen teacher without checkpoint"
    try:
        with DefaultScope.overwrite_default_scope(
                cfg.get('default_scope') or 'fsat'):
            return MODELS.build(model_cfg)
    finally:
        logger.setLevel(level)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='FLOPs and parameters of a model; for a distiller, of '
        'the student alone and of each teacher')
    parser.add_argument('config', help='config file path')
    parser.add_argument(
        '--shape',
        type=int,
        nargs='+',
        help='input of one sample without the batch dimension: C T H W '
        '(default: the model\'s input channels x 16 x 112 x 112) or M T V '
        'C for a skeleton model')
    parser.add_argument(
        '--teacher-shape',
        nargs='+',
        metavar='NAME=D1,D2,...',
        help='input of one sample of a teacher (default: --shape with the '
        "teacher's input channels)")
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings')
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    if args.shape is not None and min(args.shape) < 1:
        raise FsatUserError(f'--shape must be positive, got {args.shape}')
    from fsat.apis import load_config
    cfg = load_config(args.config, args.cfg_options)
    if not cfg.get('model'):
        raise FsatUserError(f'{args.config} has no model')
    model = build_model(cfg)
    rows = analyse(model, args.shape, parse_teacher_shapes(args.teacher_shape))
    cached = any(
        isinstance(h, dict) and h.get('type') == 'TeacherFeatureCacheHook'
        for h in cfg.get('custom_hooks') or [])
    print_log(f'{args.config}: {type(model).__name__}', logger='current',
              level=logging.INFO)
    print(report(rows, cached))


if __name__ == '__main__':
    run_cli(main, prog='get_flops')
