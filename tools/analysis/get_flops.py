#!/usr/bin/env python
# Copyright (c) fsat contributors. All rights reserved.
"""FLOPs and parameters of a config's model, distillers and models reading
several modalities included.

For a plain model (a recognizer) it counts one forward pass on one clip.
A model reading a dict of modalities (``VPNRecognizer``: RGB and the
skeleton of the same clip) is counted on one clip of each. For a distiller
it counts separately

* the **student** alone: the model that is deployed (``export_student.py``)
  and what its test time costs (its own modality only, e.g. RGB: the
  teachers play no part at test time);
* each **teacher** on its own input (one modality, or a dict of several):
  the extra forward cost every transfer step pays on top of the student's
  (frozen teachers run forward only; with ``TeacherFeatureCacheHook`` in
  the config the teachers run once per sample, when the cache is filled,
  and no more). ``--student-only`` skips them.

Input shapes (one sample, no batch dimension) come, in this order, from
``--shape`` (``C T H W``, or ``NAME=D1,D2,...`` per modality), from the
config's data (the model's and the student's from ``test_dataloader`` or,
failing that, the validation or training one; a teacher's from
``train_dataloader`` or, for a cached teacher, the cache hook's dataset:
clip length, the pipeline's crop / resize size, the number of persons of
``FormatGCNInput``, the channels and joints of the model), and for a 3-D
CNN from a default clip of 16 x 112 x 112. A model reading a dict of
modalities with no shape for one of them is an error naming it.

Counting is MMEngine's :class:`mmengine.analysis.FlopAnalyzer` (fvcore's
rules): one multiply-add is one FLOP; convolutions, linear layers, matrix
products and normalisations are counted, element-wise activations and
pooling of 3-D inputs are not. Bias additions are not counted. The data
preprocessor (normalisation) is left out. A recognizer is run through
backbone, neck and head (``mode='tensor', stage='head'``).

mmaction2's ``tools/analysis_tools/get_flops.py`` (not installed with the
mmaction2 package) builds ``cfg.model`` (loading a distiller's teacher
checkpoints) and counts its ``extract_feat`` on one tensor of a fixed
shape: a distiller has none (the tool raises ``NotImplementedError``), a
model reading a dict of modalities cannot be fed, and a recognizer's count
stops before the classification head (default ``stage='neck'``). Hence
this tool.

Examples:
    python tools/analysis/get_flops.py configs/distill/flow2depth_v2c.py
    python tools/analysis/get_flops.py CONFIG --shape 3 16 112 112 \
        --teacher-shape flow=2,16,112,112
    python tools/analysis/get_flops.py \
        configs/finetune/skeleton_stgcn_ntu60_xview.py --shape 2 300 25 3
    python tools/analysis/get_flops.py configs/vpn/vpn_star_synth.py \
        --shape rgb=3,16,64,64 skeleton=1,16,15,3
    python tools/analysis/get_flops.py configs/vpn/vpnpp_synth.py \
        --student-only
"""
import argparse
import logging
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
from mmengine.config import DictAction
from mmengine.logging import MMLogger, print_log
from torch import nn

from fsat.utils.cli import FsatUserError, run_cli

#: Default clip of a 3-D CNN when neither --shape nor the config gives one:
#: the FSAT paper's 16 frames of 112 x 112 (the input channels are the
#: model's own).
DEFAULT_CLIP = (16, 112, 112)

#: One sample's input: one tensor's shape, or modality -> shape.
Shape = Union[Tuple[int, ...], Dict[str, Tuple[int, ...]]]


class _Forward(nn.Module):
    """One model's forward pass as a module taking one tensor per input
    (modalities in ``names`` order, rebuilt into a dict for the model)."""

    def __init__(self, model: nn.Module,
                 names: Optional[Sequence[str]] = None) -> None:
        super().__init__()
        self.model = model
        self.names = tuple(names) if names else None

    def forward(self, *xs: torch.Tensor):
        from mmaction.models.recognizers import BaseRecognizer
        from mmengine.model import BaseModel
        if isinstance(self.model, BaseRecognizer):
            # [N, num_clips, ...] -> backbone, neck and classification head
            xs = tuple(x.unsqueeze(1) for x in xs)
        inputs = dict(zip(self.names, xs)) if self.names else xs[0]
        if isinstance(self.model, BaseRecognizer):
            return self.model(inputs, mode='tensor', stage='head')
        if isinstance(self.model, BaseModel):
            return self.model(inputs, mode='tensor')
        return self.model(inputs)


