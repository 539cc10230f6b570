# Copyright (c) fsat contributors. All rights reserved.
"""Supervision transfer (Gupta, Hoffman, Malik, CVPR 2016).

A 2-D network for an unlabeled modality (depth as HHA, optical flow)
learns, on paired images, to reproduce a frozen RGB network's mid-level
map (``pool5`` by default) through a small adaptation ``t``::

    I_s (rgb) ─► teacher (frozen) ──tap──► phi(I_s)  [B, C_t, H_t, W_t] ─┐
    I_d (hha) ─► student ──tap──► psi(I_d) ─► t: 1x1 conv + ReLU ─► scale │
                          [B, C_s, H_s, W_s]  (─► pad/crop to H_t x W_t) ─┴► f

    min  sum_i f(t(psi(I_d_i)), phi(I_s_i)),   f = squared L2

No labels and no classifier are involved: the student is a plain 2-D
backbone (:class:`~fsat.models.AlexNetTrunk`, :class:`~fsat.models.VGGTrunk`,
mmaction2's 2-D ``ResNet``, ...), whose transferred layers later initialise
a detector (:class:`~fsat.models.FastRCNN2D`). The teacher's maps come
``'online'`` or from a ``'cache'`` of them, one map per image id, built
once by :class:`~fsat.engine.TeacherFeatureCacheHook` (optionally in
float16). mmaction2, MMEngine and MMRazor have no distiller for a
backbone student matching a teacher's spatial map across modalities and
architectures (adaptation, norm scaling, spatial matching, cached maps),
hence this module.
"""
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
from mmengine.structures import BaseDataElement

from fsat.models.connectors import (
    BaseConnector,
    SpatialMatchConnector,
    build_connector,
)
from fsat.models.errors import ModelConfigError
from fsat.registry import MODELS

from .base import BaseDistiller, _model_device
from .teacher import load_teacher_checkpoint, resolve_teacher_model

__all__ = ['SupervisionTransferDistiller']

TEACHER = 'teacher'
TEACHER_SOURCES = ('online', 'cache')
#: The student's map after the adaptation (a derived feature).
ADAPTED = 'student.adapted'
#: Keys a ``teacher`` dict may hold.
TEACHER_KEYS = ('model', 'config', 'checkpoint', 'modality', 'prefix')


def _check_teacher_name(teacher: str) -> None:
    if teacher != TEACHER:
        raise ValueError(f'SupervisionTransferDistiller has one teacher, '
                         f'named {TEACHER!r}, not {teacher!r}')


def _parse_match(spatial_match) -> Optional[dict]:
    """``None``, a mode name or ``dict(mode=..., pad_value=...)``."""
    if spatial_match is None:
        return None
    cfg = (dict(mode=spatial_match)
           if isinstance(spatial_match, str) else spatial_match)
    if not isinstance(cfg, dict) or not set(cfg) <= {'mode', 'pad_value'}:
        raise ModelConfigError(
            'SupervisionTransferDistiller: spatial_match must be None, '
            f"'pad_crop', 'resize' or dict(mode=..., pad_value=0.0), got "
            f'{spatial_match!r}')
    try:
        SpatialMatchConnector(size=1, **cfg)
    except ValueError as e:
        raise ModelConfigError(
            f'SupervisionTransferDistiller: spatial_match: {e}') from None
    return dict(cfg)


def _hw(size) -> Tuple[int, int]:
    if isinstance(size, int) and not isinstance(size, bool):
        size = (size, size)
    if (not isinstance(size, (tuple, list)) or len(size) != 2 or any(
            isinstance(s, bool) or not isinstance(s, int) or s < 1
            for s in size)):
        raise ModelConfigError(
            'SupervisionTransferDistiller: input_size must be a positive '
            f'int or (H, W), got {size!r}')
    return tuple(size)


def _size_text(shape) -> str:
    return 'x'.join(str(int(s)) for s in shape)


