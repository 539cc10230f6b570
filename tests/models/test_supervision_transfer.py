# Copyright (c) fsat contributors. All rights reserved.
"""Supervision transfer (Gupta et al.): the squared L2 loss and the
adaptation against hand-computed values, size checks, a frozen teacher and
a learning AlexNet student, the teacher-map cache (float16 bound, stale
rebuild) and the student's route into a FastRCNN2D backbone."""
import os
import os.path as osp
import runpy
import sys
from types import SimpleNamespace

import numpy as np
import pytest
import torch
import torch.nn as nn
from mmengine.structures import BaseDataElement

from fsat.engine.feature_cache import (
    FLOAT16_ABS_BOUND,
    FLOAT16_REL_BOUND,
    FeatureCache,
    build_feature_cache,
    cache_key,
    float16_errors,
)
from fsat.engine.hooks import TeacherFeatureCacheHook
from fsat.evaluation.metrics import TransferL2Metric
from fsat.models import (
    AlexNetTrunk,
    ModelConfigError,
    SquaredL2Loss,
    SupervisionTransferDistiller,
)
from fsat.registry import DATASETS, MODELS
from fsat.testing import repo_path

SIZE = 99  # AlexNet (torchvision arch) pool5 is 2x2 here


@MODELS.register_module(force=True)
class IdentityTrunk(nn.Module):
    """A "backbone" whose ``pool5`` is its input: hand-computable maps."""

    def __init__(self, in_channels=2):
        super().__init__()
        self.in_channels = in_channels
        self.pool5 = nn.Identity()
        self.layer_info = dict(pool5=dict(stride=1, channels=in_channels))

    def forward(self, x):
        return self.pool5(x)


@DATASETS.register_module(force=True)
class TinyPairImages:
    """Paired rgb/hha images stored as ``<root>/<id>.npy`` ([2, 3, H, W]),
    packed as fsat's 2-D datasets pack them (``img_id`` in the metainfo).
    ``gain`` stands for a pipeline setting."""

    def __init__(self, root, ids, gain=1.0, modalities=('rgb', 'hha')):
        self.root, self.ids, self.gain = root, list(ids), gain
        self.modalities = tuple(modalities)

    def __len__(self):
        return len(self.ids)

    def get_data_info(self, i):
        return dict(img_id=self.ids[i],
                    filename=osp.join(self.root, f'{self.ids[i]}.npy'))

    def __getitem__(self, i):
        pair = np.load(self.get_data_info(i)['filename']) * self.gain
        inputs = {m: torch.from_numpy(pair[j].astype(np.float32))
                  for j, m in enumerate(('rgb', 'hha'))
                  if m in self.modalities}
        return dict(inputs=inputs, data_samples=BaseDataElement(
            metainfo=dict(img_id=self.ids[i])))


IDS = ['0001', '0002', '0003']


def write_images(root, ids=IDS, seed=0):
    rng = np.random.default_rng(seed)
    for img_id in ids:
        rgb = rng.random((3, SIZE, SIZE), dtype=np.float32)
        hha = 2 * rgb[::-1] - 1  # another "modality" of the same scene
        np.save(osp.join(root, f'{img_id}.npy'), np.stack([rgb, hha]))


def alexnet_pair(tmp_path, seed=0, **kwargs):
    """A torchvision-arch AlexNet teacher (saved, loaded from its file)
    and an AlexNet HHA student."""
    torch.manual_seed(seed)
    ckpt = str(tmp_path / 'teacher.pth')
    if not osp.exists(ckpt):
        torch.save(AlexNetTrunk(arch='torchvision').state_dict(), ckpt)
    kwargs.setdefault('teacher', dict(
        model=dict(type='AlexNetTrunk', arch='torchvision'),
        checkpoint=ckpt))
    return SupervisionTransferDistiller(
        student=dict(type='AlexNetTrunk', arch='torchvision'), **kwargs)


def identity_pair(**kwargs):
    model = SupervisionTransferDistiller(
        student=dict(type='IdentityTrunk', in_channels=2),
        teacher=dict(model=dict(type='IdentityTrunk', in_channels=1)),
        **kwargs)
    conv, scale = model.connectors['adapt'].connectors
    with torch.no_grad():
        conv.conv.weight.copy_(torch.tensor([0.5, 1.0]).view(1, 2, 1, 1, 1))
        conv.conv.bias.fill_(-1.0)
        scale.scale.fill_(2.0)
    return model