def shape_text(shape: Shape) -> str:
    """``3x16x64x64`` or ``rgb 3x16x64x64 + skeleton 1x16x15x3``."""
    if isinstance(shape, dict):
        return ' + '.join(f'{name} {shape_text(s)}'
                          for name, s in shape.items())
    return 'x'.join(str(d) for d in shape)


def count(model: nn.Module, shape: Shape) -> Dict[str, int]:
    """FLOPs (multiply-adds) and parameters of one forward of ``model``.

    Args:
        model (nn.Module): A recognizer, another MMEngine model (run with
            ``mode='tensor'``) or a plain module.
        shape (tuple | dict): Input of one sample without the batch
            dimension, e.g. ``(3, 16, 112, 112)``, or modality -> such a
            shape for a model reading a dict of modalities.

    Returns:
        dict: ``flops`` and ``params`` (ints), ``unsupported`` (op name ->
        number of calls that were not counted).
    """
    from mmengine.analysis import FlopAnalyzer
    model = model.eval()
    param = next(iter(model.parameters()), None)
    device = param.device if param is not None else torch.device('cpu')
    names = list(shape) if isinstance(shape, dict) else None
    shapes = [shape[n] for n in names] if names else [shape]
    inputs = tuple(torch.randn(1, *s, device=device) for s in shapes)
    analyzer = FlopAnalyzer(_Forward(model, names), inputs)
    analyzer.unsupported_ops_warnings(False)
    analyzer.uncalled_modules_warnings(False)
    analyzer.tracer_warnings('none')
    try:
        with torch.no_grad():
            flops = analyzer.total()
    except (RuntimeError, ValueError, TypeError) as e:
        first = str(e).strip().splitlines()[0] if str(e).strip() else ''
        raise FsatUserError(
            f'{type(model).__name__} did not run on one sample of shape '
            f'{shape_text(shape)} (check --shape): {first}') from None
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


def input_modalities(model: nn.Module) -> Optional[Tuple[str, ...]]:
    """The modalities of the dict a (non-distiller) model reads, or None
    when it reads one tensor."""
    rgb = getattr(model, 'rgb_modality', None)
    pose = getattr(model, 'pose_modality', None)
    if isinstance(rgb, str) and isinstance(pose, str):
        return (rgb, pose)  # VPNRecognizer
    names = getattr(getattr(model, 'data_preprocessor', None), 'modalities',
                    None)
    return tuple(names) if names else None


def _dims(text: str, what: str, example: str) -> Tuple[int, ...]:
    try:
        shape = tuple(int(d) for d in text.split(','))
    except ValueError:
        shape = ()
    if not shape or min(shape) < 1:
        raise FsatUserError(f'{what} {text!r}: expected positive integers '
                            f'D1,D2,..., e.g. {example}')
    return shape


def parse_shape(items: Optional[Sequence[str]]) -> Optional[Shape]:
    """``--shape`` values: ``['3', '16', '64', '64']`` -> ``(3, 16, 64,
    64)`` (one input) or ``['rgb=3,16,64,64', 'skeleton=1,16,15,3']`` ->
    ``{'rgb': (3, 16, 64, 64), 'skeleton': (1, 16, 15, 3)}``."""
    if not items:
        return None
    named = ['=' in item for item in items]
    if not any(named):
        return _dims(','.join(items), '--shape', '3 16 112 112')
    if not all(named):
        raise FsatUserError(
            f'--shape {" ".join(items)}: give either the dimensions of one '
            'input (3 16 112 112) or NAME=D1,D2,... per modality '
            '(rgb=3,16,64,64 skeleton=1,16,15,3), not both')
    shapes = {}
    for item in items:
        name, _, dims = item.partition('=')
        if not name:
            raise FsatUserError(f'--shape {item!r}: expected NAME=D1,D2,...')
        shapes[name] = _dims(dims, f'--shape {name}=', '3,16,112,112')
    return shapes


