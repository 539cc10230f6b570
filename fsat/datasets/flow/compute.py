# Copyright (c) fsat contributors. All rights reserved.
"""Dense optical flow of two grayscale frames: OpenCV TV-L1 or Farneback
(:func:`create_flow_fn`)."""
from typing import Callable, Dict, Optional

import cv2
import numpy as np

__all__ = [
    'FLOW_METHODS', 'TVL1_DEFAULTS', 'FARNEBACK_DEFAULTS', 'FlowFn',
    'create_flow_fn', 'compute_flow'
]

FLOW_METHODS = ('tvl1', 'farneback')

# OpenCV's own defaults, which mmaction2's flow_extraction.py and denseflow
# use as well. The keys are our names; values go through the setters.
TVL1_DEFAULTS: Dict[str, float] = dict(
    tau=0.25,  # time step of the numerical scheme
    lambda_=0.15,  # data-term weight: smaller gives smoother flow
    theta=0.3,  # coupling between the two sub-problems
    nscales=5,  # pyramid levels; more levels catch larger motion
    warps=5,  # warpings per level
    epsilon=0.01,  # stopping threshold
    inner_iterations=30,
    outer_iterations=10,
    scale_step=0.8,  # pyramid down-scaling factor
    gamma=0.0,  # weight of the illumination-change term
    median_filtering=5,  # median filter size between iterations
)
_TVL1_SETTERS = dict(
    tau='setTau',
    lambda_='setLambda',
    theta='setTheta',
    nscales='setScalesNumber',
    warps='setWarpingsNumber',
    epsilon='setEpsilon',
    inner_iterations='setInnerIterations',
    outer_iterations='setOuterIterations',
    scale_step='setScaleStep',
    gamma='setGamma',
    median_filtering='setMedianFiltering',
)
# The values of OpenCV's Farneback sample (``samples/python/opt_flow.py``).
FARNEBACK_DEFAULTS: Dict[str, float] = dict(
    pyr_scale=0.5,  # pyramid down-scaling factor
    levels=3,  # pyramid levels; more levels catch larger motion
    winsize=15,  # averaging window: larger is smoother and more robust
    iterations=3,  # iterations per level
    poly_n=5,  # neighbourhood of the polynomial expansion (5 or 7)
    poly_sigma=1.2,  # Gaussian sigma for poly_n=5 (1.5 for poly_n=7)
    flags=0,
)

FlowFn = Callable[[np.ndarray, np.ndarray], np.ndarray]


def _merge_params(method: str, params: Optional[dict]) -> dict:
    """Check the method and fill its parameters with the defaults."""
    if method not in FLOW_METHODS:
        raise ValueError(
            f'unknown flow method {method!r}, expected one of {FLOW_METHODS}')
    defaults = TVL1_DEFAULTS if method == 'tvl1' else FARNEBACK_DEFAULTS
    params = dict(params or {})
    unknown = sorted(set(params) - set(defaults))
    if unknown:
        raise ValueError(f'unknown {method} parameters {unknown}, '
                         f'expected some of {sorted(defaults)}')
    return {**defaults, **params}


def create_flow_fn(method: str = 'tvl1',
                   params: Optional[dict] = None) -> FlowFn:
    """Build a function ``(prev, next) -> flow`` for grayscale frames.

    Args:
        method (str): ``'tvl1'`` (``cv2.optflow.DualTVL1OpticalFlow``,
            needs opencv-contrib) or ``'farneback'``
            (``cv2.calcOpticalFlowFarneback``). Defaults to ``'tvl1'``.
        params (dict, optional): Overrides of :data:`TVL1_DEFAULTS` or
            :data:`FARNEBACK_DEFAULTS`.

    Returns:
        Callable: Maps two uint8 (H, W) frames to float32 flow (H, W, 2)
        such that ``prev[y, x] ~ next[y + fy, x + fx]``, i.e. content that
        moves right has positive x flow.
    """
    params = _merge_params(method, params)
    if method == 'farneback':
        def farneback(prev: np.ndarray, nxt: np.ndarray) -> np.ndarray:
            return cv2.calcOpticalFlowFarneback(prev, nxt, None, **params)

        return farneback
    if not hasattr(cv2, 'optflow'):
        raise ImportError('TV-L1 flow needs cv2.optflow; install '
                          'opencv-contrib-python(-headless)')
    tvl1 = cv2.optflow.DualTVL1OpticalFlow_create()
    for key, value in params.items():
        getattr(tvl1, _TVL1_SETTERS[key])(value)

    def tvl1_flow(prev: np.ndarray, nxt: np.ndarray) -> np.ndarray:
        return tvl1.calc(prev, nxt, None)

    return tvl1_flow


def compute_flow(prev: np.ndarray,
                 nxt: np.ndarray,
                 method: str = 'tvl1',
                 params: Optional[dict] = None) -> np.ndarray:
    """Optical flow between two grayscale frames (one-off convenience).

    Args:
        prev (np.ndarray): uint8 (H, W) frame t.
        nxt (np.ndarray): uint8 (H, W) frame t+1.
        method (str): ``'tvl1'`` or ``'farneback'``. Defaults to ``'tvl1'``.
        params (dict, optional): Method parameter overrides.

    Returns:
        np.ndarray: float32 flow (H, W, 2) in pixels.
    """
    return create_flow_fn(method, params)(prev, nxt)
