# Copyright (c) fsat contributors. All rights reserved.
"""AlexNetTrunk and VGGTrunk: hand-computed layer sizes, layer_info
strides, frozen layers, torchvision-format loading with channel
adaptation, bad configs, and a FastRCNN2D on AlexNet conv5."""
import pytest
import torch
from mmengine.structures import BaseDataElement, InstanceData

from fsat.models import (
    AlexNetTrunk,
    ModelConfigError,
    VGGTrunk,
    layer_stride,
)
from fsat.registry import MODELS

ALEX_NAMES = ('conv1', 'pool1', 'conv2', 'pool2', 'conv3', 'conv4',
              'conv5', 'pool5')
VGG11_NAMES = ('conv1_1', 'pool1', 'conv2_1', 'pool2', 'conv3_1', 'conv3_2',
               'pool3', 'conv4_1', 'conv4_2', 'pool4', 'conv5_1', 'conv5_2',
               'pool5')


def _sizes(model, size, channels=3):
    outs = model(torch.zeros(1, channels, size, size))
    return {n: tuple(o.shape[1:]) for n, o in zip(model.out_layers, outs)}


@torch.no_grad()
def test_alexnet_caffe_sizes_at_67():
    model = AlexNetTrunk(out_layers=ALEX_NAMES)
    # conv1: floor((67 - 11) / 4) + 1 = 15; pools 3x3/2 with ceil:
    # pool1 ceil((15 - 3) / 2) + 1 = 7; conv2 (5x5 pad 2) 7;
    # pool2 ceil((7 - 3) / 2) + 1 = 3; conv3-5 (3x3 pad 1) 3;
    # pool5 ceil((3 - 3) / 2) + 1 = 1
    assert _sizes(model, 67) == {
        'conv1': (96, 15, 15), 'pool1': (96, 7, 7), 'conv2': (256, 7, 7),
        'pool2': (256, 3, 3), 'conv3': (384, 3, 3), 'conv4': (384, 3, 3),
        'conv5': (256, 3, 3), 'pool5': (256, 1, 1)}
    assert model.layer_info['pool5'] == dict(stride=32, channels=256)
    assert layer_stride(model, 'conv5') == dict(stride=16, channels=256)


@torch.no_grad()
def test_alexnet_torchvision_sizes_and_conv1_padding_7():
    model = AlexNetTrunk(arch='torchvision', out_layers=ALEX_NAMES)
    # conv1 pad 2: floor((67 + 4 - 11) / 4) + 1 = 16; floor pools:
    # pool1 floor(13 / 2) + 1 = 7; pool2 floor(4 / 2) + 1 = 3; pool5 1
    sizes = _sizes(model, 67)
    assert sizes['conv1'] == (64, 16, 16)
    assert sizes['pool1'] == (64, 7, 7)
    assert sizes['conv2'] == (192, 7, 7)
    assert sizes['pool2'] == (192, 3, 3)
    assert sizes['pool5'] == (256, 1, 1)
    # the HHA AlexNet's conv1 padding 7: 67 + 14 = 81 -> floor(70/4)+1 =
    # 18; pool1 ceil(15/2)+1 = 9; pool2 ceil(6/2)+1 = 4; pool5
    # ceil(1/2)+1 = 2, the VGG pool5 size (67 -> 33 -> 16 -> 8 -> 4 -> 2)
    hha = AlexNetTrunk(conv1_padding=7, out_layers=('conv1', 'pool5'))
    conv1, pool5 = hha(torch.zeros(1, 3, 67, 67))
    assert conv1.shape[-1] == 18 and pool5.shape[-2:] == (2, 2)


@torch.no_grad()
def test_vgg11_sizes_at_32():
    model = VGGTrunk(depth=11, out_layers=VGG11_NAMES)
    # 3x3 pad-1 convs keep the size, each 2x2/2 pool halves it:
    # 32 -> 16 -> 8 -> 4 -> 2 -> 1
    assert _sizes(model, 32) == {
        'conv1_1': (64, 32, 32), 'pool1': (64, 16, 16),
        'conv2_1': (128, 16, 16), 'pool2': (128, 8, 8),
        'conv3_1': (256, 8, 8), 'conv3_2': (256, 8, 8),
        'pool3': (256, 4, 4), 'conv4_1': (512, 4, 4),
        'conv4_2': (512, 4, 4), 'pool4': (512, 2, 2),
        'conv5_1': (512, 2, 2), 'conv5_2': (512, 2, 2),
        'pool5': (512, 1, 1)}
    assert model.layer_info['pool5'] == dict(stride=32, channels=512)
    assert model.layer_info['conv3_2'] == dict(stride=4, channels=256)
    names = [n for n, _ in VGGTrunk(depth=16, out_layers='conv1_1')._plan]
    assert names[:3] == ['conv1_1', 'conv1_2', 'pool1']
    assert 'conv5_3' in names and len(names) == 13 + 5


