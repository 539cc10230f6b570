# Copyright (c) fsat contributors. All rights reserved.
"""FastRCNN2D and LateFusionDetector2D (with Det2DDataPreprocessor):
predictions in original pixels, late fusion equal to a manual average,
checkpoint prefixes, a few training steps on bright squares (with and
without an RPN), bad input."""
import numpy as np
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.transforms import Compose
from mmengine.dataset import pseudo_collate
from mmengine.structures import BaseDataElement, InstanceData

from fsat.evaluation.metrics import VOCBoxMAP
from fsat.models import (
    Det2DDataPreprocessor,
    FastRCNN2D,
    LateFusionDetector2D,
    ModelConfigError,
)
from fsat.registry import MODELS


@MODELS.register_module(force=True)
class TinyDet2DBackbone(nn.Module):
    """Two stride-2 convolutions: a stride-4 map of ``2 * channels``."""

    def __init__(self, in_channels=3, channels=8, as_tuple=False):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, channels, 3, 2, 1)
        self.conv2 = nn.Conv2d(channels, 2 * channels, 3, 2, 1)
        self.as_tuple = as_tuple

    def forward(self, x):
        x1 = F.relu(self.conv1(x))
        x2 = F.relu(self.conv2(x1))
        return (x1, x2) if self.as_tuple else x2


def _cfg(num_classes=2, **kwargs):
    cfg = dict(
        type='FastRCNN2D',
        backbone=dict(type='TinyDet2DBackbone'),
        roi_head=dict(in_channels=16, num_classes=num_classes, roi_size=3,
                      fc_channels=16, dropout=0.0),
        feat_stride=4)
    cfg.update(kwargs)
    return cfg


def _sample(img_shape=(32, 32), ori_shape=None, scale=(1.0, 1.0),
            proposals=None, gt=((2., 2., 10., 10.), ), labels=(0, ),
            **meta):
    sample = BaseDataElement(metainfo=dict(
        img_id='x', img_shape=img_shape, ori_shape=ori_shape or img_shape,
        scale_factor=scale, **meta))
    sample.gt_instances = InstanceData(
        bboxes=torch.tensor(gt, dtype=torch.float32).reshape(-1, 4),
        labels=torch.tensor(labels, dtype=torch.long),
        difficult=torch.zeros(len(labels), dtype=torch.bool))
    if proposals is not None:
        sample.proposals = InstanceData(
            bboxes=torch.tensor(proposals, dtype=torch.float32))
    return sample


def _constant_head(model, logits):
    """Make the head output ``logits`` for every RoI and zero deltas."""
    head = model.roi_head
    with torch.no_grad():
        head.fc_cls.weight.zero_()
        head.fc_cls.bias.copy_(torch.tensor(logits))
        head.fc_reg.weight.zero_()
        head.fc_reg.bias.zero_()


# ------------------------------------------------------- preprocessor
def test_preprocessor_normalises_pads_and_records_the_shape():
    pre = Det2DDataPreprocessor(mean=[1., 2., 3.], std=[2., 2., 2.],
                                pad_size_divisor=8)
    a = torch.full((3, 10, 12), 5, dtype=torch.uint8)
    b = torch.full((3, 6, 17), 5, dtype=torch.uint8)
    samples = [BaseDataElement(), BaseDataElement()]
    out = pre(dict(inputs=[a, b], data_samples=samples))
    batch = out['inputs']
    assert batch.shape == (2, 3, 16, 24)
    assert batch[0, :, 0, 0].tolist() == [2.0, 1.5, 1.0]
    assert batch[0, :, 10:].abs().sum() == 0  # padded below
    assert batch[1, :, :, 17:].abs().sum() == 0  # and at the right
    # (the preprocessor returns copies of the data samples)
    assert out['data_samples'][0].metainfo['batch_input_shape'] == (16, 24)

    pre = Det2DDataPreprocessor(mean=dict(rgb=[0.], hha=None),
                                std=dict(rgb=[2.], hha=None),
                                bgr_to_rgb=dict(rgb=True))
    rgb = torch.arange(3.).view(3, 1, 1).expand(3, 4, 4)
    out = pre(dict(inputs=dict(rgb=[rgb], hha=[rgb.clone()]),
                   data_samples=None))
    assert out['inputs']['rgb'][0, :, 0, 0].tolist() == [1.0, 0.5, 0.0]
    assert out['inputs']['hha'][0, :, 0, 0].tolist() == [0.0, 1.0, 2.0]
    with pytest.raises(ValueError, match="'flow' input"):
        pre(dict(inputs=dict(flow=[rgb]), data_samples=None))
    with pytest.raises(ValueError, match='one plain input'):
        pre(dict(inputs=[rgb], data_samples=None))
    with pytest.raises(ValueError, match='pad to different sizes'):
        pre(dict(inputs=dict(rgb=[rgb], hha=[rgb[:, :2]]),
                 data_samples=None))
    with pytest.raises(ModelConfigError, match='both mean and std'):
        Det2DDataPreprocessor(mean=[0.])


