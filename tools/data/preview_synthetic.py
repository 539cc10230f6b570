#!/usr/bin/env python
# Copyright (c) fsat contributors. All rights reserved.
"""Contact sheet of NTU-format samples: RGB, depth, flow, skeleton rows.

Reads the files exactly as written (any NTU-layout root works, real data
included): the RGB .avi, the masked depth PNGs, optical flow from
``nturgb+d_flow/<name>/`` when extracted (else computed with Farneback for
the picture only), and the .skeleton drawn over the depth frame with its
depthX/depthY pixel coordinates.

Example:
    python tools/data/preview_synthetic.py data/synthetic_demo/ntu \\
        docs/images/synthetic_preview.png --samples 3 --frames 6
"""
import argparse
import glob
import os
import os.path as osp

import cv2
import numpy as np

from fsat.datasets.flow import (
    FLOW_TMPL,
    compute_flow,
    dequantize_flow,
    read_frames,
)
from fsat.datasets.ntu import parse_skeleton_file
from fsat.datasets.synthetic import NTU_BONES
from fsat.utils.cli import FsatUserError, run_cli

CELL = 96  # pixels per cell edge in the sheet


def _fit(img: np.ndarray) -> np.ndarray:
    h, w = img.shape[:2]
    scale = CELL / max(h, w)
    img = cv2.resize(img, (max(int(w * scale), 1), max(int(h * scale), 1)),
                     interpolation=cv2.INTER_NEAREST)
    canvas = np.zeros((CELL, CELL, 3), np.uint8)
    y, x = (CELL - img.shape[0]) // 2, (CELL - img.shape[1]) // 2
    canvas[y:y + img.shape[0], x:x + img.shape[1]] = img
    return canvas


def _depth_rgb(depth: np.ndarray) -> np.ndarray:
    valid = depth > 0
    out = np.zeros(depth.shape + (3, ), np.uint8)
    if valid.any():
        lo, hi = depth[valid].min(), depth[valid].max()
        norm = (depth.astype(np.float32) - lo) / max(hi - lo, 1)
        grey = (255 * (1 - norm)).clip(0, 255).astype(np.uint8)
        out[valid] = cv2.applyColorMap(grey, cv2.COLORMAP_JET)[valid]
    return out


def _flow_rgb(flow: np.ndarray) -> np.ndarray:
    """Hue = direction, brightness = magnitude (scaled to the frame's
    strongest 1% of motion: the people are small, their flow too)."""
    mag, ang = cv2.cartToPolar(flow[..., 0], flow[..., 1])
    bound = max(float(np.percentile(mag, 99.5)), 0.25)
    hsv = np.zeros(flow.shape[:2] + (3, ), np.uint8)
    hsv[..., 0] = (ang * 90 / np.pi).astype(np.uint8)
    hsv[..., 1] = 255
    hsv[..., 2] = (np.clip(mag / bound, 0, 1) * 255).astype(np.uint8)
    return cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB)


def _rgb_frames(root: str, name: str) -> list:
    cap = cv2.VideoCapture(osp.join(root, 'nturgb+d_rgb', f'{name}_rgb.avi'))
    frames = []
    ok, frame = cap.read()
    while ok:
        frames.append(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB))
        ok, frame = cap.read()
    return frames


def _flows(root: str, name: str, count: int) -> list:
    folder = osp.join(root, 'nturgb+d_flow', name)
    if osp.isdir(folder):
        flows = []
        for i in range(1, count):
            x = cv2.imread(osp.join(folder, FLOW_TMPL.format('x', i)), 0)
            y = cv2.imread(osp.join(folder, FLOW_TMPL.format('y', i)), 0)
            flows.append(dequantize_flow(np.stack([x, y], -1)))
        return flows
    gray = read_frames(
        osp.join(root, 'nturgb+d_rgb', f'{name}_rgb.avi'))
    return [
        compute_flow(a, b, 'farneback') for a, b in zip(gray[:-1], gray[1:])
    ]


def _skeleton_overlay(depth_img: np.ndarray, joints: np.ndarray) -> np.ndarray:
    img = (depth_img * 0.5).astype(np.uint8)
    for body in joints:  # [25, 12]: depthX, depthY are fields 3, 4
        if not np.any(body):
            continue
        pts = body[:, 3:5]
        for a, b in NTU_BONES:
            pa, pb = tuple(np.round(pts[a]).astype(int)), tuple(
                np.round(pts[b]).astype(int))
            cv2.line(img, pa, pb, (255, 255, 255), 1)
        for p in pts:
            cv2.circle(img, tuple(np.round(p).astype(int)), 1, (255, 60, 60),
                       -1)
    return img


def sample_rows(root: str, name: str, num_frames: int) -> np.ndarray:
    """Four rows (RGB, depth, flow, skeleton) of one sample."""
    rgb = _rgb_frames(root, name)
    depth_files = sorted(
        glob.glob(osp.join(root, 'nturgb+d_depth_masked', name, '*.png')))
    skel = parse_skeleton_file(
        osp.join(root, 'nturgb+d_skeletons', f'{name}.skeleton'),
        fields='all').joints  # [M, T, 25, 12]
    flows = _flows(root, name, len(rgb))
    total = min(len(rgb), len(depth_files), skel.shape[1])
    picks = np.linspace(0, total - 2, num_frames).round().astype(int)
    rows = [[], [], [], []]
    for t in picks:
        depth = cv2.imread(depth_files[t], cv2.IMREAD_UNCHANGED)
        depth_img = _depth_rgb(depth)
        rows[0].append(_fit(rgb[t]))
        rows[1].append(_fit(depth_img))
        rows[2].append(_fit(_flow_rgb(flows[min(t, len(flows) - 1)])))
        rows[3].append(_fit(_skeleton_overlay(depth_img, skel[:, t])))
    return np.concatenate([np.concatenate(r, 1) for r in rows], 0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('root', help='an NTU-layout root (e.g. WORLD/ntu)')
    parser.add_argument('out', help='PNG file to write')
    parser.add_argument('--samples', type=int, default=3)
    parser.add_argument('--frames', type=int, default=6)
    parser.add_argument('--names', nargs='*', help='sample names to show')
    args = parser.parse_args()
    skeletons = osp.join(args.root, 'nturgb+d_skeletons')
    if not osp.isdir(skeletons):
        raise FsatUserError(f'{args.root} is not an NTU-layout root (no '
                            'nturgb+d_skeletons folder)')
    names = args.names or [
        osp.basename(p)[:-len('.skeleton')]
        for p in sorted(glob.glob(osp.join(skeletons, '*.skeleton')))
    ][::7][:args.samples]
    sheet = np.concatenate(
        [sample_rows(args.root, n, args.frames) for n in names], 0)
    os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
    cv2.imwrite(args.out, cv2.cvtColor(sheet, cv2.COLOR_RGB2BGR))
    print(f'{args.out}: {len(names)} samples ({", ".join(names)})')


if __name__ == '__main__':
    run_cli(main, prog='preview_synthetic')