@torch.no_grad()
@pytest.mark.parametrize('arch', ['caffe', 'torchvision'])
def test_layer_info_matches_forward(arch):
    """Adding ``stride`` input pixels adds exactly one cell, and the
    channels are the forward's."""
    model = AlexNetTrunk(arch=arch, out_layers=ALEX_NAMES)
    base = _sizes(model, 67)
    for name in ALEX_NAMES:
        info = model.layer_info[name]
        grown = _sizes(model, 67 + info['stride'])[name]
        assert grown[0] == base[name][0] == info['channels']
        assert grown[1] - base[name][1] == 1, name


@torch.no_grad()
def test_out_layer_order_and_fc():
    model = AlexNetTrunk(arch='torchvision', out_layers=('fc7', 'conv1',
                                                         'fc6'),
                         with_fc=True, fc_channels=8).eval()
    fc7, conv1, fc6 = model(torch.rand(2, 3, 67, 67))
    assert fc7.shape == (2, 8) and fc6.shape == (2, 8)
    assert conv1.shape == (2, 64, 16, 16)
    # a 1x1 pool5 is spread over the 6x6 grid fc6 reads (adaptive pooling)
    pool5 = AlexNetTrunk(arch='torchvision', out_layers='pool5')
    pool5.load_state_dict(model.state_dict(), strict=False)
    grid = pool5(torch.ones(1, 3, 67, 67)).expand(1, 256, 6, 6)
    expected = torch.relu(model.fc6(grid.flatten(1)))
    torch.testing.assert_close(model(torch.ones(1, 3, 67, 67))[2],
                               expected)
    assert model.layer_info['fc6'] == dict(stride=None, channels=8)


def test_frozen_layers_do_not_move():
    torch.manual_seed(0)
    model = AlexNetTrunk(arch='torchvision', out_layers='pool5',
                         with_fc=True, fc_channels=4,
                         frozen_layers=('conv1', 'conv2', 'fc6'))
    model.train()
    assert not model.conv1.training and not model.drop6.training
    assert model.conv3.training and model.fc7.training
    assert not any(p.requires_grad for p in model.conv2.parameters())
    before = {k: v.clone() for k, v in model.state_dict().items()}
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.SGD(params, lr=0.1)
    model(torch.rand(1, 3, 67, 67)).sum().backward()
    opt.step()
    after = model.state_dict()
    for key in ('conv1.weight', 'conv1.bias', 'conv2.weight', 'fc6.weight'):
        assert torch.equal(before[key], after[key]), key
    assert not torch.equal(before['conv3.weight'], after['conv3.weight'])


def _torchvision_alexnet(model, num_classes=5):
    """Our tensors under torchvision's AlexNet keys."""
    index = dict(conv1=0, conv2=3, conv3=6, conv4=8, conv5=10)
    state = {}
    for name, i in index.items():
        state[f'features.{i}.weight'] = getattr(model, name).weight.clone()
        state[f'features.{i}.bias'] = getattr(model, name).bias.clone()
    for name, i in (('fc6', 1), ('fc7', 4)):
        state[f'classifier.{i}.weight'] = getattr(model, name).weight.clone()
        state[f'classifier.{i}.bias'] = getattr(model, name).bias.clone()
    width = model.fc7.out_features
    state['classifier.6.weight'] = torch.zeros(num_classes, width)
    state['classifier.6.bias'] = torch.zeros(num_classes)
    return state


def test_torchvision_state_dict_round_trip(tmp_path):
    torch.manual_seed(0)
    src = AlexNetTrunk(arch='torchvision', with_fc=True, fc_channels=6)
    path = str(tmp_path / 'alexnet.pth')
    torch.save(_torchvision_alexnet(src), path)
    torch.manual_seed(1)
    dst = AlexNetTrunk(arch='torchvision', with_fc=True, fc_channels=6,
                       pretrained=path)
    for key, value in src.state_dict().items():
        assert torch.equal(dst.state_dict()[key], value), key
    # wrapped in {'state_dict': ...}; convolutions only when with_fc=False
    torch.save(dict(state_dict=_torchvision_alexnet(src)), path)
    convs = AlexNetTrunk(arch='torchvision', pretrained=path)
    assert torch.equal(convs.conv5.weight, src.conv5.weight)
    # the trunk's own keys
    own = str(tmp_path / 'own.pth')
    torch.save(src.state_dict(), own)
    again = AlexNetTrunk(arch='torchvision', with_fc=True, fc_channels=6,
                         pretrained=own)
    assert torch.equal(again.fc7.weight, src.fc7.weight)


def test_vgg_torchvision_state_dict_and_channel_adaptation(tmp_path):
    torch.manual_seed(0)
    src = VGGTrunk(depth=11)
    convs = [n for n, k in src._plan if k == 'conv']
    # torchvision VGG-11 features: conv, relu (+ pool after each block)
    indices = [0, 3, 6, 8, 11, 13, 16, 18]
    state = {}
    for name, i in zip(convs, indices):
        state[f'features.{i}.weight'] = getattr(src, name).weight.clone()
        state[f'features.{i}.bias'] = getattr(src, name).bias.clone()
    path = str(tmp_path / 'vgg11.pth')
    torch.save(state, path)
    dst = VGGTrunk(depth=11, pretrained=path)
    for key, value in src.state_dict().items():
        assert torch.equal(dst.state_dict()[key], value), key
    # two input channels (flow x, y): both read the mean RGB filter
    flow = VGGTrunk(depth=11, in_channels=2, pretrained=path,
                    out_layers='conv1_1')
    mean = src.conv1_1.weight.mean(1, keepdim=True)
    assert flow.conv1_1.weight.shape == (64, 2, 3, 3)
    torch.testing.assert_close(flow.conv1_1.weight[:, :1], mean)
    torch.testing.assert_close(flow.conv1_1.weight[:, 1:], mean)
    torch.testing.assert_close(flow.conv2_1.weight, src.conv2_1.weight)