# ---------------------------------------------------------- detector
def test_predictions_come_back_in_original_pixels():
    torch.manual_seed(0)
    model = MODELS.build(_cfg())
    _constant_head(model, [2., 0., 0.])
    model.eval()
    # the network input is the original image at half size
    sample = _sample(img_shape=(16, 16), ori_shape=(32, 32),
                     scale=(0.5, 0.5), proposals=[[2., 2., 10., 10.]])
    out = model.predict(model.extract_feat(torch.zeros(1, 3, 16, 16)),
                        [sample])[0]
    pred = out.pred_instances  # one box per class
    torch.testing.assert_close(pred.bboxes,
                               torch.tensor([[4., 4., 20., 20.]] * 2))
    expected = torch.tensor([2., 0., 0.]).softmax(0)
    torch.testing.assert_close(pred.scores, expected[:2])
    assert pred.labels.tolist() == [0, 1]
    torch.testing.assert_close(out.gt_instances.bboxes,
                               torch.tensor([[4., 4., 20., 20.]]))
    assert out.gt_instances.labels.tolist() == [0]
    # a flipped input: boxes are mirrored back first
    sample = _sample(img_shape=(16, 16), ori_shape=(32, 32),
                     scale=(0.5, 0.5), proposals=[[2., 2., 10., 10.]],
                     flip=True, flip_direction='horizontal')
    out = model.predict(model.extract_feat(torch.zeros(1, 3, 16, 16)),
                        [sample])[0]
    torch.testing.assert_close(out.pred_instances.bboxes[:1],
                               torch.tensor([[12., 4., 28., 20.]]))
    torch.testing.assert_close(out.gt_instances.bboxes,
                               torch.tensor([[12., 4., 28., 20.]]))


def test_pipeline_to_metric_end_to_end():
    torch.manual_seed(0)
    model = MODELS.build(_cfg(
        data_preprocessor=dict(type='Det2DDataPreprocessor', mean=[0.],
                               std=[255.], pad_size_divisor=4)))
    model.eval()
    pipeline = Compose([
        dict(type='Det2DResize', short_side=24),
        dict(type='SlidingWindowProposals', scales=(8, 16), ratios=(1, )),
        dict(type='PackDet2DInputs'),
    ])
    items = []
    for size in ((40, 60), (48, 48)):
        img = np.zeros(size + (3, ), np.uint8)
        items.append(pipeline(dict(
            img=img, img_id=str(size), gt_labels=np.array([1]),
            gt_bboxes=np.array([[4., 8., 20., 24.]], np.float32))))
    with torch.no_grad():
        results = model.test_step(pseudo_collate(items))
    assert results[0].metainfo['batch_input_shape'] == (24, 36)
    # ground truth back in original pixels for the metric
    torch.testing.assert_close(results[0].gt_instances.bboxes,
                               torch.tensor([[4., 8., 20., 24.]]))
    for res in results:
        boxes = res.pred_instances.bboxes
        height, width = res.metainfo['ori_shape']
        assert len(boxes) and (boxes >= 0).all()
        assert (boxes[:, 2] <= width).all() and (boxes[:, 3] <= height).all()
    metric = VOCBoxMAP(num_classes=2)
    metric.process({}, [r.to_dict() for r in results])
    assert 0 <= metric.compute_metrics(metric.results)['mAP'] <= 1


