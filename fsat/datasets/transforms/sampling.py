# Copyright (c) fsat contributors. All rights reserved.
"""Shared temporal sampling of the modalities of one paired sample.

Frame indices are drawn once, on a *reference timeline* (the frame count of
the reference modality, normally the RGB video), and mapped proportionally
to each modality's own frame count, so that every modality of a sample
covers the same span of time (see :func:`map_indices`).

Sampling modes, chosen per modality:

* ``'clip'``: one clip of ``clip_len`` frames, ``frame_interval`` apart
  (consecutive by default; the clip spans ``S = clip_len * frame_interval``
  frames, as mmaction2's ``SampleFrames``), random start in
  training, the centre clip in test mode. Every clip modality of a sample
  gets the same clip. Its *clip slot* ``min(start // S, N - 1)``
  with ``N = max(T // S, 1)`` is the index of the non-overlapping
  clip of a cached video-level teacher feature that covers (nearly) the
  same span.
* ``'same_clip'``: exactly the span of the sample's ``'clip'`` (e.g. the
  online teacher of clip-to-clip transfer). A ``'clip'`` modality must
  exist.
* ``'video'``: all ``N`` non-overlapping clips ``[k * S, (k + 1) * S)``
  (every ``frame_interval``-th frame), ``k < N`` (frames after ``N * S``
  are left out, as in FSAT's video feature); formatted as ``N`` clips.
* ``'sequence'``: the modality's whole sequence at a fixed length (see
  :func:`sequence_indices`).

Videos shorter than one clip are looped (index ``i mod T``), like
mmaction2's ``SampleFrames`` does.
"""
from typing import Dict, Mapping, Optional, Union

import numpy as np
from mmcv.transforms import BaseTransform

from fsat.registry import TRANSFORMS

SAMPLING_MODES = ('clip', 'same_clip', 'video', 'sequence')
SEQUENCE_PADS = ('zero', 'loop', 'resample')


