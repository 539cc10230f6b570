# Copyright (c) fsat contributors. All rights reserved.
"""RoIAlign (Mask R-CNN) and RoIPool (Fast R-CNN) in plain torch.

torchvision cannot be imported in fsat's environment and mmcv-lite has no
compiled ``mmcv.ops``, so the two 2-D RoI feature extractors of R-CNN
detectors are written here from their published definitions, vectorised
over RoIs, bins and samples (no Python loop over bins). Only the features
get gradients, through indexing and ``index_add`` (autograd), not a
hand-written backward.

**RoIAlign.** A RoI ``(x1, y1, x2, y2)`` in image pixels is scaled by
``spatial_scale``; with ``aligned=True`` (the default) half a pixel is
taken off every coordinate, so that a feature value sits at the centre of
its cell (Detectron2's correction); ``aligned=False`` is the original
Mask R-CNN form, which also makes the RoI at least 1 x 1. The RoI is cut
into ``h x w`` equal bins; each bin averages ``gh x gw`` regularly spaced
samples, at ``y1 + i * bin_h + (iy + 0.5) * bin_h / gh`` (same along x),
where ``gh = gw = sampling_ratio`` if it is positive, else
``gh = ceil(roi_h / h)`` and ``gw = ceil(roi_w / w)`` (adaptive; a RoI of
size 0 then has no samples and pools to 0). A sample is read by bilinear
interpolation with the boundary rule of the reference kernels: a sample
with ``y < -1`` or ``y > H`` (or ``x < -1``, ``x > W``) reads 0; otherwise
the coordinate is clamped to ``[0, H - 1]`` (``[0, W - 1]``) and the four
surrounding cells are weighted.

**RoIPool.** The scaled coordinates are rounded half away from zero
(C's ``round``, not ``torch.round``'s half to even); the RoI size is
``max(end - start + 1, 1)`` cells (the legacy ``+1`` convention); bin
``i`` of ``n`` spans cells ``start + floor(i * size / n)`` to
``start + ceil((i + 1) * size / n)`` (exclusive), clipped to the map, and
pools the maximum of its cells; an empty bin is 0. The gradient of a bin
goes to its first maximal cell in row-major order, as in the reference.

RoIs are ``[K, 5]`` rows ``(batch_idx, x1, y1, x2, y2)``; features are
``[B, C, H, W]``; outputs are ``[K, C, h, w]``. RoIAlign is computed as two
matrix products per RoI on its crop of the map (the bilinear weights are
separable, see :func:`roi_align`): on small RoIs (the sliding windows
of a test step) about 5x faster than gathering every sample, on RoIs as
large as the map about as fast (docs/detection.md, "RoIAlign as matrix
products"). Work is done in chunks of whole RoIs holding at most about
``2 ** 22`` cropped values (RoIAlign) or cells (RoIPool) so that memory
stays bounded for large RoIs.
"""
import math
from typing import Iterator, Sequence, Tuple, Union

import torch
import torch.nn as nn

#: Upper bound on samples (RoIAlign) or cells (RoIPool) per chunk.
MAX_CHUNK_ITEMS = 2**22

Size2d = Union[int, Sequence[int]]


def _pair(output_size: Size2d) -> Tuple[int, int]:
    size = ((output_size, output_size) if isinstance(output_size, int)
            else tuple(output_size))
    if len(size) != 2 or not all(isinstance(s, int) and s > 0
                                 for s in size):
        raise ValueError(f'roi_ops2d: output_size={output_size!r} must be a '
                         'positive int or a pair of positive ints')
    return size