def test_sliding_windows_on_the_fly_and_tuple_backbones():
    model = MODELS.build(_cfg(
        backbone=dict(type='TinyDet2DBackbone', as_tuple=True),
        sliding_windows=dict(scales=(8, ), ratios=(1, ))))
    sample = _sample(img_shape=(16, 16))
    props = model.proposals_of([sample], torch.device('cpu'))[0]
    assert len(props) == 9  # 8 x 8 windows every 4 px over 16 x 16
    feats = model(torch.zeros(1, 3, 16, 16), [sample], mode='tensor')
    assert feats.shape == (1, 16, 4, 4)  # the last map of the tuple
    model = MODELS.build(_cfg(
        backbone=dict(type='TinyDet2DBackbone', as_tuple=True),
        roi_head=dict(in_channels=8, num_classes=2, roi_size=3,
                      fc_channels=16),
        feat_stride=2, feature_index=0,
        sliding_windows=dict(scales=(8, ), ratios=(1, ))))
    losses = model(torch.zeros(1, 3, 16, 16), [sample], mode='loss')
    assert set(losses) == {'loss_cls', 'loss_bbox'}


def test_difficult_boxes_are_left_out_of_training():
    model = MODELS.build(_cfg())
    sample = _sample(gt=((0., 0., 8., 8.), (8., 8., 16., 16.)),
                     labels=(0, 1))
    sample.gt_instances.difficult = torch.tensor([False, True])
    boxes, labels = model.ground_truth([sample], torch.device('cpu'))
    assert labels[0].tolist() == [0]
    model = MODELS.build(_cfg(train_with_difficult=True))
    assert model.ground_truth([sample], torch.device('cpu'))[1][0].tolist(
    ) == [0, 1]


def _squares(num=4, size=32, seed=0):
    rng = np.random.default_rng(seed)
    images, samples = [], []
    for _ in range(num):
        side = int(rng.integers(10, 15))
        x, y = (int(v) for v in rng.integers(0, size - side, 2))
        img = torch.zeros(3, size, size)
        img[:, y:y + side, x:x + side] = 1.0
        images.append(img)
        samples.append(_sample(img_shape=(size, size),
                               gt=((x, y, x + side, y + side), ),
                               labels=(0, )))
    return images, samples


def test_a_few_steps_on_bright_squares_lower_the_loss():
    torch.manual_seed(0)
    model = MODELS.build(_cfg(
        num_classes=1, sliding_windows=dict(scales=(8, 12, 16),
                                            ratios=(1, ), stride_ratio=0.25),
        roi_head=dict(in_channels=16, num_classes=1, roi_size=3,
                      fc_channels=32, dropout=0.0, num_rois=32)))
    images, samples = _squares()
    optim = torch.optim.Adam(model.parameters(), lr=0.01)
    total, cls = [], []
    for _ in range(30):
        data = model.data_preprocessor(
            dict(inputs=images, data_samples=samples), True)
        losses = model(**data, mode='loss')
        loss = sum(losses.values())
        optim.zero_grad()
        loss.backward()
        optim.step()
        total.append(loss.item())
        cls.append(losses['loss_cls'].item())
    # (about 1.14 -> 0.83 and 0.62 -> 0.35 when written)
    assert np.mean(total[-5:]) < 0.8 * np.mean(total[:5])
    assert np.mean(cls[-5:]) < 0.7 * np.mean(cls[:5])