def parse_teacher_shapes(items: Optional[List[str]]) -> Dict[str, Shape]:
    """``['flow=2,16,112,112']`` -> ``{'flow': (2, 16, 112, 112)}``; a
    teacher reading several modalities takes ``NAME.MODALITY=...``:
    ``['vpn.rgb=3,16,64,64', 'vpn.skeleton=1,16,15,3']`` -> ``{'vpn':
    {'rgb': (3, 16, 64, 64), 'skeleton': (1, 16, 15, 3)}}``."""
    shapes: Dict[str, Shape] = {}
    for item in items or []:
        key, sep, dims = item.partition('=')
        try:
            shape = tuple(int(d) for d in dims.split(','))
        except ValueError:
            shape = ()
        name, dot, modality = key.partition('.')
        if (not sep or not name or (dot and not modality) or not shape
                or min(shape) < 1):
            raise FsatUserError(
                f'--teacher-shape {item!r}: expected NAME=D1,D2,... (or '
                'NAME.MODALITY=D1,D2,... for a teacher reading several '
                'modalities) with positive integers, e.g. flow=2,16,112,112')
        if dot:
            if isinstance(shapes.get(name), tuple):
                raise FsatUserError(
                    f'--teacher-shape gives {name} both one shape and a '
                    f'shape for its modality {modality!r}')
            shapes.setdefault(name, {})[modality] = shape
        else:
            if isinstance(shapes.get(name), dict):
                raise FsatUserError(
                    f'--teacher-shape gives {name} both one shape and '
                    'shapes per modality')
            shapes[name] = shape
    return shapes


# ----------------------------------------------- shapes from the config data
def _unwrap_dataset(loader) -> Optional[dict]:
    """The dataset config of a data loader config, through dataset
    wrappers (``RepeatDataset`` and the like)."""
    dataset = loader.get('dataset') if isinstance(loader, dict) else None
    while isinstance(dataset, dict) and isinstance(
            dataset.get('dataset'), dict):
        dataset = dataset['dataset']
    return dataset if isinstance(dataset, dict) else None


def _image_size(pipeline: Sequence[dict]) -> Optional[Tuple[int, int]]:
    """``(H, W)`` at the end of ``pipeline``, or None when unknown (e.g.
    a resize keeping the aspect ratio with no crop after it)."""
    size = None
    for t in pipeline:
        kind = str(t.get('type', '')).split('.')[-1]
        if kind == 'Resize':
            scale = t.get('scale')
            fixed = (isinstance(scale, (tuple, list)) and len(scale) == 2
                     and min(scale) > 0 and not t.get('keep_ratio', True))
            size = (int(scale[1]), int(scale[0])) if fixed else None
        elif kind in ('CenterCrop', 'ThreeCrop', 'TenCrop', 'RandomCrop'):
            crop = t.get('crop_size', t.get('size'))
            if isinstance(crop, int):
                size = (crop, crop)
            elif isinstance(crop, (tuple, list)) and len(crop) == 2:
                size = (int(crop[1]), int(crop[0]))  # (w, h)
            else:
                size = None
        elif kind == 'MultiScaleCrop':
            crop = t.get('input_size')
            size = ((crop, crop) if isinstance(crop, int) else
                    (int(crop[1]), int(crop[0])) if crop else None)
        elif kind in ('RandomResizedCrop', 'PytorchVideoWrapper'):
            size = None
    return size


def _frames(dataset: dict, spec: dict, pipeline: Sequence[dict]
            ) -> Optional[int]:
    """Frames of one clip of a modality: a skeleton sequence's length, the
    pipeline's sampler's ``clip_len`` or the paired dataset's."""
    sampling = spec.get('sampling')
    if isinstance(sampling, dict) and sampling.get('length'):
        return int(sampling['length'])
    for t in pipeline:
        kind = str(t.get('type', '')).split('.')[-1]
        if kind in ('SampleFrames', 'UniformSampleFrames',
                    'UniformSample', 'DenseSampleFrames') and isinstance(
                        t.get('clip_len'), int):
            return t['clip_len']
    clip_len = dataset.get('clip_len')
    if isinstance(clip_len, int):
        return clip_len
    if 'modalities' not in dataset:
        return None
    # the paired dataset's own default
    import inspect

    from fsat.datasets import PairedModalityDataset
    return inspect.signature(
        PairedModalityDataset).parameters['clip_len'].default