def test_alexnet_channel_adaptation(tmp_path):
    torch.manual_seed(0)
    src = AlexNetTrunk()
    path = str(tmp_path / 'own.pth')
    torch.save(src.state_dict(), path)
    one = AlexNetTrunk(in_channels=1, pretrained=path)
    torch.testing.assert_close(one.conv1.weight,
                               src.conv1.weight.mean(1, keepdim=True))
    same = AlexNetTrunk(in_channels=3, pretrained=path)  # HHA: a copy
    assert torch.equal(same.conv1.weight, src.conv1.weight)


def test_bad_configs(tmp_path):
    with pytest.raises(ModelConfigError, match="unknown layer 'conv9'"):
        AlexNetTrunk(out_layers=('conv9', ))
    with pytest.raises(ModelConfigError, match="unknown layer 'conv5_3'"):
        VGGTrunk(depth=11, frozen_layers=('conv5_3', ))
    with pytest.raises(ModelConfigError, match='with_fc=True'):
        AlexNetTrunk(out_layers='fc7')
    with pytest.raises(ModelConfigError, match='arch'):
        AlexNetTrunk(arch='zf')
    with pytest.raises(ModelConfigError, match='depth'):
        VGGTrunk(depth=12)
    missing = str(tmp_path / 'nope.pth')
    with pytest.raises(ModelConfigError, match='nope.pth.*does not exist'):
        AlexNetTrunk(pretrained=missing)
    # a VGG file into an AlexNet: 8 convolutions, not 5
    vgg = VGGTrunk(depth=11)
    state = {f'features.{i}.weight': torch.zeros(1, 1, 3, 3)
             for i in range(8)}
    path = str(tmp_path / 'vgg.pth')
    torch.save(state, path)
    with pytest.raises(ModelConfigError, match='vgg.pth holds 8 conv'):
        AlexNetTrunk(pretrained=path)
    # own keys with one missing and one foreign
    own = AlexNetTrunk().state_dict()
    del own['conv3.bias']
    own['head.weight'] = torch.zeros(1)
    path = str(tmp_path / 'own.pth')
    torch.save(own, path)
    with pytest.raises(ModelConfigError,
                       match=r"own.pth keys do not match.*conv3.bias.*"
                       r"head.weight"):
        AlexNetTrunk(pretrained=path)
    # a torchvision-arch file into the caffe arch: conv1 96 vs 64 filters
    tv = {f'{n}.{p}': t for n in ('conv1', )
          for p, t in (('weight', torch.zeros(64, 3, 11, 11)),
                       ('bias', torch.zeros(64)))}
    tv.update({k: v for k, v in AlexNetTrunk().state_dict().items()
               if not k.startswith('conv1')})
    torch.save(tv, path)
    with pytest.raises(ModelConfigError, match='conv1 has weight'):
        AlexNetTrunk(pretrained=path)
    with pytest.raises(ModelConfigError, match='no layer_info'):
        layer_stride(torch.nn.Conv2d(1, 1, 1), 'pool5')
    with pytest.raises(ModelConfigError, match="unknown layer 'fc6'"):
        layer_stride(vgg, 'fc6')


@torch.no_grad()
def test_fast_rcnn2d_on_alexnet_conv5():
    torch.manual_seed(0)
    model = MODELS.build(dict(
        type='FastRCNN2D',
        backbone=dict(type='AlexNetTrunk', out_layers=('conv5', )),
        roi_head=dict(in_channels=256, num_classes=2, roi_size=3,
                      fc_channels=8, dropout=0.0),
        feat_stride=16)).eval()
    # 99 -> conv1 floor(88/4)+1 = 23 -> pool1 ceil(20/2)+1 = 11 -> pool2
    # ceil(8/2)+1 = 5 = conv5 (99 / 16 = 6.2 cells; unpadded conv1)
    sample = BaseDataElement(metainfo=dict(
        img_id='x', img_shape=(99, 99), ori_shape=(99, 99),
        scale_factor=(1.0, 1.0)))
    sample.proposals = InstanceData(
        bboxes=torch.tensor([[4., 4., 60., 60.], [30., 20., 90., 80.]]))
    feats = model.extract_feat(torch.rand(1, 3, 99, 99))
    assert feats.shape == (1, 256, 5, 5)
    pred = model.predict(feats, [sample])[0].pred_instances
    assert pred.bboxes.shape[1] == 4 and len(pred.scores) == len(pred.labels)
    assert torch.isfinite(pred.scores).all()