# hha [2 samples, 2 channels, 1 x 2]; rgb (the teacher's map) [2, 1, 1, 2]
HHA = torch.tensor([[[[1., -1.]], [[2., 0.]]], [[[0., 0.]], [[0., 0.]]]])
RGB = torch.tensor([[[[3., 1.]]], [[[1., 2.]]]])


def test_squared_l2_loss_hand_values():
    s = torch.tensor([[[[1., 2.]]], [[[0., 0.]]]])  # [2, 1, 1, 2]
    t = torch.tensor([[[[0., 0.]]], [[[3., 4.]]]])
    # per sample: 1 + 4 = 5 and 9 + 16 = 25
    assert SquaredL2Loss().per_sample(s, t).tolist() == [5., 25.]
    assert float(SquaredL2Loss()(s, t)) == 15.  # batch mean of the sums
    assert float(SquaredL2Loss(reduction='mean')(s, t)) == 7.5  # / C*H*W
    assert float(SquaredL2Loss(loss_weight=0.5)(s, t)) == 7.5  # Caffe's
    with pytest.raises(ValueError, match="reduction must be one of"):
        SquaredL2Loss(reduction='batchmean')


def test_adaptation_and_loss_equal_hand_computed_values():
    model = identity_pair()
    # 1x1 conv: 0.5 * c0 + 1.0 * c1 - 1, ReLU, then * 2
    # sample 0: (0.5 + 2 - 1, -0.5 + 0 - 1) = (1.5, -1.5) -> (3, 0)
    # sample 1: (-1, -1) -> (0, 0)
    adapted = model.adapt(HHA, RGB)
    assert adapted.tolist() == [[[[3., 0.]]], [[[0., 0.]]]]
    # squared L2: sample 0 (3-3)^2 + (0-1)^2 = 1, sample 1 1 + 4 = 5
    losses = model(dict(rgb=RGB, hha=HHA), None, mode='loss')
    assert set(losses) == {'distill.loss_transfer'}
    assert float(losses['distill.loss_transfer']) == 3.  # (1 + 5) / 2
    mean = identity_pair(loss=dict(type='SquaredL2Loss', reduction='mean'))
    assert float(mean(dict(rgb=RGB, hha=HHA), None,
                      mode='loss')['distill.loss_transfer']) == 1.5


def test_predict_gives_per_sample_l2_through_the_preprocessor():
    model = identity_pair().eval()
    data = dict(inputs=dict(rgb=list(RGB), hha=list(HHA)),
                data_samples=[BaseDataElement(metainfo=dict(img_id=i))
                              for i in ('a', 'b')])
    outs = model.val_step(data)
    assert [float(o.transfer_l2) for o in outs] == [1., 5.]
    assert [float(o.target_sq_norm) for o in outs] == [10., 5.]
    assert [o.num_elements for o in outs] == [2, 2]
    metric = TransferL2Metric()
    metric.process(data, [o.to_dict() for o in outs])
    result = metric.compute_metrics(metric.results)
    assert result == dict(l2=3., mse=1.5, rel_l2=6. / 15.)
    with pytest.raises(KeyError, match='SupervisionTransferDistiller'):
        metric.process(data, [dict(pred_score=1.)])
    # test time needs no teacher input when it is cached; 'tensor' is the
    # student backbone's own output
    assert torch.equal(model(dict(hha=HHA), mode='tensor'), HHA)


def test_size_mismatch_is_one_line_naming_both_sizes(tmp_path):
    kwargs = dict(student=dict(type='AlexNetTrunk', conv1_padding=7),
                  teacher=dict(model=dict(type='AlexNetTrunk')))
    # caffe AlexNet at 99x99: pool5 3x3 with conv1 padding 7, else 2x2
    with pytest.raises(ModelConfigError) as err:
        SupervisionTransferDistiller(input_size=SIZE, **kwargs)
    text = str(err.value)
    assert '\n' not in text
    assert "student tap 'pool5' gives 3x3" in text
    assert "teacher tap 'pool5' gives 2x2 at input_size 99x99" in text
    assert "spatial_match='pad_crop'" in text
    # without input_size: on the first batch
    model = SupervisionTransferDistiller(**kwargs)
    batch = dict(rgb=torch.rand(1, 3, SIZE, SIZE),
                 hha=torch.rand(1, 3, SIZE, SIZE))
    with pytest.raises(ModelConfigError, match=r'gives 3x3 .* gives 2x2'):
        model(batch, None, mode='loss')
    # matching configured: the adapted map is cropped to the teacher's
    model = SupervisionTransferDistiller(spatial_match='pad_crop',
                                         input_size=SIZE, **kwargs)
    assert model.map_sizes == ((3, 3), (2, 2))
    _, feats = model.run_student(batch)
    target = model.run_teacher('teacher', batch)['teacher.feat']
    adapted = model.adapt(feats['student.feat'], target)
    full = model.connectors['adapt'](feats['student.feat'])
    torch.testing.assert_close(adapted, full[..., :2, :2])  # odd at the end
    # a fixed-size SpatialMatchConnector that misses the teacher's size
    model = SupervisionTransferDistiller(
        adaptation=[dict(type='ConvAdaptConnector', in_channels=256,
                         out_channels=256),
                    dict(type='SpatialMatchConnector', size=4)], **kwargs)
    with pytest.raises(ModelConfigError,
                       match=r'adapted student map is 256x4x4 .* 256x2x2'):
        model(batch, None, mode='loss')