def _input_module(model: nn.Module, modality: Optional[str]) -> nn.Module:
    """The part of ``model`` that reads ``modality`` (VPN's backbones)."""
    if modality is not None:
        if getattr(model, 'pose_modality', None) == modality:
            return model.pose_backbone
        if getattr(model, 'rgb_modality', None) == modality:
            return model.backbone
    return model


def _modality_shape(dataset: dict, spec: dict, model: nn.Module,
                    modality: Optional[str]) -> Optional[Tuple[int, ...]]:
    """One sample of one modality: ``(C, T, H, W)`` for a pipeline ending
    in ``FormatShape('NCTHW')``, ``(M, T, V, C)`` for one ending in
    ``FormatGCNInput``; None when the config or the model leaves a
    dimension open."""
    pipeline = [t for t in spec.get('pipeline') or [] if isinstance(t, dict)]
    kinds = {str(t.get('type', '')).split('.')[-1]: t for t in pipeline}
    frames = _frames(dataset, spec, pipeline)
    module = _input_module(model, modality)
    if 'FormatGCNInput' in kinds:
        graph = next((m for m in module.modules()
                      if hasattr(getattr(m, 'graph', None), 'A')
                      and isinstance(getattr(m, 'in_channels', None), int)),
                     None)
        if graph is None or frames is None:
            return None
        persons = kinds['FormatGCNInput'].get('num_person', 2)
        return (int(persons), frames, int(graph.graph.A.shape[-1]),
                graph.in_channels)
    fmt = kinds.get('FormatShape', {}).get('input_format')
    if fmt == 'NCTHW':
        size = _image_size(pipeline)
        conv = next((m for m in module.modules()
                     if isinstance(m, (nn.Conv2d, nn.Conv3d))), None)
        if size is None or frames is None or not isinstance(conv, nn.Conv3d):
            return None
        return (conv.in_channels, frames) + size
    return None


def data_shapes(loader, model: nn.Module) -> Dict[Optional[str], tuple]:
    """Per-sample input shapes the data of ``loader`` (a data loader or a
    hook's ``dict(dataset=...)``) gives ``model``: modality -> shape for
    a paired dataset (``modalities``), ``None`` -> shape for a plain one
    (``pipeline``). Modalities whose shape cannot be read are left out."""
    dataset = _unwrap_dataset(loader)
    if dataset is None:
        return {}
    modalities = dataset.get('modalities')
    if isinstance(modalities, dict):
        specs = {name: spec for name, spec in modalities.items()
                 if isinstance(spec, dict)}
    else:
        specs = {None: dict(pipeline=dataset.get('pipeline') or [])}
    shapes = {}
    for name, spec in specs.items():
        shape = _modality_shape(dataset, spec, model, name)
        if shape is not None:
            shapes[name] = shape
    return shapes


def _pick(shapes: Dict[Optional[str], tuple],
          modality: Optional[str]) -> Optional[tuple]:
    """The shape of ``modality`` in ``shapes``, or the only shape there
    (a single-modality model on a single-modality dataset)."""
    if modality in shapes:
        return shapes[modality]
    return next(iter(shapes.values())) if len(shapes) == 1 else None