def _check_inputs(feats: torch.Tensor, rois: torch.Tensor,
                  op: str) -> torch.Tensor:
    """Validate shapes and batch indices; return rois in feats' dtype."""
    if feats.dim() != 4:
        raise ValueError(f'roi_ops2d.{op}: feats must be [B, C, H, W], got '
                         f'shape {tuple(feats.shape)}')
    if rois.dim() != 2 or rois.shape[1] != 5:
        raise ValueError(f'roi_ops2d.{op}: rois must be [K, 5] rows '
                         '(batch_idx, x1, y1, x2, y2), got shape '
                         f'{tuple(rois.shape)}')
    rois = rois.detach().to(device=feats.device, dtype=feats.dtype)
    if len(rois) == 0:
        return rois
    if not bool(torch.isfinite(rois).all()):
        raise ValueError(f'roi_ops2d.{op}: rois contain a value that is '
                         'not finite')
    batch = rois[:, 0]
    if bool((batch != batch.round()).any()) or bool(
            (batch < 0).any()) or bool((batch >= feats.shape[0]).any()):
        raise ValueError(f'roi_ops2d.{op}: rois[:, 0] must be integer batch '
                         f'indices in 0..{feats.shape[0] - 1}')
    return rois


def _chunks(counts: torch.Tensor, budget: int) -> Iterator[Tuple[int, int]]:
    """Split ``range(len(counts))`` into runs whose counts sum to at most
    ``budget`` (a single item may exceed it)."""
    cum = torch.cumsum(counts.cpu(), 0)
    start, base = 0, 0
    while start < len(counts):
        end = int(torch.searchsorted(cum, base + budget, right=True))
        end = max(end, start + 1)
        yield start, end
        base = int(cum[end - 1])
        start = end


def _ragged(counts: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
    """For groups of ``counts`` items laid end to end: each item's group
    and its index inside the group."""
    group = torch.repeat_interleave(
        torch.arange(len(counts), device=counts.device), counts)
    first = torch.cumsum(counts, 0) - counts
    local = torch.arange(len(group), device=counts.device) - first[group]
    return group, local


def _axis_weights(coord: torch.Tensor, size: int
                  ) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor,
                             torch.Tensor]:
    """Bilinear weights along one axis with the reference boundary rule.

    Returns:
        tuple: ``(low, high, w_low, w_high)``; indices are always in
        ``0..size-1``, weights are 0 for a coordinate outside
        ``[-1, size]``.
    """
    inside = (coord >= -1) & (coord <= size)
    coord = coord.clamp(min=0)
    low = coord.floor().long()
    edge = low >= size - 1
    low = torch.where(edge, torch.full_like(low, size - 1), low)
    high = torch.where(edge, low, low + 1)
    frac = torch.where(edge, torch.zeros_like(coord), coord - low)
    frac = frac * inside
    return low, high, (1 - frac) * inside, frac


def _bin_weights(start: torch.Tensor, bin_size: torch.Tensor,
                 grid: torch.Tensor, bins: int, size: int) -> torch.Tensor:
    """``[K, bins, size]``: along one axis, row ``i`` of RoI ``k`` holds
    the bilinear weights of bin ``i``'s ``grid[k]`` samples on the ``size``
    cells, averaged over the samples (all zero when ``grid[k] == 0``)."""
    num = len(start)
    counts = grid * bins
    roi, local = _ragged(counts)
    width = grid[roi]
    i, sample = local // width, local % width
    coord = (start[roi] + i * bin_size[roi] +
             (sample + 0.5) * bin_size[roi] / width)
    low, high, w_low, w_high = _axis_weights(coord, size)
    share = 1.0 / width.to(start.dtype)
    row = (roi * bins + i) * size
    out = start.new_zeros(num * bins * size)
    out = out.index_add(0, row + low, w_low * share)
    out = out.index_add(0, row + high, w_high * share)
    return out.view(num, bins, size)