# ---------------------------------------------------------------- RPN
def _rpn(**kwargs):
    rpn = dict(feat_channels=16, anchor_scales=(8, 12, 16),
               anchor_ratios=(1.0, ), num_samples=64, allowed_border=-1,
               train_pre_nms=200, train_proposals=50, test_pre_nms=100,
               test_proposals=20)
    rpn.update(kwargs)
    return rpn


def test_rpn_makes_the_proposals():
    torch.manual_seed(0)
    model = MODELS.build(_cfg(rpn_head=_rpn()))
    assert model.rpn_head.feat_stride == 4
    assert model.rpn_head.in_channels == 16  # from roi_head
    own = [[0., 0., 8., 8.]]
    samples = [_sample(img_shape=(16, 16), proposals=own),
               _sample(img_shape=(12, 16))]
    feats = model.extract_feat(torch.rand(2, 3, 16, 16))
    model.eval()
    props = model.proposals_of(samples, feats.device, feats)
    expected = model.rpn_proposals(feats, samples)
    for got, want in zip(props, expected):
        torch.testing.assert_close(got, want)
        assert 0 < len(got) <= 20 and not got.requires_grad
    assert (props[1][:, 3] <= 12).all()  # clipped to its own image
    with pytest.raises(ModelConfigError, match='needs the tapped map'):
        model.proposals_of(samples, feats.device)
    # a sample's own proposals win with use_sample_proposals
    model = MODELS.build(_cfg(rpn_head=_rpn(), use_sample_proposals=True))
    model.eval()
    props = model.proposals_of(samples, feats.device, feats)
    assert props[0].tolist() == own and len(props[1]) > 0
    preds = model(torch.rand(2, 3, 16, 16), samples, mode='predict')
    assert len(preds) == 2 and preds[1].pred_instances.bboxes.shape[1] == 4
    # no RPN: the sample's proposals, unchanged; no rpn_head module
    plain = MODELS.build(_cfg())
    assert plain.rpn_head is None
    assert not any(k.startswith('rpn_head') for k in plain.state_dict())


def test_a_few_steps_with_an_rpn_lower_the_loss():
    torch.manual_seed(0)
    model = MODELS.build(_cfg(
        num_classes=1, rpn_head=_rpn(),
        roi_head=dict(in_channels=16, num_classes=1, roi_size=3,
                      fc_channels=32, dropout=0.0, num_rois=32)))
    images, samples = _squares()
    optim = torch.optim.Adam(model.parameters(), lr=0.01)
    total, rpn = [], []
    for _ in range(20):
        data = model.data_preprocessor(
            dict(inputs=images, data_samples=samples), True)
        losses = model(**data, mode='loss')
        assert set(losses) == {'loss_cls', 'loss_bbox', 'loss_rpn_cls',
                               'loss_rpn_bbox'}
        loss = sum(losses.values())
        optim.zero_grad()
        loss.backward()
        optim.step()
        total.append(loss.item())
        rpn.append(losses['loss_rpn_cls'].item())
    # (about 1.72 -> 0.98 and 0.66 -> 0.08 when written)
    assert np.mean(total[-5:]) < 0.8 * np.mean(total[:5])
    assert np.mean(rpn[-5:]) < 0.8 * np.mean(rpn[:5])


def test_late_fusion_with_rpn_members():
    model = _fusion(dict(rpn_head=_rpn()),
                    data_preprocessor=dict(type='Det2DDataPreprocessor'))
    images, samples = _squares(num=2, size=16)
    data = model.data_preprocessor(
        dict(inputs=dict(rgb=images, hha=images), data_samples=samples),
        True)
    losses = model(**data, mode='loss')
    assert set(losses) == {f'{m}.{k}' for m in ('rgb', 'hha') for k in (
        'loss_cls', 'loss_bbox', 'loss_rpn_cls', 'loss_rpn_bbox')}
    model.eval()
    props, probs, _ = model.fused_outputs(data['inputs'], samples)
    rgb = model.detectors['rgb']
    feats = rgb.extract_feat(dict(rgb=data['inputs']['rgb']))
    for got, want in zip(props, rgb.rpn_proposals(feats, samples)):
        torch.testing.assert_close(got, want)  # the first member's RPN
    assert len(probs) == sum(len(p) for p in props)
    preds = model(data['inputs'], samples, mode='predict')
    assert len(preds) == 2