def resolve_shape(model: nn.Module,
                  given: Optional[Shape],
                  config: Optional[Dict[Optional[str], tuple]],
                  modality: Optional[str] = None,
                  option: str = '--shape',
                  what: Optional[str] = None) -> Tuple[Shape, str]:
    """The input shape of ``model`` and where it came from.

    Args:
        model (nn.Module): The model (not a distiller).
        given (tuple | dict, optional): The command line's shape.
        config (dict, optional): Shapes read from the config's data
            (:func:`data_shapes`).
        modality (str, optional): The modality a single-input model reads
            in a paired batch (a distiller's student or teacher). Defaults
            to None.
        option (str): How errors name the option: ``'--shape'``, or
            ``'--teacher-shape NAME'`` for a teacher. Defaults to
            ``'--shape'``.
        what (str, optional): The model's name in errors.

    Returns:
        tuple: The shape (a tuple, or modality -> tuple) and its source
        (``'--shape'`` / ``'--teacher-shape'``, ``'config'`` or
        ``'default'``).
    """
    config = config or {}
    what = what or type(model).__name__
    flag, _, teacher = option.partition(' ')
    names = input_modalities(model)
    if names is None:
        if isinstance(given, dict):
            shape = given.get(modality) if modality else _pick(given, None)
            if shape is None:
                raise FsatUserError(
                    f'{flag} names {", ".join(given)} but {what} reads one '
                    f'input{f" ({modality!r})" if modality else ""}: give '
                    f'{flag} {modality or "NAME"}=D1,D2,...')
            return tuple(shape), flag
        if given is not None:
            return tuple(given), flag
        shape = _pick(config, modality)
        if shape is not None:
            return shape, 'config'
        if not teacher:
            return default_shape(model), 'default'
        raise FsatUserError(
            f'cannot guess the input shape of {what}: give {flag} '
            f'{teacher}=D1,D2,... (one sample, e.g. C,T,H,W for a 3-D CNN '
            'or M,T,V,C for a skeleton model)')
    prefix = f'{teacher}.' if teacher else ''
    if given is not None and not isinstance(given, dict):
        raise FsatUserError(
            f'{what} reads a dict of modalities ({", ".join(names)}): give '
            f'{flag} ' + ' '.join(f'{prefix}{n}=D1,D2,...' for n in names))
    given = given or {}
    unknown = sorted(set(given) - set(names))
    if unknown:
        raise FsatUserError(
            f'{flag} names {", ".join(unknown)}, which {what} does not '
            f'read (it reads {", ".join(names)})')
    shape, sources = {}, []
    for name in names:
        if name in given:
            shape[name], source = tuple(given[name]), flag
        elif name in config:
            shape[name], source = config[name], 'config'
        else:
            example = ('M,T,V,C' if getattr(model, 'pose_modality', None)
                       == name else 'C,T,H,W')
            raise FsatUserError(
                f'{what} reads {", ".join(names)}: no input shape for '
                f"{name!r} (the config's data does not give it); give "
                f'{flag} {prefix}{name}={example}')
        if source not in sources:
            sources.append(source)
    return shape, ' + '.join(sources)


def _is_3d(model: nn.Module) -> bool:
    """Whether the first convolution of ``model`` is a Conv3d."""
    first = next((m for m in model.modules()
                  if isinstance(m, (nn.Conv1d, nn.Conv2d, nn.Conv3d))), None)
    return isinstance(first, nn.Conv3d)


def _teacher_from_student(teacher: nn.Module, student: nn.Module,
                          student_shape: Shape) -> Optional[tuple]:
    """The student's clip with the teacher's input channels, when both are
    3-D CNNs reading one tensor (e.g. a flow teacher of a depth student)."""
    if (isinstance(student_shape, dict) or len(student_shape) != 4
            or input_modalities(teacher) is not None
            or not (_is_3d(teacher) and _is_3d(student))):
        return None
    return (default_shape(teacher)[0], ) + tuple(student_shape[1:])