@MODELS.register_module()
class SupervisionTransferDistiller(BaseDistiller):
    """Gupta et al.'s transfer step: a 2-D student matches a frozen RGB
    teacher's map through an adaptation; no labels.

    Each step: the student's tapped map (``student_layer``) goes through
    the adaptation ``t`` (by default a 1x1 convolution + ReLU to the
    teacher's channels, then a learnable scale, init 1), is brought to the
    teacher map's ``H x W`` when ``spatial_match`` is set, and is compared
    with the teacher's tapped map (``teacher_layer``) by ``loss``, logged
    as ``distill.loss_transfer``. Two taps of different spatial sizes
    without any matching are a :class:`ModelConfigError` naming both sizes:
    when the model is built if ``input_size`` is given, else on the first
    batch.

    **Inputs.** A dict batch ``{teacher modality: [B, 3, H, W],
    student_modality: [B, C, H, W]}`` (e.g. ``rgb`` and ``hha`` or
    ``flow``). The default data preprocessor stacks each modality without
    normalising it (a ``PairedDataPreprocessor`` of one
    ``Det2DDataPreprocessor`` per modality); give your own to normalise.

    **Teacher source.** ``'online'`` runs the teacher on every batch.
    ``'cache'`` reads its maps by sample id (``sample_id_key`` in each
    data sample's metainfo, ``'img_id'`` for fsat's 2-D datasets) from a
    cache filled before the first step by ``TeacherFeatureCacheHook``
    (which reads the ids under the same key), so training batches need
    not carry the teacher's modality; a flipped sample is refused there
    (the cached map is the unflipped image's).

    **Predict** (validation, test) returns the data samples (new
    ``BaseDataElement`` s when none are given), each with the held-out
    transfer error of its image: ``transfer_l2`` (``sum_{C,H,W} (t(s) -
    phi)^2``, whatever the training loss's reduction and weight),
    ``target_sq_norm`` (``sum phi^2``) and ``num_elements`` (``C * H * W``).
    :class:`~fsat.evaluation.metrics.TransferL2Metric` averages them. The
    teacher runs online when the batch carries its modality, else its
    cached map is used.
    ``mode='tensor'`` returns the student backbone's own output.

    Args:
        student (dict): Config of the student 2-D backbone (e.g.
            ``dict(type='AlexNetTrunk', in_channels=3, conv1_padding=7)``
            for HHA). A recognizer works too but its head is never used.
        teacher (dict): ``dict(model=<2-D backbone config> (or config=<its
            training config>), checkpoint=<weights>, modality='rgb',
            prefix=None)``; frozen. ``prefix`` loads only the checkpoint's
            keys under it (e.g. ``'backbone.'`` of a detector's or a
            recognizer's checkpoint), else every key must match. A teacher
            loading its own ``pretrained`` file needs no ``checkpoint``.
        student_layer (str | dict): Tap of the student's map: a module
            path (a trunk's layer name: ``'pool5'``, ``'conv5'``; a ResNet
            stage: ``'layer4'``) or ``dict(path=..., dim=<channels>)``.
            Defaults to ``'pool5'``.
        teacher_layer (str | dict): Tap of the teacher's map. Defaults to
            ``'pool5'``.
        adaptation (dict | list, optional): Connector config(s) ``t`` on
            the student's map. Defaults to None: ``[ConvAdaptConnector(
            C_s -> C_t, relu=True), ScaleConnector(scale=1.0)]``, with the
            channels taken from the taps (a trunk's ``layer_info`` or a
            tap's ``dim``). ``[]``: none (the maps must have equal
            channels). A ``SpatialMatchConnector`` in it counts as spatial
            matching.
        spatial_match (str | dict, optional): Bring the adapted map to the
            teacher map's ``H x W``: ``'pad_crop'`` (centred zero padding
            or cropping, the paper's padding), ``'resize'`` (bilinear), or
            ``dict(mode=..., pad_value=0.0)``. Defaults to None: the two
            taps must have the same spatial size.
        loss (dict): Loss on ``(feat_s, feat_t)``. Defaults to
            ``dict(type='SquaredL2Loss', reduction='sum')``
            (:class:`~fsat.models.losses.SquaredL2Loss`): the squared
            L2 distance of each pair, averaged over the batch.
        teacher_source (str): ``'online'`` or ``'cache'``. Defaults to
            ``'online'``.
        student_modality (str): The student's batch input. Defaults to
            ``'hha'``.
        sample_id_key (str): Metainfo key of a sample's id, to look up
            cached maps. Defaults to ``'img_id'``.
        input_size (int | tuple, optional): ``(H, W)`` of the training
            images: the taps' spatial sizes are then checked when the
            model is built (one forward of each network on zeros).
            Defaults to None (checked on the first batch).
        freeze_student (Sequence[str]): Student module paths without
            gradient (e.g. layers after the tapped one). Defaults to ().
        data_preprocessor (dict, optional): Defaults to the unnormalised
            stacking described above.
        init_cfg (dict, optional): MMEngine weight initialisation.
    """

    def __init__(self,
                 student: dict,
                 teacher: dict,
                 student_layer: Union[str, dict] = 'pool5',
                 teacher_layer: Union[str, dict] = 'pool5',
                 adaptation: Optional[Union[dict, list]] = None,
                 spatial_match: Optional[Union[str, dict]] = None,
                 loss: dict = dict(type='SquaredL2Loss', reduction='sum'),
                 teacher_source: str = 'online',
                 student_modality: str = 'hha',
                 sample_id_key: str = 'img_id',
                 input_size: Optional[Union[int, Sequence[int]]] = None,
                 freeze_student: Sequence[str] = (),
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        if teacher_source not in TEACHER_SOURCES:
            raise ModelConfigError(
                f'SupervisionTransferDistiller: teacher_source must be one '
                f'of {TEACHER_SOURCES}, got {teacher_source!r}')
        if not isinstance(teacher, dict):
            raise ModelConfigError(
                'SupervisionTransferDistiller: teacher must be dict(model='
                f"..., checkpoint=..., modality='rgb'), got {teacher!r}")
        unknown = sorted(set(teacher) - set(TEACHER_KEYS))
        if unknown:
            raise ModelConfigError(
                f'SupervisionTransferDistiller: teacher takes '
                f'{", ".join(TEACHER_KEYS)}, not {", ".join(unknown)} (the '
                "teacher is frozen; teacher_source='cache' caches it)")
        if not isinstance(loss, dict):
            raise ModelConfigError(
                'SupervisionTransferDistiller: loss must be a loss config '
                f'dict, got {loss!r}')
        if not isinstance(sample_id_key, str) or not sample_id_key:
            raise ModelConfigError(
                'SupervisionTransferDistiller: sample_id_key must be a '
                f'metainfo key, got {sample_id_key!r}')
        teacher = resolve_teacher_model(TEACHER, dict(teacher))
        teacher.setdefault('modality', 'rgb')
        prefix = teacher.pop('prefix', None)
        # a prefix without a checkpoint is a config whose checkpoint is
        # given later (--cfg-options, a pipeline): the base warns that the
        # frozen teacher keeps its initial weights
        if prefix is not None and not isinstance(prefix, str):
            raise ModelConfigError(
                'SupervisionTransferDistiller: teacher.prefix must be a '
                f"str such as 'backbone.', got {prefix!r}")
        # read by _setup_teacher, which the base calls while being built
        self._teacher_prefix = prefix
        self._match_cfg = _parse_match(spatial_match)
        self.teacher_source = teacher_source
        self.sample_id_key = sample_id_key
        self._teacher_cache = None
        self._matchers: Dict[Tuple[int, int], SpatialMatchConnector] = {}
        if data_preprocessor is None:
            modalities = [teacher['modality'], student_modality]
            data_preprocessor = dict(
                type='PairedDataPreprocessor',
                preprocessors={
                    m: dict(type='Det2DDataPreprocessor')
                    for m in modalities
                },
                # test batches carry the student's input only; training
                # batches of a cached teacher, and the cache's view, one
                optional=modalities)
        super().__init__(
            student=student,
            teachers={TEACHER: teacher},
            distill_losses=dict(
                loss_transfer=dict(
                    loss, inputs=dict(feat_s=ADAPTED,
                                      feat_t=f'{TEACHER}.feat'))),
            taps=dict(student=dict(feat=student_layer),
                      teacher=dict(feat=teacher_layer)),
            connectors=None,
            student_modality=student_modality,
            freeze_student=freeze_student,
            derived_features={ADAPTED: f'{TEACHER}.feat'},
            data_preprocessor=data_preprocessor,
            init_cfg=init_cfg)
        for owner in ('student', TEACHER):
            self._check_tap_runs(owner)
        # the adaptation is applied by loss() itself (before the spatial
        # matching), so it is added after the base's wiring checks
        self.connectors['adapt'] = self._build_adaptation(adaptation)
        self.connectors['adapt'].train(self.training)
        self.matching = self._match_cfg is not None or any(
            isinstance(m, SpatialMatchConnector)
            for m in self.connectors['adapt'].modules())
        self.map_sizes: Optional[Tuple[Tuple[int, int], ...]] = None
        if input_size is not None:
            sizes = self.probe_sizes(input_size)
            self._check_sizes(*sizes, where=f' at input_size '
                              f'{_size_text(_hw(input_size))}')
            self.map_sizes = sizes

    # -------------------------------------------------------------- build
    def _setup_teacher(self, name: str, spec) -> None:
        """Load the teacher (under ``prefix`` if given) and freeze it; a
        teacher loading its own ``pretrained`` file needs no checkpoint."""
        teacher = self.teachers[name]
        if spec.checkpoint and self._teacher_prefix:
            load_teacher_checkpoint(teacher, spec.checkpoint, name,
                                    prefix=self._teacher_prefix)
            teacher.is_init = True
        elif not spec.checkpoint and spec.model.get('pretrained'):
            pass  # the backbone has loaded it
        else:
            super()._setup_teacher(name, spec)
            return
        teacher.requires_grad_(False)
        teacher.eval()

    def _tap(self, owner: str):
        return self.tap_managers[owner].taps['feat']

    def _owner_model(self, owner: str) -> nn.Module:
        return self.student if owner == 'student' else self.teachers[TEACHER]

    def _check_tap_runs(self, owner: str) -> None:
        """A 2-D trunk runs only up to its last ``out_layers``: a tap on a
        later layer would never fire."""
        model, tap = self._owner_model(owner), self._tap(owner)
        run = getattr(model, '_run', None)
        info = getattr(model, 'layer_info', None)
        if run is None or info is None or tap.path not in info:
            return
        if tap.path not in [name for name, _ in run]:
            raise ModelConfigError(
                f'SupervisionTransferDistiller: the {owner} tap '
                f'{tap.path!r} is after the last of its out_layers '
                f'{tuple(model.out_layers)}, so it never runs; add '
                f'{tap.path!r} to out_layers')

    def tap_channels(self, owner: str) -> Optional[int]:
        """Channels of the ``'student'`` or ``'teacher'`` tap, if known
        before a forward (a declared ``dim``, a convolution, or a trunk's
        ``layer_info``)."""
        dim = self._feature_dims.get(f'{owner}.feat')
        if dim is not None:
            return dim
        model, tap = self._owner_model(owner), self._tap(owner)
        info = getattr(model, 'layer_info', None)
        if tap.source == 'output' and isinstance(info, dict) and \
                tap.path in info:
            return info[tap.path].get('channels')
        return None

    def _build_adaptation(self, adaptation) -> nn.Module:
        c_s, c_t = self.tap_channels('student'), self.tap_channels(TEACHER)
        if adaptation is None:
            for owner, dim in (('student', c_s), (TEACHER, c_t)):
                if dim is None:
                    raise ModelConfigError(
                        f'SupervisionTransferDistiller: cannot tell the '
                        f'channels of the {owner} tap '
                        f'{self._tap(owner).path!r} for the default '
                        f'adaptation; declare them ({owner}_layer=dict('
                        f"path='{self._tap(owner).path}', dim=...)) or give "
                        'adaptation=[...]')
            adaptation = [
                dict(type='ConvAdaptConnector', in_channels=c_s,
                     out_channels=c_t, relu=True),
                dict(type='ScaleConnector', scale=1.0, learnable=True)
            ]
        if isinstance(adaptation, (list, tuple)) and not adaptation:
            module: nn.Module = nn.Identity()
            out = c_s
        else:
            module = build_connector(adaptation)
            need = getattr(module, 'in_channels', None)
            if None not in (need, c_s) and need != c_s:
                raise ModelConfigError(
                    f'SupervisionTransferDistiller: the adaptation takes '
                    f'{need} channels but the student tap '
                    f'{self._tap("student").path!r} gives {c_s}')
            out = (module.output_channels(c_s)
                   if isinstance(module, BaseConnector) else None)
        if None not in (out, c_t) and out != c_t:
            raise ModelConfigError(
                f'SupervisionTransferDistiller: the adapted student map has '
                f'{out} channels but the teacher tap '
                f'{self._tap(TEACHER).path!r} has {c_t}; map them with the '
                f'adaptation (e.g. a ConvAdaptConnector {out} -> {c_t})')
        return module

    @torch.no_grad()
    def probe_sizes(
        self, input_size: Union[int, Sequence[int]]
    ) -> Tuple[Tuple[int, int], Tuple[int, int]]:
        """Spatial sizes of the student's and the teacher's tapped maps for
        ``input_size`` images (one forward of each on zeros, in eval mode).

        Returns:
            tuple: ``((H_s, W_s), (H_t, W_t))``.
        """
        h, w = _hw(input_size)
        was_training = self.training
        self.eval()
        sizes = []
        try:
            for owner in ('student', TEACHER):
                model = self._owner_model(owner)
                channels = getattr(model, 'in_channels', None)
                if not isinstance(channels, int):
                    raise ModelConfigError(
                        f'SupervisionTransferDistiller: input_size needs the '
                        f"{owner}'s in_channels, which "
                        f'{type(model).__name__} does not say; leave '
                        'input_size out (sizes are then checked on the first '
                        'batch)')
                x = torch.zeros(1, channels, h, w,
                                device=_model_device(model))
                try:
                    with self.tap_managers[owner].record(model) as records:
                        self.run_model(model, x)
                except RuntimeError as e:
                    raise ModelConfigError(
                        f'SupervisionTransferDistiller: input_size {h}x{w} '
                        f'does not run through the {owner}: '
                        f'{str(e).splitlines()[0]}') from None
                sizes.append(tuple(records['feat'].shape[-2:]))
        finally:
            self.train(was_training)
        return sizes[0], sizes[1]

    def teacher_cache_extra(self, teacher: str = TEACHER) -> dict:
        """What else the cached maps depend on, for the cache key: the
        checkpoint prefix and the bytes of a ``pretrained`` file the
        teacher loads itself."""
        _check_teacher_name(teacher)
        from fsat.engine.feature_cache import file_digest
        pretrained = self.teacher_specs[TEACHER].model.get('pretrained')
        digest = (file_digest(pretrained) if isinstance(pretrained, str)
                  and osp.isfile(pretrained) else None)
        return dict(prefix=self._teacher_prefix, pretrained=digest)

    def _warn_unused_connectors(self) -> None:
        """The adaptation is applied by :meth:`adapt`, not by the wiring."""

    # ------------------------------------------------------------ targets
    @property
    def teacher_modality(self) -> str:
        return self.teacher_specs[TEACHER].modality

    @property
    def cache_id_key(self) -> str:
        """The data-info / metainfo key of a sample's id, which
        ``TeacherFeatureCacheHook`` uses by default."""
        return self.sample_id_key

    def set_teacher_cache(self, cache, teacher: str = TEACHER) -> None:
        """Attach a :class:`~fsat.engine.feature_cache.FeatureCache` of the
        teacher's maps (one ``[C, H, W]`` row per sample id)."""
        _check_teacher_name(teacher)
        self._teacher_cache = cache

    @torch.no_grad()
    def teacher_clip_features(self, inputs,
                              teacher: str = TEACHER) -> torch.Tensor:
        """What the cache stores: the teacher's tapped maps of the batch,
        ``[B, C, H, W]`` (one row per image)."""
        _check_teacher_name(teacher)
        return self.run_teacher(TEACHER, inputs)[f'{TEACHER}.feat']

    def _targets(self, inputs, data_samples,
                 prefer_online: bool = False) -> Tuple[torch.Tensor, bool]:
        """The teacher's maps of the batch and whether they are cached."""
        online = self.teacher_source == 'online' or (
            prefer_online and isinstance(inputs, dict)
            and self.teacher_modality in inputs)
        if online:
            return self.run_teacher(TEACHER, inputs)[f'{TEACHER}.feat'], False
        return self._cached_targets(data_samples), True

    def _cached_targets(self, data_samples) -> torch.Tensor:
        cache = self._teacher_cache
        if cache is None:
            raise RuntimeError(
                "teacher_source='cache' but no teacher feature cache is "
                "attached: add dict(type='TeacherFeatureCacheHook', "
                "dataset=<the teacher's view>) to custom_hooks")
        if not data_samples:
            raise ValueError(
                "teacher_source='cache' needs the batch's data samples (their "
                f'{self.sample_id_key!r}) to look up the teacher maps')
        maps: List[torch.Tensor] = []
        for i, sample in enumerate(data_samples):
            meta = sample.metainfo
            if self.sample_id_key not in meta:
                raise KeyError(
                    f'sample {i} of the batch has no {self.sample_id_key!r} '
                    'in its metainfo, needed to look up its cached teacher '
                    "map; set the distiller's sample_id_key")
            sample_id = str(meta[self.sample_id_key])
            if meta.get('flip'):
                raise ValueError(
                    f'sample {sample_id!r} is flipped but its cached teacher '
                    'map is of the unflipped image; remove the random flip '
                    "from the training pipeline or use teacher_source="
                    "'online'")
            rows = cache.maps(sample_id)
            if rows.ndim != 4 or len(rows) != 1:
                raise ValueError(
                    f'teacher feature cache {cache.folder}: {sample_id!r} '
                    f'holds {rows.shape}, not one [C, H, W] map; rebuild it '
                    'with this distiller')
            maps.append(torch.from_numpy(rows))
        return torch.cat(maps).to(_model_device(self.student))

    # ------------------------------------------------------ adaptation
    def _check_sizes(self, student_hw, teacher_hw, where: str = '') -> None:
        if tuple(student_hw) != tuple(teacher_hw) and not self.matching:
            raise ModelConfigError(
                f'SupervisionTransferDistiller: the student tap '
                f'{self._tap("student").path!r} gives '
                f'{_size_text(student_hw)} maps but the teacher tap '
                f'{self._tap(TEACHER).path!r} gives '
                f'{_size_text(teacher_hw)}{where}; set '
                "spatial_match='pad_crop' (the paper pads) or make the "
                'sizes equal (input size, conv1 padding)')

    def _matcher(self, size: Tuple[int, int]) -> SpatialMatchConnector:
        if size not in self._matchers:  # no parameters: built on demand
            self._matchers[size] = SpatialMatchConnector(
                size=size, **self._match_cfg)
        return self._matchers[size]

    def adapt(self, feat_s: torch.Tensor, feat_t: torch.Tensor,
              cached: bool = False) -> torch.Tensor:
        """The student map after the adaptation (and spatial matching),
        checked against the teacher's map.

        Args:
            feat_s (torch.Tensor): Student map, [B, C_s, H_s, W_s].
            feat_t (torch.Tensor): Teacher map, [B, C_t, H_t, W_t].
            cached (bool): Whether ``feat_t`` comes from the cache (for
                messages). Defaults to False.

        Returns:
            torch.Tensor: [B, C_t, H_t, W_t].
        """
        src = ' (cached)' if cached else ''
        for owner, x in (('student', feat_s), (TEACHER, feat_t)):
            if not isinstance(x, torch.Tensor) or x.dim() != 4:
                shape = tuple(x.shape) if isinstance(x, torch.Tensor) \
                    else type(x).__name__
                raise ModelConfigError(
                    f'SupervisionTransferDistiller: the {owner} tap '
                    f'{self._tap(owner).path!r} gives {shape}, not a '
                    '[B, C, H, W] map')
        if feat_s.shape[0] != feat_t.shape[0]:
            raise ValueError(
                f'SupervisionTransferDistiller: {feat_s.shape[0]} student '
                f'maps but {feat_t.shape[0]} teacher maps{src}')
        self._check_sizes(feat_s.shape[-2:], feat_t.shape[-2:],
                          where=f'{src} (batch of {feat_s.shape[0]})')
        out = self.connectors['adapt'](feat_s)
        if self._match_cfg is not None:
            out = self._matcher(tuple(feat_t.shape[-2:]))(out)
        if out.shape[1:] != feat_t.shape[1:]:
            raise ModelConfigError(
                f'SupervisionTransferDistiller: the adapted student map is '
                f'{_size_text(out.shape[1:])} (C x H x W) but the teacher '
                f'map{src} is {_size_text(feat_t.shape[1:])}; fix the '
                'adaptation or spatial_match')
        return out

    # ------------------------------------------------------------- modes
    def forward(self, inputs, data_samples=None, mode: str = 'tensor'):
        """``'loss'``, ``'predict'`` (see the class docstring) or
        ``'tensor'`` (the student backbone's output)."""
        if mode == 'tensor':
            return self.student(
                self.modality_inputs(inputs, self.student_modality))
        return super().forward(inputs, data_samples, mode)

    def loss(self, inputs, data_samples) -> Dict[str, torch.Tensor]:
        """``distill.loss_transfer`` of one batch (no labels are used)."""
        _, feats = self.run_student(inputs)
        target, cached = self._targets(inputs, data_samples)
        adapted = self.adapt(feats['student.feat'], target, cached)
        return self.compute_distill_losses({
            ADAPTED: adapted,
            f'{TEACHER}.feat': target
        })

    @torch.no_grad()
    def predict(self, inputs, data_samples=None) -> list:
        """Each sample's held-out transfer error (see the class
        docstring)."""
        _, feats = self.run_student(inputs)
        target, cached = self._targets(
            inputs, data_samples, prefer_online=True)
        adapted = self.adapt(feats['student.feat'], target, cached)
        l2 = (adapted - target).flatten(1).pow(2).sum(1)
        norm = target.flatten(1).pow(2).sum(1)
        samples = (list(data_samples) if data_samples else
                   [BaseDataElement() for _ in range(len(l2))])
        for sample, value, size in zip(samples, l2, norm):
            sample.transfer_l2 = value.float().cpu()
            sample.target_sq_norm = size.float().cpu()
            sample.num_elements = int(target[0].numel())
        return samples
