# Copyright (c) fsat contributors. All rights reserved.
"""Channels-last 3-D convolution weights (``to_channels_last``,
``ChannelsLastHook``): only 5-D tensors change layout, the parameters stay
the objects an optimiser holds, training follows the default format's up
to float rounding, checkpoints move between the layouts, and the hook
does it in a real ``tools/train.py`` run."""
import copy
import os.path as osp
import re

import pytest
import torch
from mmengine.config import Config
from torch import nn

from fsat.engine import to_channels_last
from fsat.testing import run_tool, toy_train_config

CL3D = torch.channels_last_3d


class _Net(nn.Module):

    def __init__(self):
        super().__init__()
        self.conv3d = nn.Conv3d(3, 4, 3, padding=1)
        self.bn = nn.BatchNorm3d(4)
        self.conv2d = nn.Conv2d(3, 4, 3)
        self.fc = nn.Linear(4, 2)
        self.register_buffer('volume', torch.randn(2, 3, 2, 2, 2))
        self.register_buffer('empty', None)


def test_only_5d_tensors_change_layout_and_stay_the_same_objects():
    torch.manual_seed(0)
    net = _Net()
    before = {k: v.clone() for k, v in net.state_dict().items()}
    weight = net.conv3d.weight
    optim = torch.optim.SGD(net.parameters(), lr=0.1)
    assert to_channels_last(net) == 2  # conv3d.weight and the buffer
    assert net.conv3d.weight is weight
    assert weight.is_contiguous(memory_format=CL3D)
    assert not weight.is_contiguous()
    assert net.volume.is_contiguous(memory_format=CL3D)
    assert net.conv2d.weight.is_contiguous()  # 4-D: left as it was
    assert net.fc.weight.is_contiguous()
    for key, value in net.state_dict().items():  # values unchanged
        assert torch.equal(value, before[key]), key
    # the optimiser updates the converted parameter in place
    net.conv3d(torch.randn(1, 3, 2, 4, 4)).sum().backward()
    optim.step()
    assert net.conv3d.weight is weight
    assert not torch.equal(weight, before['conv3d.weight'])
    assert to_channels_last(net) == 0  # nothing left to convert


def _student():
    from mmengine.registry import DefaultScope

    from fsat.apis import load_config
    from fsat.registry import MODELS
    cfg = load_config('configs/vpn/i3d_nl_rgb_synth.py')
    torch.manual_seed(0)
    with DefaultScope.overwrite_default_scope('fsat'):
        return MODELS.build(cfg.model.to_dict())


def test_the_vpn_student_trains_as_in_the_default_format():
    """Three SGD steps of the synthetic VPN++ RGB student (3-D ResNet with
    a non-local block, batch norm) from the same weights on the same
    batch: the same losses and weights up to float rounding, and its
    feature maps are channels-last throughout."""
    from mmaction.structures import ActionDataSample
    from mmengine.optim import OptimWrapper
    plain = _student().train()
    last = copy.deepcopy(plain)
    assert to_channels_last(last) > 10
    gen = torch.Generator().manual_seed(1)
    batch = dict(
        inputs=[torch.randint(0, 256, (1, 3, 8, 64, 64), generator=gen)
                .float() for _ in range(4)],
        data_samples=[ActionDataSample().set_gt_labels(i % 13)
                      for i in range(4)])
    losses = {}
    for name, model in (('plain', plain), ('last', last)):
        optim = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.01,
                                             momentum=0.9))
        torch.manual_seed(2)  # the head's dropout draws the same masks
        losses[name] = [float(model.train_step(batch, optim)['loss_cls'])
                        for _ in range(3)]
    assert losses['last'] == pytest.approx(losses['plain'], rel=1e-4)
    assert losses['plain'][2] != losses['plain'][0]  # it did train
    for (key, a), b in zip(plain.state_dict().items(),
                           last.state_dict().values()):
        if a.is_floating_point():
            torch.testing.assert_close(b, a, rtol=1e-3, atol=1e-4,
                                       msg=key)
    feats = last.backbone(torch.randn(2, 3, 8, 64, 64))
    assert feats.is_contiguous(memory_format=CL3D)


def test_checkpoints_move_between_the_layouts():
    source = _student().eval()
    last = _student().eval()
    to_channels_last(last)
    for p in last.parameters():  # other weights than source's
        p.data.add_(0.5)
    last.load_state_dict(source.state_dict())  # default -> channels-last
    assert last.backbone.conv1.conv.weight.is_contiguous(memory_format=CL3D)
    back = _student().eval()
    for p in back.parameters():
        p.data.add_(0.5)
    back.load_state_dict(last.state_dict())  # channels-last -> default
    assert back.backbone.conv1.conv.weight.is_contiguous()
    x = torch.randn(1, 3, 8, 64, 64)
    with torch.no_grad():
        ref = source.backbone(x)
        torch.testing.assert_close(last.backbone(x), ref, rtol=1e-4,
                                   atol=1e-5)
        torch.testing.assert_close(back.backbone(x), ref, rtol=0, atol=0)


def test_the_hook_in_a_real_training_run(tmp_path):
    """tools/train.py with and without the hook: it logs what it
    converted, and both runs end at the same weights up to rounding."""
    ends = {}
    for name, hooks in (('plain', []), ('last', [dict(
            type='ChannelsLastHook')])):
        work = str(tmp_path / name)
        cfg = toy_train_config(work, max_iters=4, checkpoint_interval=4)
        cfg['custom_hooks'] = hooks
        path = str(tmp_path / f'{name}.py')
        Config(cfg).dump(path)
        proc = run_tool('train.py', [path, '--work-dir', work])
        assert proc.returncode == 0, proc.stderr[-3000:]
        log = proc.stdout + proc.stderr
        converted = re.findall(r'ChannelsLastHook: (\d+) 3-D', log)
        assert converted == ([] if name == 'plain' else ['2'])
        ends[name] = torch.load(osp.join(work, 'iter_4.pth'),
                                map_location='cpu',
                                weights_only=False)['state_dict']
    weight = ends['last']['backbone.conv1.weight']
    assert weight.is_contiguous(memory_format=CL3D)
    for key, value in ends['plain'].items():
        torch.testing.assert_close(ends['last'][key], value, rtol=1e-4,
                                   atol=1e-5, msg=key)