def analyse(model: nn.Module,
            shape: Optional[Shape] = None,
            teacher_shapes: Optional[Dict[str, Shape]] = None,
            config_shapes: Optional[dict] = None,
            teachers: bool = True) -> List[dict]:
    """One row per part: the model (or a distiller's student) and each
    teacher.

    A teacher's input is, in this order, its ``teacher_shapes`` entry; the
    student's shape with the teacher's own input channels (e.g. 2 for
    optical flow) when both are 3-D CNNs reading one tensor; its shape in
    the config's training data.

    Args:
        model (nn.Module): A model or a distiller.
        shape (tuple | dict, optional): The model's (the student's) input
            of one sample, or modality -> shape.
        teacher_shapes (dict, optional): Teacher name -> shape (or
            modality -> shape).
        config_shapes (dict, optional): Shapes read from the config's data,
            as :func:`data_shapes` returns them: ``'test'`` for the model
            and the student, ``'teacher:<name>'`` for each teacher.
        teachers (bool): Count a distiller's teachers. Defaults to True.

    Returns:
        list[dict]: ``part``, ``shape``, ``source``, ``flops``,
        ``params``, ``unsupported`` per part; the student (or the model)
        first.
    """
    from fsat.models.distillers import BaseDistiller
    teacher_shapes = dict(teacher_shapes or {})
    config_shapes = dict(config_shapes or {})
    if not isinstance(model, BaseDistiller):
        if teacher_shapes:
            raise FsatUserError('--teacher-shape is for distillers; this '
                                f'model is a {type(model).__name__}')
        shape, source = resolve_shape(model, shape,
                                      config_shapes.get('test'))
        return [dict(part='model', shape=shape, source=source,
                     **count(model, shape))]
    student_shape, source = resolve_shape(
        model.student, shape, config_shapes.get('test'),
        modality=model.student_modality, what='the student')
    rows = [dict(part='student', shape=student_shape, source=source,
                 **count(model.student, student_shape))]
    if not teachers:
        return rows
    unknown = sorted(set(teacher_shapes) - set(model.teachers))
    if unknown:
        raise FsatUserError(
            f'--teacher-shape names no teacher: {", ".join(unknown)}; the '
            f'teachers are {", ".join(model.teachers)}')
    for name, teacher in model.teachers.items():
        spec = model.teacher_specs[name]
        given = teacher_shapes.get(name)
        derived = None if given is not None else _teacher_from_student(
            teacher, model.student, student_shape)
        if derived is not None:
            t_shape, t_source = derived, 'student shape'
        else:
            modality = (spec.modality
                        if isinstance(spec.modality, str) else None)
            try:
                t_shape, t_source = resolve_shape(
                    teacher, given, config_shapes.get(f'teacher:{name}'),
                    modality=modality, option=f'--teacher-shape {name}',
                    what=f'teacher {name}')
            except FsatUserError as e:
                raise FsatUserError(
                    f'{e} (or --student-only: the test-time cost)') from None
        role = 'trainable' if spec.trainable else 'frozen, forward only'
        rows.append(dict(part=f'teacher {name} ({role})', shape=t_shape,
                         source=t_source, **count(teacher, t_shape)))
    return rows


def human(n: float) -> str:
    for unit, size in (('G', 1e9), ('M', 1e6), ('K', 1e3)):
        if abs(n) >= size:
            return f'{n / size:.2f} {unit}'
    return f'{n:.0f}'


def report(rows: List[dict], cached: bool, distiller: bool = False,
           student_modality: Optional[str] = None) -> str:
    """The table of ``rows`` and what they mean.

    Args:
        rows (list[dict]): :func:`analyse`'s rows.
        cached (bool): Whether the config caches teacher features.
        distiller (bool): Whether the rows are a distiller's (the first is
            its student). Defaults to False.
        student_modality (str, optional): The student's input modality.

    Returns:
        str: The report.
    """
    lines = ['| part | input (one sample) | FLOPs | params | input from |',
             '| --- | --- | --- | --- | --- |']
    for r in rows:
        lines.append(f"| {r['part']} | {shape_text(r['shape'])} | "
                     f"{human(r['flops'])} ({r['flops']}) | "
                     f"{human(r['params'])} ({r['params']}) | "
                     f"{r.get('source', '')} |")
    lines.append('')
    if distiller:
        reads = f" on its {student_modality} input" if student_modality \
            else ''
        lines.append(
            f"test time: the student alone{reads} (the deployed model, "
            f"export_student.py; teachers are not run): "
            f"{human(rows[0]['flops'])} FLOPs, {human(rows[0]['params'])} "
            'params per sample')
    if len(rows) > 1:
        student = rows[0]['flops']
        extra = sum(r['flops'] for r in rows[1:])
        ratio = f' = {extra / student:.2f} x the student' if student else ''
        lines.append(f'transfer step, extra forward cost of the teachers per '
                     f'sample: {human(extra)} ({extra}){ratio}')
        lines.append('a teacher fed a whole video (video-level targets, '
                     'e.g. v2c) costs its row times the number of clips')
        if cached:
            lines.append('(the config caches teacher features: teachers run '
                         'once per sample, when the cache is filled)')
    elif distiller:
        lines.append('teachers not counted (--student-only)')
    skipped = sorted({op for r in rows for op in r['unsupported']})
    if skipped:
        lines.append('not counted (no FLOP rule): ' + ', '.join(skipped))
    lines.append('FLOPs are multiply-adds (MMEngine FlopAnalyzer); the data '
                 'preprocessor is not counted; a video tested clip by clip '
                 'costs the row times its number of clips.')
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