def test_bad_configs_are_one_line_errors():
    kwargs = dict(student=dict(type='IdentityTrunk', in_channels=2),
                  teacher=dict(model=dict(type='IdentityTrunk',
                                          in_channels=1)))
    with pytest.raises(ModelConfigError, match='not trainable'):
        SupervisionTransferDistiller(
            **dict(kwargs, teacher=dict(kwargs['teacher'], trainable=True)))
    with pytest.raises(ModelConfigError, match='teacher_source'):
        SupervisionTransferDistiller(teacher_source='disk', **kwargs)
    with pytest.raises(ModelConfigError, match='spatial_match'):
        SupervisionTransferDistiller(spatial_match='stretch', **kwargs)
    with pytest.raises(ModelConfigError, match='adaptation takes 3 channels'):
        SupervisionTransferDistiller(
            adaptation=dict(type='ConvAdaptConnector', in_channels=3,
                            out_channels=1), **kwargs)
    with pytest.raises(ModelConfigError, match='has 2 channels but the '
                       "teacher tap 'pool5' has 1"):
        SupervisionTransferDistiller(adaptation=[], **kwargs)
    with pytest.raises(ModelConfigError, match="never runs; add 'pool5'"):
        SupervisionTransferDistiller(
            student=dict(type='AlexNetTrunk', out_layers='conv5'),
            teacher=dict(model=dict(type='AlexNetTrunk')))
    with pytest.raises(ModelConfigError, match=r"cannot tell the channels "
                       r"of the teacher tap 'layer3'.*dim="):
        SupervisionTransferDistiller(
            student=dict(type='AlexNetTrunk', out_layers='conv5'),
            student_layer='conv5',
            teacher=dict(model=dict(type='ResNet', depth=18)),
            teacher_layer='layer3')


def test_resnet_teacher_from_a_prefixed_checkpoint(tmp_path):
    """An mmaction2 2-D ResNet teacher loaded from a recognizer-style
    checkpoint (``backbone.*``); AlexNet conv5 (3x3 at 64x64) padded to
    the teacher's layer3 (4x4)."""
    torch.manual_seed(0)
    resnet = MODELS.build(dict(type='ResNet', depth=18))
    state = {f'backbone.{k}': v for k, v in resnet.state_dict().items()}
    state['cls_head.fc_cls.weight'] = torch.zeros(5, 512)
    ckpt = str(tmp_path / 'tsn.pth')
    torch.save(dict(state_dict=state), ckpt)
    model = SupervisionTransferDistiller(
        student=dict(type='AlexNetTrunk', arch='torchvision',
                     out_layers='conv5'),
        student_layer='conv5',
        teacher=dict(model=dict(type='ResNet', depth=18), checkpoint=ckpt,
                     prefix='backbone.'),
        teacher_layer=dict(path='layer3', dim=256),
        spatial_match='pad_crop', input_size=64)
    assert model.map_sizes == ((3, 3), (4, 4))
    for key, value in resnet.state_dict().items():
        assert torch.equal(model.teachers['teacher'].state_dict()[key],
                           value), key
    batch = dict(rgb=torch.rand(2, 3, 64, 64),
                 hha=torch.rand(2, 3, 64, 64))
    loss = model(batch, None, mode='loss')['distill.loss_transfer']
    assert torch.isfinite(loss) and loss > 0
    assert model.teacher_cache_extra()['prefix'] == 'backbone.'


