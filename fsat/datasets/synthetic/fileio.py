# Copyright (c) fsat contributors. All rights reserved.
"""Deterministic file encoders: MJPEG AVI videos and 16-bit PNGs.

AVI files are Motion-JPEG written by OpenCV's FFmpeg back end (about half
the size of OpenCV's built-in MJPEG writer, whose quality setting has
little effect); the built-in writer (``CAP_OPENCV_MJPEG``) is the fallback
when OpenCV has no FFmpeg. Both are deterministic for a given OpenCV
build, and decord and OpenCV decode their output with the exact frame
count.
"""
import os

import cv2
import numpy as np


def write_avi(path: str, frames: np.ndarray, fps: float) -> None:
    """Write RGB frames as an MJPEG AVI.

    Args:
        path (str): Output path (``.avi``).
        frames (np.ndarray): [T, H, W, 3] uint8 RGB.
        fps (float): Frame rate.
    """
    T, H, W = frames.shape[:3]
    fourcc = cv2.VideoWriter_fourcc(*'MJPG')
    for api in (cv2.CAP_FFMPEG, cv2.CAP_OPENCV_MJPEG):
        writer = cv2.VideoWriter(path, api, fourcc, float(fps), (W, H))
        if writer.isOpened():
            break
    else:
        raise RuntimeError(f'OpenCV cannot write MJPEG AVI to {path}')
    for frame in frames:
        writer.write(np.ascontiguousarray(frame[..., ::-1]))
    writer.release()


def write_png16(path: str, image: np.ndarray) -> None:
    """Write a uint16 [H, W] image as a 16-bit grey PNG."""
    ok, buf = cv2.imencode('.png', image,
                           [cv2.IMWRITE_PNG_COMPRESSION, 3])
    if not ok:
        raise RuntimeError(f'cannot encode {path}')
    with open(path, 'wb') as f:
        f.write(buf.tobytes())


def write_png_sequence(folder: str, frames: np.ndarray,
                       prefix: str) -> None:
    """Write [T, H, W] uint16 frames as ``<prefix>-%08d.png`` from 1."""
    os.makedirs(folder, exist_ok=True)
    for i, frame in enumerate(frames, 1):
        write_png16(os.path.join(folder, f'{prefix}-{i:08d}.png'), frame)


def write_text(path: str, text: str, newline: str = '') -> None:
    """Write text without newline translation (bytes as given)."""
    with open(path, 'w', encoding='ascii', newline=newline) as f:
        f.write(text)