def config_data_shapes(cfg, model: nn.Module) -> dict:
    """Input shapes the config's data gives each part of ``model``:
    ``'test'`` for the model or a distiller's student (``test_dataloader``,
    else ``val_dataloader``, else ``train_dataloader``) and
    ``'teacher:<name>'`` for each teacher (a cached teacher: its
    ``TeacherFeatureCacheHook``'s dataset; others: ``train_dataloader``),
    each as :func:`data_shapes` returns them."""
    from fsat.models.distillers import BaseDistiller
    loader = (cfg.get('test_dataloader') or cfg.get('val_dataloader')
              or cfg.get('train_dataloader'))
    student = model.student if isinstance(model, BaseDistiller) else model
    shapes = dict(test=data_shapes(loader, student))
    if isinstance(model, BaseDistiller):
        hooks = {
            h.get('teacher'): h
            for h in cfg.get('custom_hooks') or []
            if isinstance(h, dict)
            and h.get('type') == 'TeacherFeatureCacheHook'
        }
        for name, teacher in model.teachers.items():
            source = hooks.get(name) if model.teacher_specs[name].cached \
                else None
            shapes[f'teacher:{name}'] = data_shapes(
                source or cfg.get('train_dataloader'), teacher)
    return shapes


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='FLOPs and parameters of a model; for a distiller, of '
        'the student alone (the test-time cost) and of each teacher')
    parser.add_argument('config', help='config file path')
    parser.add_argument(
        '--shape',
        nargs='+',
        metavar='D | NAME=D1,D2,...',
        help='input of one sample without the batch dimension: C T H W '
        'for a 3-D CNN or M T V C for a skeleton model; NAME=D1,D2,... '
        'per modality for a model reading several (e.g. rgb=3,16,64,64 '
        "skeleton=1,16,15,3). Default: the config's test data (clip "
        'length, crop size, persons; channels and joints of the model), '
        "else the model's input channels x 16 x 112 x 112")
    parser.add_argument(
        '--teacher-shape',
        nargs='+',
        metavar='NAME[.MODALITY]=D1,D2,...',
        help='input of one sample of a teacher (NAME.MODALITY=... for a '
        "teacher reading several modalities). Default: --shape with the "
        "teacher's input channels for 3-D CNNs, else the config's training "
        "data (a cached teacher's: its TeacherFeatureCacheHook's dataset)")
    parser.add_argument(
        '--student-only',
        action='store_true',
        help="a distiller's student alone: the test-time cost")
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings')
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    shape = parse_shape(args.shape)
    teacher_shapes = parse_teacher_shapes(args.teacher_shape)
    from fsat.apis import load_config
    cfg = load_config(args.config, args.cfg_options)
    if not cfg.get('model'):
        raise FsatUserError(f'{args.config} has no model')
    model = build_model(cfg)
    from fsat.models.distillers import BaseDistiller
    distiller = isinstance(model, BaseDistiller)
    if args.student_only and not distiller:
        raise FsatUserError('--student-only is for distillers; this model '
                            f'is a {type(model).__name__}')
    rows = analyse(model, shape, teacher_shapes,
                   config_data_shapes(cfg, model),
                   teachers=not args.student_only)
    cached = any(
        isinstance(h, dict) and h.get('type') == 'TeacherFeatureCacheHook'
        for h in cfg.get('custom_hooks') or [])
    print_log(f'{args.config}: {type(model).__name__}', logger='current',
              level=logging.INFO)
    print(report(rows, cached, distiller,
                 getattr(model, 'student_modality', None)))


if __name__ == '__main__':
    run_cli(main, prog='get_flops')
