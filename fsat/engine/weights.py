# Copyright (c) fsat contributors. All rights reserved.
"""Load part of a checkpoint into a model, by key prefix."""
import os.path as osp

import torch
import torch.nn as nn

from fsat.utils.cli import FsatUserError

from .checkpoint import load_local_checkpoint


def _state_dict(checkpoint: str) -> dict:
    if not osp.exists(checkpoint):
        raise FsatUserError(f'checkpoint does not exist: {checkpoint}')
    # a damaged or non-torch file is one line naming it
    data = load_local_checkpoint(checkpoint, map_location='cpu')
    state = data.get('state_dict', data) if isinstance(data, dict) else data
    return {k[len('module.'):] if k.startswith('module.') else k: v
            for k, v in state.items()}


def adapt_conv_input(weight: torch.Tensor, channels: int) -> torch.Tensor:
    """Average a conv kernel over its input channels, repeat to ``channels``.

    [out, in, *k] -> [out, channels, *k]; the response to an input whose
    channels are all equal is preserved up to the factor ``in / channels``,
    which is compensated.
    """
    mean = weight.mean(dim=1, keepdim=True)
    return mean.repeat(1, channels, *([1] * (weight.dim() - 2))) * (
        weight.shape[1] / channels)


def load_prefixed_weights(model: nn.Module,
                          checkpoint: str,
                          prefix: str = '',
                          adapt_input_channels: bool = False,
                          target: str = '') -> str:
    """Copy the checkpoint's ``prefix*`` weights into ``model``.

    A key ``prefix + k`` of the checkpoint goes to the model's
    ``target + k`` (e.g. ``prefix='student.', target='backbone.'``: a
    supervision-transfer student, a bare backbone, into a detector's
    backbone). Keys missing in the model are ignored, shape mismatches
    skipped (or a first convolution adapted, see :func:`adapt_conv_input`);
    it is an error if nothing at all is loaded.

    Returns:
        str: A one-line report of what was loaded, adapted and skipped.
    """
    full = _state_dict(checkpoint)
    state = {
        target + k[len(prefix):]: v
        for k, v in full.items() if k.startswith(prefix)
    }
    own = model.state_dict()
    loaded, adapted, skipped = {}, [], []
    for key, value in state.items():
        if key not in own:
            continue
        mine = own[key]
        if value.shape == mine.shape:
            loaded[key] = value
        elif (adapt_input_channels and value.dim() >= 4
              and value.shape[0] == mine.shape[0]
              and value.shape[2:] == mine.shape[2:]):
            loaded[key] = adapt_conv_input(value, mine.shape[1])
            adapted.append(key)
        else:
            skipped.append(key)
    if not loaded:
        prefixes = sorted({k.split('.')[0] + '.' for k in full})
        raise FsatUserError(
            f'{checkpoint}: no weights under prefix {prefix!r} match the '
            + (f'model under {target!r} ' if target else 'model ')
            + f'(prefixes in the file: {", ".join(prefixes)})')
    model.load_state_dict(loaded, strict=False)
    missing = [k for k in own if k not in loaded]
    return (f'loaded {len(loaded)} tensors from {checkpoint} '
            f'(prefix {prefix!r}'
            + (f' into {target!r}' if target else '')
            + f'); adapted input channels: {adapted or "-"}; '
            f'skipped (shape): {skipped or "-"}; left as initialised: '
            f'{len(missing)}')