@MODELS.register_module(force=True)
class NotAnRPNHead2D(nn.Module):

    def __init__(self, in_channels, feat_stride):
        super().__init__()


def test_rpn_config_errors():
    for kwargs, message in (
            (dict(rpn_head=_rpn(), sliding_windows=dict(scales=(8, ))),
             'sliding_windows or rpn_head, not both'),
            (dict(rpn_head=_rpn(feat_stride=8)),
             'rpn_head.feat_stride=8 does not match feat_stride=4'),
            (dict(rpn_head=_rpn(pos_iou=0.2)), 'neg_iou <= pos_iou'),
            (dict(rpn_head=dict(type='NotAnRPNHead2D')),
             'must be an RPNHead2D, got NotAnRPNHead2D'),
            (dict(rpn_head=_rpn(), use_sample_proposals='yes'),
             'use_sample_proposals')):
        with pytest.raises(ModelConfigError, match=message) as err:
            MODELS.build(_cfg(**kwargs))
        assert '\n' not in str(err.value)


# --------------------------------------------------------- late fusion
def _fusion(member=None, **kwargs):
    torch.manual_seed(0)
    member = member or {}
    return MODELS.build(dict(
        type='LateFusionDetector2D',
        detectors=dict(rgb=_cfg(**member), hha=_cfg(**member)), **kwargs))


def test_late_fusion_equals_a_manual_average():
    inputs = dict(rgb=torch.rand(2, 3, 16, 16), hha=torch.rand(2, 3, 16, 16))
    proposals = [[0., 0., 8., 8.], [4., 4., 12., 16.]]
    for mode in ('logits', 'probs'):
        model = _fusion(score_fusion=mode).eval()
        assert isinstance(model, LateFusionDetector2D)
        samples = [_sample(img_shape=(16, 16), proposals=proposals)
                   for _ in range(2)]
        props, probs, deltas = model.fused_outputs(inputs, samples)
        rois = FastRCNN2D.rois_of(props)
        outs = [m.roi_head(m.extract_feat(inputs), rois)
                for m in model.detectors.values()]
        (c_rgb, d_rgb), (c_hha, d_hha) = outs
        if mode == 'logits':
            expected = ((c_rgb + c_hha) / 2).softmax(-1)
        else:
            expected = (c_rgb.softmax(-1) + c_hha.softmax(-1)) / 2
        torch.testing.assert_close(probs, expected)
        torch.testing.assert_close(deltas, (d_rgb + d_hha) / 2)
        # predictions: the first head's decoding of the fused outputs
        preds = model(inputs, samples, mode='predict')
        boxes, scores, labels = model.detectors['rgb'].roi_head.detections(
            expected[:2], ((d_rgb + d_hha) / 2)[:2], props[0], (16, 16))
        torch.testing.assert_close(preds[0].pred_instances.scores, scores)
        torch.testing.assert_close(preds[0].pred_instances.bboxes, boxes)


def test_late_fusion_loss_sums_prefixed_member_losses():
    model = _fusion(dict(sliding_windows=dict(scales=(8, ))),
                    data_preprocessor=dict(type='Det2DDataPreprocessor'))
    images, samples = _squares(num=2, size=16)
    data = model.data_preprocessor(
        dict(inputs=dict(rgb=images, hha=images), data_samples=samples),
        True)
    losses = model(**data, mode='loss')
    assert set(losses) == {'rgb.loss_cls', 'rgb.loss_bbox',
                           'hha.loss_cls', 'hha.loss_bbox'}
    feats = model(**data, mode='tensor')
    assert set(feats) == {'rgb', 'hha'}