def test_alexnet_student_learns_and_the_teacher_stays_frozen(tmp_path):
    model = alexnet_pair(tmp_path, input_size=SIZE)
    teacher = {k: v.clone()
               for k, v in model.teachers.state_dict().items()}
    student = {k: v.clone() for k, v in model.student.state_dict().items()}
    torch.manual_seed(1)
    rgb = torch.rand(4, 3, SIZE, SIZE)
    batch = dict(rgb=rgb, hha=2 * rgb.flip(1) - 1)
    # every parameter, as the runner's optimizer gets them
    optim = torch.optim.Adam(model.parameters(), lr=3e-4, weight_decay=1e-4)
    losses = []
    for _ in range(12):
        loss = model(batch, None, mode='loss')['distill.loss_transfer']
        optim.zero_grad()
        loss.backward()
        optim.step()
        losses.append(float(loss))
    assert losses[-1] < 0.5 * losses[0], losses
    assert not model.teachers['teacher'].training
    assert not any(p.requires_grad
                   for p in model.teachers['teacher'].parameters())
    for key, value in model.teachers.state_dict().items():
        assert torch.equal(value, teacher[key]), key
    changed = [k for k, v in model.student.state_dict().items()
               if not torch.equal(v, student[k])]
    assert 'conv1.weight' in changed and 'conv5.weight' in changed


def _cache_run(model, root, tmp_path, dtype='float32', **dataset):
    hook = TeacherFeatureCacheHook(
        dict(type='TinyPairImages', root=root, ids=IDS,
             modalities=('rgb', ), **dataset),
        cache_root=str(tmp_path / 'cache'), dtype=dtype)
    hook.before_train(SimpleNamespace(model=model,
                                      work_dir=str(tmp_path)))
    return model._teacher_cache


def _online_maps(model, root, **dataset):
    images = TinyPairImages(root, IDS, **dataset)
    return {img_id: model.teacher_clip_features(
        dict(rgb=images[i]['inputs']['rgb'][None]))[0]
        for i, img_id in enumerate(IDS)}


def _train_batch(root):
    images = TinyPairImages(root, IDS, modalities=('hha', ))
    items = [images[i] for i in range(len(IDS))]
    return dict(inputs=dict(hha=[it['inputs']['hha'] for it in items]),
                data_samples=[it['data_samples'] for it in items])


@pytest.mark.parametrize('dtype', ['float32', 'float16'])
def test_cached_targets_equal_online_ones_within_the_bound(tmp_path, dtype):
    root = str(tmp_path / 'images')
    os.makedirs(root)
    write_images(root)
    model = alexnet_pair(tmp_path, teacher_source='cache').eval()
    cache = _cache_run(model, root, tmp_path, dtype=dtype)
    assert cache.dtype == dtype and cache.item_shape == (256, 2, 2)
    online = _online_maps(model, root)
    for img_id, ref in online.items():
        cached = torch.from_numpy(cache.maps(img_id))[0]
        if dtype == 'float32':
            assert torch.equal(cached, ref)
        else:  # |x16 - x| <= max(2**-11 |x|, 2**-25)
            bound = torch.clamp(FLOAT16_REL_BOUND * ref.abs(),
                                min=FLOAT16_ABS_BOUND)
            assert ((cached - ref).abs() <= bound).all()
    if dtype == 'float16':
        assert 0 < cache.meta['float16_max_rel_error'] <= FLOAT16_REL_BOUND
        assert cache.meta['float16_max_abs_error_below_normal'] <= \
            FLOAT16_ABS_BOUND
    # a training step reads the cache by img_id: no rgb in the batch
    data = model.data_preprocessor(_train_batch(root), True)
    cached_loss = model.loss(data['inputs'], data['data_samples'])
    online = alexnet_pair(tmp_path).eval()
    online.load_state_dict(model.state_dict())
    full = _train_batch(root)
    full['inputs']['rgb'] = [TinyPairImages(root, IDS)[i]['inputs']['rgb']
                             for i in range(len(IDS))]
    data = online.data_preprocessor(full, True)
    online_loss = online.loss(data['inputs'], data['data_samples'])
    torch.testing.assert_close(
        cached_loss['distill.loss_transfer'],
        online_loss['distill.loss_transfer'],
        rtol=0 if dtype == 'float32' else 4 * FLOAT16_REL_BOUND, atol=0)


def test_float16_errors_are_measured_within_the_stated_bound():
    values = np.array([1.0, 1 + 2**-11, 3e-3, 1e-6, 0.0, -7.77],
                      np.float32)
    errors = float16_errors(values)
    # 1 + 2**-11 is halfway between float16 neighbours: the worst case
    assert errors['float16_max_rel_error'] == pytest.approx(
        2**-11 / (1 + 2**-11))
    assert errors['float16_max_abs_error_below_normal'] <= FLOAT16_ABS_BOUND
    big = np.full((1, 2), 7e4, np.float32)
    with pytest.raises(ValueError, match='beyond the float16 range'):
        build_feature_cache('/nonexistent-unused', 'k' * 16, ['a'],
                            lambda _: big, progress=False, dtype='float16')