def _band(weights: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
    """First cell and number of cells (at least 1) that a RoI's
    ``[K, bins, size]`` weights touch along one axis."""
    touched = (weights != 0).any(1)  # [K, size]
    size = touched.shape[1]
    cells = torch.arange(size, device=weights.device)
    first = torch.where(touched, cells, size).min(1).values
    last = torch.where(touched, cells, -1).max(1).values
    first = torch.where(last < 0, torch.zeros_like(first), first)
    return first, (last - first + 1).clamp(min=1)


def roi_align(feats: torch.Tensor,
              rois: torch.Tensor,
              output_size: Size2d,
              spatial_scale: float = 1.0,
              sampling_ratio: int = 0,
              aligned: bool = True) -> torch.Tensor:
    """RoIAlign of Mask R-CNN (module docstring).

    Bilinear sampling on a regular grid is separable: the mean of a bin's
    ``gh x gw`` samples is ``Ay[k, i] @ F @ Ax[k, j]``, where ``Ay[k, i]``
    (``Ax[k, j]``) holds the averaged interpolation weights of the bin's
    rows (columns) of samples on the map's rows (columns), the boundary
    rule included (it is a product of a row and a column condition). So
    each RoI is two small matrix products with the band of the map its
    weights touch (its crop, cut in chunks of RoIs of similar band size)
    instead of ``4 * gh * gw`` gathers per bin; the result is the same up
    to the order of the float sums (checked against a per-sample loop in
    ``tests/models/ops/test_roi_ops2d.py``).

    Args:
        feats (Tensor): [B, C, H, W] feature maps.
        rois (Tensor): [K, 5] ``(batch_idx, x1, y1, x2, y2)`` in image
            pixels. Not differentiated.
        output_size (int | Sequence[int]): ``(h, w)`` bins (an int: square).
        spatial_scale (float): Feature cells per image pixel (1/16 for a
            stride-16 map). Defaults to 1.
        sampling_ratio (int): Samples per bin along each axis; 0 for the
            adaptive ``ceil(roi_size / output_size)``. Defaults to 0.
        aligned (bool): Shift RoIs by half a pixel (Detectron2's correction)
            instead of the legacy form. Defaults to True.

    Returns:
        Tensor: [K, C, h, w], differentiable with respect to ``feats``.
    """
    ph, pw = _pair(output_size)
    if not isinstance(sampling_ratio, int) or sampling_ratio < 0:
        raise ValueError(f'roi_ops2d.roi_align: sampling_ratio='
                         f'{sampling_ratio!r} must be an int >= 0')
    rois = _check_inputs(feats, rois, 'roi_align')
    num, channels, height, width = len(rois), feats.shape[1], *feats.shape[2:]
    out = feats.new_zeros((num, channels, ph, pw))
    if num == 0:
        return out
    # coordinates at float32 at least (a half-precision map under AMP
    # must not round them), weights in the map's dtype
    rois = rois.detach().to(
        torch.promote_types(feats.dtype, torch.float32))
    offset = 0.5 if aligned else 0.0
    x1 = rois[:, 1] * spatial_scale - offset
    y1 = rois[:, 2] * spatial_scale - offset
    roi_w = rois[:, 3] * spatial_scale - offset - x1
    roi_h = rois[:, 4] * spatial_scale - offset - y1
    if not aligned:
        roi_w, roi_h = roi_w.clamp(min=1), roi_h.clamp(min=1)
    bin_w, bin_h = roi_w / pw, roi_h / ph
    if sampling_ratio > 0:
        grid_h = torch.full((num, ), sampling_ratio, device=feats.device)
        grid_w = grid_h.clone()
    else:
        grid_h = torch.ceil(roi_h / ph).clamp(min=0).long()
        grid_w = torch.ceil(roi_w / pw).clamp(min=0).long()
    rows = _bin_weights(y1, bin_h, grid_h, ph, height).to(feats.dtype)
    cols = _bin_weights(x1, bin_w, grid_w, pw, width).to(feats.dtype)
    # each RoI reads only the band of cells its weights touch: its crop of
    # the map, as large as the chunk's largest band
    y0, band_h = _band(rows)
    x0, band_w = _band(cols)
    order = torch.argsort(band_h * band_w)
    areas = (band_h * band_w)[order].tolist()
    feats_hwc = feats.permute(0, 2, 3, 1)  # [B, H, W, C]
    batch = rois[:, 0].long()
    fits = max(1, MAX_CHUNK_ITEMS // max(1, channels))
    start = 0
    while start < num:
        # as many RoIs (by band size) as fit the budget at the band of the
        # last, largest one
        end = start + 1
        while end < num and (end + 1 - start) * areas[end] <= fits:
            end += 1
        part = order[start:end]
        start = end
        k = len(part)
        hb, wb = int(band_h[part].max()), int(band_w[part].max())
        iy = y0[part, None] + torch.arange(hb, device=feats.device)
        ix = x0[part, None] + torch.arange(wb, device=feats.device)
        row_w = torch.gather(rows[part], 2, iy.clamp(max=height - 1)[
            :, None, :].expand(k, ph, hb)) * (iy < height)[:, None, :]
        col_w = torch.gather(cols[part], 2, ix.clamp(max=width - 1)[
            :, None, :].expand(k, pw, wb)) * (ix < width)[:, None, :]
        crop = feats_hwc[batch[part, None, None],
                         iy.clamp(max=height - 1)[:, :, None],
                         ix.clamp(max=width - 1)[:, None, :]]
        by_rows = row_w @ crop.reshape(k, hb, wb * channels)
        by_rows = by_rows.view(k, ph, wb, channels).transpose(1, 2)
        pooled = col_w @ by_rows.reshape(k, wb, ph * channels)
        out = out.index_copy(
            0, part,
            pooled.view(k, pw, ph, channels).permute(0, 3, 2, 1))
    return out


def _round_half_away(value: torch.Tensor) -> torch.Tensor:
    return torch.sign(value) * torch.floor(value.abs() + 0.5)


def roi_pool(feats: torch.Tensor,
             rois: torch.Tensor,
             output_size: Size2d,
             spatial_scale: float = 1.0) -> torch.Tensor:
    """RoIPool of Fast R-CNN (module docstring).

    Args:
        feats (Tensor): [B, C, H, W] feature maps.
        rois (Tensor): [K, 5] ``(batch_idx, x1, y1, x2, y2)`` in image
            pixels. Not differentiated.
        output_size (int | Sequence[int]): ``(h, w)`` bins (an int: square).
        spatial_scale (float): Feature cells per image pixel. Defaults to 1.

    Returns:
        Tensor: [K, C, h, w]; the gradient of a bin goes to its first
        maximal cell (row-major), an empty bin is 0.
    """
    ph, pw = _pair(output_size)
    rois = _check_inputs(feats, rois, 'roi_pool')
    num, channels, height, width = len(rois), feats.shape[1], *feats.shape[2:]
    out = feats.new_zeros((num * ph * pw, channels))
    if num == 0:
        return out.view(0, channels, ph, pw)
    x1, y1, x2, y2 = (_round_half_away(rois[:, k] * spatial_scale).long()
                      for k in range(1, 5))
    roi_w = (x2 - x1 + 1).clamp(min=1).to(feats.dtype)
    roi_h = (y2 - y1 + 1).clamp(min=1).to(feats.dtype)

    def bin_edges(first, size, n, limit):
        steps = torch.arange(n + 1, device=feats.device, dtype=feats.dtype)
        lo = torch.floor(steps[None, :-1] * (size / n)[:, None]).long()
        hi = torch.ceil(steps[None, 1:] * (size / n)[:, None]).long()
        lo = (lo + first[:, None]).clamp(0, limit)
        hi = (hi + first[:, None]).clamp(0, limit)
        return lo, (hi - lo).clamp(min=0)

    h_lo, h_len = bin_edges(y1, roi_h, ph, height)  # [K, ph]
    w_lo, w_len = bin_edges(x1, roi_w, pw, width)  # [K, pw]
    cells = (h_len[:, :, None] * w_len[:, None, :]).reshape(-1)
    feats_hwc = feats.permute(0, 2, 3, 1)
    budget = max(1, MAX_CHUNK_ITEMS // max(channels, 1))
    for start, end in _chunks(cells.view(num, -1).sum(1), budget):
        bins = torch.arange(start * ph * pw, end * ph * pw,
                            device=feats.device)
        group, local = _ragged(cells[bins])
        if len(group) == 0:
            continue
        roi = bins[group] // (ph * pw)
        i, j = (bins[group] // pw) % ph, bins[group] % pw
        ww = w_len[roi, j]
        y = h_lo[roi, i] + local // ww
        x = w_lo[roi, j] + local % ww
        value = feats_hwc[rois[roi, 0].long(), y, x]  # [S, C]
        target = group[:, None].expand_as(value)
        best = torch.full((len(bins), channels), -math.inf,
                          device=feats.device, dtype=feats.dtype)
        best = best.scatter_reduce(0, target, value.detach(), 'amax')
        # first (row-major) sample reaching the maximum of its bin
        order = torch.arange(len(group), device=feats.device)
        order = order[:, None].expand_as(value)
        candidate = torch.where(value.detach() == best[group], order,
                                torch.full_like(order, len(group)))
        first = torch.full((len(bins), channels), len(group),
                           device=feats.device, dtype=torch.long)
        first = first.scatter_reduce(0, target, candidate, 'amin')
        filled = cells[bins] > 0
        pooled = torch.gather(value, 0, first[filled])
        out = out.index_put((bins[filled], ), pooled)
    return out.view(num, ph, pw, channels).permute(0, 3, 1, 2).contiguous()


class RoIAlign(nn.Module):
    """Module form of :func:`roi_align`.

    Args:
        output_size (int | Sequence[int]): ``(h, w)`` bins.
        spatial_scale (float): Feature cells per image pixel.
            Defaults to 1.
        sampling_ratio (int): Samples per bin and axis; 0: adaptive.
            Defaults to 0.
        aligned (bool): Half-pixel correction. Defaults to True.
    """

    def __init__(self, output_size: Size2d, spatial_scale: float = 1.0,
                 sampling_ratio: int = 0, aligned: bool = True) -> None:
        super().__init__()
        self.output_size = _pair(output_size)
        self.spatial_scale = spatial_scale
        self.sampling_ratio = sampling_ratio
        self.aligned = aligned

    def forward(self, feats: torch.Tensor, rois: torch.Tensor) -> torch.Tensor:
        """Pool ``rois`` [K, 5] from ``feats`` [B, C, H, W] -> [K, C, h, w]."""
        return roi_align(feats, rois, self.output_size, self.spatial_scale,
                         self.sampling_ratio, self.aligned)

    def extra_repr(self) -> str:
        return (f'output_size={self.output_size}, spatial_scale='
                f'{self.spatial_scale}, sampling_ratio={self.sampling_ratio}'
                f', aligned={self.aligned}')


class RoIPool(nn.Module):
    """Module form of :func:`roi_pool`.

    Args:
        output_size (int | Sequence[int]): ``(h, w)`` bins.
        spatial_scale (float): Feature cells per image pixel.
            Defaults to 1.
    """

    def __init__(self, output_size: Size2d,
                 spatial_scale: float = 1.0) -> None:
        super().__init__()
        self.output_size = _pair(output_size)
        self.spatial_scale = spatial_scale

    def forward(self, feats: torch.Tensor, rois: torch.Tensor) -> torch.Tensor:
        """Pool ``rois`` [K, 5] from ``feats`` [B, C, H, W] -> [K, C, h, w]."""
        return roi_pool(feats, rois, self.output_size, self.spatial_scale)

    def extra_repr(self) -> str:
        return (f'output_size={self.output_size}, '
                f'spatial_scale={self.spatial_scale}')