def test_late_fusion_loads_member_checkpoints(tmp_path):
    torch.manual_seed(1)
    rgb = MODELS.build(_cfg())
    hha = MODELS.build(_cfg())
    torch.save(dict(state_dict=rgb.state_dict()), tmp_path / 'rgb.pth')
    torch.save(dict(state_dict={f'detector.{k}': v
                                for k, v in hha.state_dict().items()}),
               tmp_path / 'hha.pth')
    model = _fusion(checkpoints=dict(rgb=str(tmp_path / 'rgb.pth'),
                                     hha=str(tmp_path / 'hha.pth')))
    for name, source in (('rgb', rgb), ('hha', hha)):
        for key, value in source.state_dict().items():
            torch.testing.assert_close(
                model.detectors[name].state_dict()[key], value)
    model.init_weights()  # reloads after initialisers
    torch.testing.assert_close(
        model.detectors['hha'].roi_head.fc_cls.weight,
        hha.roi_head.fc_cls.weight)
    # a late-fusion checkpoint of its own holds both under detectors.<name>
    torch.save(dict(state_dict=model.state_dict()), tmp_path / 'both.pth')
    again = _fusion(checkpoints=dict(hha=str(tmp_path / 'both.pth')))
    torch.testing.assert_close(again.detectors['hha'].roi_head.fc_cls.weight,
                               hha.roi_head.fc_cls.weight)
    wide = MODELS.build(_cfg(num_classes=3))
    torch.save(wide.state_dict(), tmp_path / 'wide.pth')
    with pytest.raises(ModelConfigError, match='shape mismatch'):
        _fusion(checkpoints=dict(rgb=str(tmp_path / 'wide.pth')))
    with pytest.raises(ModelConfigError, match='not found'):
        _fusion(checkpoints=dict(rgb=str(tmp_path / 'none.pth')))
    with pytest.raises(ModelConfigError, match='checkpoints name'):
        _fusion(checkpoints=dict(flow=str(tmp_path / 'rgb.pth')))


# ---------------------------------------------------------- bad input
def test_bad_input_errors():
    model = MODELS.build(_cfg())
    sample = _sample(img_shape=(16, 16))
    with pytest.raises(ModelConfigError, match='no proposals and '
                       'sliding_windows is not set'):
        model(torch.zeros(1, 3, 16, 16), [sample], mode='loss')
    wrong = MODELS.build(_cfg(feat_stride=8))
    with pytest.raises(ModelConfigError,
                       match=r'feat_stride=8.*32x32 input to a 8x8 map'):
        wrong(torch.zeros(1, 3, 32, 32), mode='tensor')
    rgb_only = MODELS.build(_cfg(modality='hha'))
    with pytest.raises(ModelConfigError, match="modality='hha'"):
        rgb_only(dict(rgb=torch.zeros(1, 3, 16, 16)), mode='tensor')
    two = dict(rgb=torch.zeros(1, 3, 16, 16), hha=torch.zeros(1, 3, 16, 16))
    with pytest.raises(ModelConfigError, match='set modality'):
        model(two, mode='tensor')
    fusion = _fusion()
    with pytest.raises(ModelConfigError, match="reads 'hha'"):
        fusion(dict(rgb=[torch.zeros(3, 16, 16)]), [sample],
               mode='predict')
    with pytest.raises(ModelConfigError, match='spatial_scale'):
        MODELS.build(_cfg(roi_head=dict(in_channels=16, num_classes=2,
                                        spatial_scale=1 / 16)))
    with pytest.raises(ModelConfigError, match='feature_index'):
        MODELS.build(_cfg(feature_index=0))(torch.zeros(1, 3, 16, 16))
    with pytest.raises(ModelConfigError, match='unknown keys'):
        MODELS.build(_cfg(sliding_windows=dict(size=3)))
    with pytest.raises(ModelConfigError, match='at least two'):
        MODELS.build(dict(type='LateFusionDetector2D',
                          detectors=dict(rgb=_cfg())))
    with pytest.raises(ModelConfigError, match='must agree'):
        MODELS.build(dict(type='LateFusionDetector2D',
                          detectors=dict(rgb=_cfg(), hha=_cfg(3))))