def num_clip_slots(total_frames: int, clip_len: int) -> int:
    """N = max(T // clip_len, 1): non-overlapping clips of a video."""
    return max(total_frames // clip_len, 1)


def clip_slot(start: int, total_frames: int, clip_len: int) -> int:
    """The non-overlapping clip that (nearly) covers a clip from ``start``.

    Args:
        start (int): First frame of the clip on the reference timeline.
        total_frames (int): T, frames of the reference timeline.
        clip_len (int): Frames per clip.

    Returns:
        int: ``min(start // clip_len, N - 1)``, N from :func:`num_clip_slots`.
    """
    return min(start // clip_len, num_clip_slots(total_frames, clip_len) - 1)


def map_indices(inds: np.ndarray, ref_frames: int,
                num_frames: int) -> np.ndarray:
    """Map frame indices of the reference timeline to another timeline.

    Frame ``i`` of a T-frame reference covers the time ``[i, i + 1) / T``;
    it maps to the frame of the other modality that contains its centre:
    ``floor((i + 0.5) * T_m / T)``, clipped to ``T_m - 1``. Equal counts
    give the identity; optical flow (``T - 1`` pairs for ``T`` frames) maps
    proportionally. Negative indices (padding) are kept.

    Args:
        inds (np.ndarray): 0-based indices on the reference timeline.
        ref_frames (int): T, frames of the reference timeline.
        num_frames (int): T_m, frames of the target modality.

    Returns:
        np.ndarray: int64 indices on the target timeline.
    """
    inds = np.asarray(inds, dtype=np.int64)
    if num_frames == ref_frames:
        return inds.copy()
    mapped = np.floor((inds + 0.5) * num_frames / ref_frames).astype(np.int64)
    mapped = np.minimum(mapped, num_frames - 1)
    return np.where(inds < 0, inds, mapped)


def sequence_indices(num_frames: int, length: int,
                     pad: str = 'zero') -> np.ndarray:
    """Indices of a whole sequence brought to a fixed length.

    A sequence longer than ``length`` is always resampled uniformly
    (``floor((k + 0.5) * T / length)``). A shorter one is

    * ``'zero'``: taken whole, then padded with index -1 (a zero frame);
    * ``'loop'``: repeated from its start (``k mod T``);
    * ``'resample'``: stretched uniformly (frames repeat).

    Args:
        num_frames (int): T, frames of the sequence.
        length (int): Output length.
        pad (str): ``'zero'``, ``'loop'`` or ``'resample'``.
            Defaults to ``'zero'``.

    Returns:
        np.ndarray: int64 indices of shape (length, ).
    """
    k = np.arange(length, dtype=np.int64)
    if num_frames >= length or pad == 'resample':
        return np.floor((k + 0.5) * num_frames / length).astype(np.int64)
    if pad == 'loop':
        return k % num_frames
    return np.where(k < num_frames, k, -1)


def _parse_mode(name: str, spec: Union[str, Mapping]) -> dict:
    spec = dict(mode=spec) if isinstance(spec, str) else dict(spec)
    mode = spec.pop('mode', None)
    if mode not in SAMPLING_MODES:
        raise ValueError(f'Sampling mode of modality {name!r} must be one of '
                         f'{list(SAMPLING_MODES)}, got {mode!r}')
    out = dict(mode=mode)
    if mode == 'sequence':
        out['length'] = int(spec.pop('length', 300))
        out['pad'] = spec.pop('pad', 'zero')
        if out['pad'] not in SEQUENCE_PADS or out['length'] < 1:
            raise ValueError(f'Modality {name!r}: sequence needs length >= 1 '
                             f'and pad in {list(SEQUENCE_PADS)}, got '
                             f'{out}')
    if spec:
        raise ValueError(f'Unknown sampling keys of modality {name!r}: '
                         f'{sorted(spec)}')
    return out


@TRANSFORMS.register_module()
class PairedSampleFrames(BaseTransform):
    """Sample the frames of every modality of a paired sample at once.

    Required keys: ``frame_counts`` (source modality -> frame count),
    ``reference`` (the source whose count is the reference timeline).

    Added keys: ``total_frames`` (T of the reference), ``num_slots`` (N),
    ``clip_start`` and ``clip_slot`` (-1 when no modality samples a clip),
    and ``sampled`` (modality -> dict of ``frame_inds`` (0-based, on the
    modality's own timeline; -1 = zero padding), ``num_clips``,
    ``clip_len``, ``total_frames`` (the modality's frame count)).

    Args:
        modes (dict): Modality name -> sampling mode, a string of
            :data:`SAMPLING_MODES` or ``dict(mode='sequence', length=300,
            pad='zero')``.
        clip_len (int): Frames per clip (the network input length).
            Defaults to 16.
        frame_interval (int): Step between the frames of a clip, so a clip
            spans ``clip_len * frame_interval`` frames of the reference
            timeline (clip slots and ``'video'`` clips too). Defaults to 1.
        sources (dict, optional): Modality name -> source modality whose
            frame count it uses, for names that differ from their source
            (e.g. ``rgb_video='rgb'``). Defaults to None (name = source).
        test_mode (bool): Take the centre clip instead of a random one.
            Defaults to False.
        clip_align (str): ``'any'``: a clip may start at any frame;
            ``'grid'``: only at multiples of ``clip_len`` (a random slot in
            training, the middle slot in test mode), so a ``'clip'`` covers
            exactly the span of its clip slot, e.g. for clip-to-clip
            transfer from cached teacher features. Defaults to ``'any'``.
    """

    def __init__(self,
                 modes: Mapping[str, Union[str, Mapping]],
                 clip_len: int = 16,
                 sources: Optional[Mapping[str, str]] = None,
                 test_mode: bool = False,
                 clip_align: str = 'any',
                 frame_interval: int = 1) -> None:
        if frame_interval < 1:
            raise ValueError(
                f'frame_interval must be >= 1, got {frame_interval}')
        self.frame_interval = int(frame_interval)
        if clip_align not in ('any', 'grid'):
            raise ValueError(f"clip_align must be 'any' or 'grid', got "
                             f'{clip_align!r}')
        self.clip_align = clip_align
        if clip_len < 1:
            raise ValueError(f'clip_len must be >= 1, got {clip_len}')
        self.modes = {name: _parse_mode(name, spec)
                      for name, spec in modes.items()}
        if not self.modes:
            raise ValueError('PairedSampleFrames needs at least one modality')
        kinds = [m['mode'] for m in self.modes.values()]
        if 'same_clip' in kinds and 'clip' not in kinds:
            raise ValueError("Sampling mode 'same_clip' follows the clip of "
                             "a 'clip' modality, but no modality samples "
                             "'clip'")
        self.clip_len = clip_len
        self.sources = {name: (sources or {}).get(name, name)
                        for name in self.modes}
        self.test_mode = test_mode

    @property
    def span(self) -> int:
        """int: Frames of the reference timeline one clip spans."""
        return self.clip_len * self.frame_interval

    def _clip_start(self, total_frames: int) -> int:
        S = self.span
        if total_frames <= S:
            return 0
        if self.clip_align == 'grid':
            slots = num_clip_slots(total_frames, S)
            slot = (slots // 2 if self.test_mode else int(
                np.random.randint(0, slots)))
            return slot * S
        if self.test_mode:
            return (total_frames - S) // 2
        return int(np.random.randint(0, total_frames - S + 1))

    def transform(self, results: Dict) -> Dict:
        """Draw the shared indices and map them to every modality."""
        counts = results['frame_counts']
        ref_frames = counts[results['reference']]
        L, S, step = self.clip_len, self.span, self.frame_interval
        num_slots = num_clip_slots(ref_frames, S)
        has_clip = any(m['mode'] == 'clip' for m in self.modes.values())
        start = self._clip_start(ref_frames) if has_clip else -1
        clip = (start + step * np.arange(L)) % ref_frames
        video = ((np.arange(num_slots)[:, None] * S
                  + step * np.arange(L)[None]).reshape(-1) % ref_frames)

        sampled = {}
        for name, spec in self.modes.items():
            num_frames = counts[self.sources[name]]
            mode = spec['mode']
            if mode == 'sequence':
                inds = sequence_indices(num_frames, spec['length'],
                                        spec['pad'])
                num_clips, clip_len = 1, spec['length']
            else:
                ref_inds = video if mode == 'video' else clip
                inds = map_indices(ref_inds, ref_frames, num_frames)
                num_clips = num_slots if mode == 'video' else 1
                clip_len = L
            sampled[name] = dict(
                frame_inds=inds,
                num_clips=num_clips,
                clip_len=clip_len,
                total_frames=num_frames)

        results['total_frames'] = ref_frames
        results['num_slots'] = num_slots
        results['clip_start'] = start
        results['clip_slot'] = (
            clip_slot(start, ref_frames, S) if has_clip else -1)
        results['sampled'] = sampled
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(modes={self.modes}, '
                f'clip_len={self.clip_len}, '
                f'frame_interval={self.frame_interval}, '
                f'test_mode={self.test_mode}, '
                f'clip_align={self.clip_align!r})')