def test_a_stale_cache_is_rebuilt(tmp_path):
    """Same teacher, pipeline and data: reused. Retrained checkpoint (same
    path), another pipeline setting or rewritten data: a new cache holding
    the maps of the new teacher / view."""
    root = str(tmp_path / 'images')
    os.makedirs(root)
    write_images(root)
    model = alexnet_pair(tmp_path, teacher_source='cache').eval()
    first = _cache_run(model, root, tmp_path)
    assert _cache_run(model, root, tmp_path).folder == first.folder
    folders = {first.folder}
    # a retrained teacher at the same path
    torch.manual_seed(5)
    torch.save(AlexNetTrunk(arch='torchvision').state_dict(),
               str(tmp_path / 'teacher.pth'))
    model = alexnet_pair(tmp_path, teacher_source='cache').eval()
    cache = _cache_run(model, root, tmp_path)
    assert cache.folder not in folders
    folders.add(cache.folder)
    for img_id, ref in _online_maps(model, root).items():
        assert torch.equal(torch.from_numpy(cache.maps(img_id))[0], ref)
    # another pipeline setting
    cache = _cache_run(model, root, tmp_path, gain=0.5)
    assert cache.folder not in folders
    folders.add(cache.folder)
    for img_id, ref in _online_maps(model, root, gain=0.5).items():
        assert torch.equal(torch.from_numpy(cache.maps(img_id))[0], ref)
    # rewritten data files
    write_images(root, seed=1)
    cache = _cache_run(model, root, tmp_path)
    assert cache.folder not in folders
    for img_id, ref in _online_maps(model, root).items():
        assert torch.equal(torch.from_numpy(cache.maps(img_id))[0], ref)
    assert len(os.listdir(tmp_path / 'cache')) == 4


def test_cache_mode_errors(tmp_path):
    model = identity_pair(teacher_source='cache')
    samples = [BaseDataElement(metainfo=dict(img_id='a'))]
    inputs = dict(hha=HHA[:1])
    with pytest.raises(RuntimeError, match='TeacherFeatureCacheHook'):
        model.loss(inputs, samples)
    key = cache_key('cfg', None, 'view', ['a'])
    cache = build_feature_cache(str(tmp_path), key, ['a'],
                                lambda _: RGB[:1].numpy(), progress=False)
    model.set_teacher_cache(FeatureCache(cache.folder))
    assert float(model.loss(inputs, samples)['distill.loss_transfer']) == 1.
    with pytest.raises(KeyError, match="no 'img_id' in its metainfo"):
        model.loss(inputs, [BaseDataElement(metainfo=dict(video_id='a'))])
    with pytest.raises(ValueError, match='flipped'):
        model.loss(inputs, [BaseDataElement(metainfo=dict(img_id='a',
                                                          flip=True))])
    with pytest.raises(KeyError, match='not in the teacher feature cache'):
        model.loss(inputs, [BaseDataElement(metainfo=dict(img_id='b'))])
    with pytest.raises(ValueError, match="one teacher, named 'teacher'"):
        model.set_teacher_cache(cache, teacher='rgb')


def test_exported_student_loads_into_a_fast_rcnn_backbone(
        tmp_path, monkeypatch):
    """tools/export_student.py on a transfer checkpoint, then the AlexNet
    backbone of a FastRCNN2D reads it as its ``pretrained`` file."""
    model = alexnet_pair(tmp_path)
    ckpt = tmp_path / 'iter_10.pth'
    torch.save(dict(state_dict=model.state_dict(), meta=dict()), ckpt)
    out = tmp_path / 'student.pth'
    # the tool itself, in this process (no interpreter start-up)
    monkeypatch.setattr(sys, 'argv',
                        ['export_student.py', str(ckpt), str(out)])
    runpy.run_path(repo_path('tools', 'export_student.py'),
                   run_name='__main__')
    exported = torch.load(out, weights_only=False)['state_dict']
    assert sorted(exported) == sorted(model.student.state_dict())
    detector = MODELS.build(dict(
        type='FastRCNN2D',
        backbone=dict(type='AlexNetTrunk', arch='torchvision',
                      out_layers='conv5', pretrained=str(out)),
        roi_head=dict(in_channels=256, num_classes=2, roi_size=3,
                      fc_channels=16),
        feat_stride=16, modality='hha'))
    weights = detector.backbone.state_dict()
    for key, value in model.student.state_dict().items():
        assert torch.equal(weights[key], value), key
