# Copyright (c) fsat contributors. All rights reserved.
"""The real-data supervision-transfer configs (Gupta et al., CVPR 2016):
AlexNet Fast R-CNN detectors (configs/detection2d/frcnn_alexnet_*), the
transfer steps RGB -> HHA (AlexNet and VGG-16 teachers) and RGB -> flow
(UCF-101), and the synthetic RGB -> flow twin. The paper's numbers are in
the configs; the models build and run on tiny inputs; the VGG-16 teacher's
and the padded AlexNet student's pool5 maps have one size; the weights
travel detector -> teacher and student -> detector."""
import glob
import os.path as osp

import pytest
import torch
from mmengine.dataset import pseudo_collate
from mmengine.registry import DefaultScope
from mmengine.structures import BaseDataElement, InstanceData

from fsat.apis import load_config
from fsat.engine import load_prefixed_weights
from fsat.registry import DATASETS, MODELS
from fsat.testing import repo_path

DETECTORS = ('frcnn_alexnet_rgb_nyud2', 'frcnn_alexnet_hha_nyud2',
             'frcnn_alexnet_hha_noinit_nyud2', 'frcnn_alexnet_rgb_jhmdb',
             'frcnn_alexnet_flow_jhmdb')
TRANSFERS = ('rgb2hha_alexnet_nyud2', 'rgb2hha_vgg16_alexnet_nyud2',
             'rgb2flow_alexnet_ucf101', 'rgb2flow_r18_jhmdb_synth')
ENV = ('FSAT_IMAGENET_ALEXNET', 'FSAT_IMAGENET_VGG16',
       'FSAT_HHA_TRANSFER_CKPT', 'FSAT_FLOW_TRANSFER_CKPT')
CAFFE_BGR = dict(bgr_to_rgb=True, mean=[102.98, 115.95, 122.77],
                 std=[1.0, 1.0, 1.0])
FLOW = dict(mean=[128.0, 128.0, 128.0], std=[1.0, 1.0, 1.0])
SYNTH_JHMDB = repo_path('data', 'synthetic_jhmdb')


@pytest.fixture(autouse=True)
def _no_env(monkeypatch):
    """The configs read these at load time; the tests set them."""
    for name in ENV:
        monkeypatch.delenv(name, raising=False)
    torch.manual_seed(0)
    with DefaultScope.overwrite_default_scope('fsat'):
        yield


def _det(name):
    return load_config(repo_path('configs', 'detection2d', f'{name}.py'))


def _st(name):
    return load_config(
        repo_path('configs', 'supervision_transfer', f'{name}.py'))


def _save_trunk(detector, path):
    """A detector checkpoint holding its trunk only (keys backbone.*), as
    a teacher reads it; returns the path."""
    torch.save(dict(state_dict={
        f'backbone.{k}': v for k, v in detector.backbone.state_dict().items()
    }), str(path))
    return str(path)


def _norm(pre):
    return {k: pre[k] for k in ('bgr_to_rgb', 'mean', 'std') if k in pre}


# --------------------------------------------------------------- numbers
@pytest.mark.parametrize('name', DETECTORS)
def test_detector_paper_settings(name):
    cfg = _det(name)
    noinit = 'noinit' in name
    assert cfg.train_cfg.max_iters == (100000 if noinit else 40000)
    sgd = cfg.optim_wrapper.optimizer
    assert (sgd.type, sgd.lr, sgd.momentum, sgd.weight_decay) == (
        'SGD', 0.01 if noinit else 0.001, 0.9, 5e-4)
    sched = cfg.param_scheduler[0]
    assert sched.milestones == ([30000, 60000, 90000] if noinit else [30000])
    assert sched.gamma == 0.1
    assert cfg.train_dataloader.batch_size == 2
    head, model = cfg.model.roi_head, cfg.model
    assert (head.num_rois, head.fg_fraction) == (128, 0.25)
    # AlexNet Fast R-CNN: conv5 (stride 16), 6x6 RoIPool, fc6 / fc7 4096
    assert model.backbone == dict(
        type='AlexNetTrunk', arch='caffe', in_channels=3, conv1_padding=0,
        out_layers='conv5', pretrained=None,
        **(dict(init_cfg=dict(type='Normal', layer='Conv2d', std=0.01,
                              bias=0.0)) if noinit else {}))
    assert model.feat_stride == 16
    assert (head.roi_layer, head.roi_size, head.in_channels) == (
        'RoIPool', 6, 256)
    assert (head.fc_channels, head.num_fcs) == (4096, 2)
    nyud2 = name.endswith('nyud2')
    assert head.num_classes == (19 if nyud2 else 21)
    resize = next(t for t in cfg.train_dataloader.dataset.pipeline
                  if t.type == 'Det2DResize')
    assert (resize.short_side, resize.max_size) == (
        (688, 1100) if nyud2 else (600, 1000))
    flow = name.endswith('flow_jhmdb')
    assert _norm(model.data_preprocessor) == (FLOW if flow else CAFFE_BGR)
    assert cfg.custom_hooks == []  # nothing set in the environment


def test_transfer_paper_settings():
    alex = _st('rgb2hha_alexnet_nyud2')
    vgg = _st('rgb2hha_vgg16_alexnet_nyud2')
    flow = _st('rgb2flow_alexnet_ucf101')
    for cfg, iters, step, elements in ((alex, 100000, 75000, 256 * 14 * 19),
                                       (vgg, 150000, 112500, 512 * 15 * 20),
                                       (flow, 100000, 75000, 256 * 7 * 9)):
        assert cfg.train_cfg.max_iters == iters
        assert cfg.model.type == 'SupervisionTransferDistiller'
        assert cfg.model.loss == dict(type='SquaredL2Loss', reduction='sum')
        assert (cfg.model.student_layer, cfg.model.teacher_layer) == (
            'pool5', 'pool5')
        assert cfg.model.get('adaptation') is None  # 1x1 conv+ReLU+scale
        assert cfg.model.teacher.prefix == 'backbone.'
        assert cfg.model.teacher.model.pretrained is None
        sgd = cfg.optim_wrapper.optimizer
        assert (sgd.type, sgd.momentum) == ('SGD', 0.9)
        # lr 0.01 / weight decay 5e-4 of the per-element mean
        assert cfg.map_elements == elements
        assert sgd.lr == pytest.approx(0.01 / elements, rel=1e-12)
        assert sgd.weight_decay == pytest.approx(5e-4 * elements)
        assert cfg.param_scheduler[0].milestones == [step]
        assert cfg.param_scheduler[0].gamma == 0.1
    assert alex.model.student.conv1_padding == 0
    assert vgg.model.student.conv1_padding == 7
    assert vgg.model.teacher.model.type == 'VGGTrunk'
    assert vgg.model.teacher.model.depth == 16
    data = alex.train_dataloader.dataset
    assert data.type == 'PairedImageFolderDataset'
    # the raw frames sit under the NYUD2 root, beside the labelled file
    assert data.modalities == dict(rgb='frames/rgb', hha='frames/hha')
    assert data.data_root == alex.val_dataloader.dataset.data_root
    assert alex.val_dataloader.dataset.split == 'test'
    data = flow.train_dataloader.dataset
    assert data.type == 'VideoFramePairsDataset'
    assert data.frames_per_video == 5
    assert osp.basename(data.ann_file) == 'trainlist01.txt'
    assert flow.model.student_modality == 'flow'
    # the transfer normalises as the detectors that take its networks
    pre = alex.model.data_preprocessor.preprocessors
    assert _norm(pre.rgb) == _norm(pre.hha) == CAFFE_BGR
    pre = flow.model.data_preprocessor.preprocessors
    assert (_norm(pre.rgb), _norm(pre.flow)) == (CAFFE_BGR, FLOW)


def test_environment_chooses_the_initialisation(monkeypatch):
    monkeypatch.setenv('FSAT_IMAGENET_ALEXNET', '/w/alexnet.pth')
    monkeypatch.setenv('FSAT_IMAGENET_VGG16', '/w/vgg16.pth')
    rgb = _det('frcnn_alexnet_rgb_nyud2')
    assert rgb.model.backbone.pretrained == '/w/alexnet.pth'
    assert [(h.type, h.checkpoint, h.prefix, h.target)
            for h in rgb.custom_hooks] == [
                ('PretrainedWeightsHook', '/w/alexnet.pth', 'classifier.1.',
                 'roi_head.shared_fcs.0.'),
                ('PretrainedWeightsHook', '/w/alexnet.pth', 'classifier.4.',
                 'roi_head.shared_fcs.3.')]
    # "copy from RGB": the HHA trunk and fc layers from ImageNet
    hha = _det('frcnn_alexnet_hha_nyud2')
    assert hha.model.backbone.pretrained == '/w/alexnet.pth'
    assert hha.custom_hooks == rgb.custom_hooks
    assert _st('rgb2hha_alexnet_nyud2').model.teacher.model.pretrained == \
        '/w/alexnet.pth'
    assert _st('rgb2hha_vgg16_alexnet_nyud2').model.teacher.model \
        .pretrained == '/w/vgg16.pth'
    # "supervision transfer": the student's layers, fc6 / fc7 at random
    monkeypatch.setenv('FSAT_HHA_TRANSFER_CKPT', '/w/st.pth')
    monkeypatch.setenv('FSAT_FLOW_TRANSFER_CKPT', '/w/flow.pth')
    for cfg in (_det('frcnn_alexnet_hha_nyud2'),
                _det('frcnn_alexnet_flow_jhmdb')):
        assert cfg.model.backbone.pretrained is None
        assert len(cfg.custom_hooks) == 1
        hook = cfg.custom_hooks[0]
        assert (hook.prefix, hook.target) == ('student.', 'backbone.')
    # "no init" ignores both
    noinit = _det('frcnn_alexnet_hha_noinit_nyud2')
    assert noinit.model.backbone.pretrained is None
    assert noinit.custom_hooks == []


# ----------------------------------------------------------------- sizes
def _pool5(trunk_cfg, height, width):
    """(H, W) of a trunk's output on an input of that size, by shapes only
    (the meta device computes nothing)."""
    with torch.device('meta'):
        trunk = MODELS.build(trunk_cfg)
        out = trunk(torch.empty(1, 3, height, width))
    return tuple(out.shape[-2:]), out.shape[1]


def test_pool5_sizes_at_the_training_size():
    vgg = _st('rgb2hha_vgg16_alexnet_nyud2').model
    alex = _st('rgb2hha_alexnet_nyud2').model
    flow = _st('rgb2flow_alexnet_ucf101').model
    teacher = _pool5(vgg.teacher.model, 480, 640)
    assert teacher == ((15, 20), 512)
    # conv1 padding 7 brings AlexNet's pool5 to VGG-16's; 0 would not
    assert _pool5(vgg.student, 480, 640) == ((15, 20), 256)
    assert _pool5(alex.student, 480, 640) == ((14, 19), 256)
    assert _pool5(alex.teacher.model, 480, 640) == ((14, 19), 256)
    assert _pool5(flow.student, 240, 320) == ((7, 9), 256)
    # VGG-16 with Caffe's ceil rounding: the same at 480x640
    ceil = dict(vgg.teacher.model, ceil_mode=True)
    assert _pool5(ceil, 480, 640)[0] == (15, 20)


def test_vgg_teacher_and_padded_alexnet_student_match_at_227():
    cfg = _st('rgb2hha_vgg16_alexnet_nyud2')
    model = MODELS.build(cfg.model)
    assert model.probe_sizes(227) == ((7, 7), (7, 7))
    batch = dict(inputs=dict(rgb=torch.rand(2, 3, 227, 227) * 255,
                             hha=torch.rand(2, 3, 227, 227) * 255),
                 data_samples=[BaseDataElement(), BaseDataElement()])
    model.train()
    loss = model(**model.data_preprocessor(batch, training=True),
                 mode='loss')['distill.loss_transfer']
    assert torch.isfinite(loss) and loss > 0
    loss.backward()
    assert model.student.conv1.weight.grad is not None
    assert all(p.grad is None for p in model.teachers.parameters())


def test_rgb_detector_teaches_and_the_student_starts_the_hha_detector(
        tmp_path):
    rgb = MODELS.build(_det('frcnn_alexnet_rgb_nyud2').model)
    # the adapted teacher (AlexNet*): the RGB detector's trunk
    det_ckpt = _save_trunk(rgb, tmp_path / 'rgb_det.pth')
    cfg = _st('rgb2hha_alexnet_nyud2')
    cfg.model.teacher.checkpoint = det_ckpt
    model = MODELS.build(cfg.model)
    teacher = model.teachers['teacher'].state_dict()
    for key, value in rgb.backbone.state_dict().items():
        assert torch.equal(teacher[key], value), key
    assert model.probe_sizes(227) == ((6, 6), (6, 6))
    inputs = dict(rgb=torch.rand(2, 3, 227, 227) * 255,
                  hha=torch.rand(2, 3, 227, 227) * 255)
    data = model.data_preprocessor(
        dict(inputs=inputs, data_samples=[BaseDataElement()] * 2), True)
    loss = model(**data, mode='loss')['distill.loss_transfer']
    # the per-image sum over 256 x 6 x 6, averaged over the 2 images
    assert torch.isfinite(loss) and loss > 0
    # the student's conv1-conv5 start the HHA detector
    st_ckpt = str(tmp_path / 'transfer.pth')
    torch.save(dict(state_dict={
        f'student.{k}': v for k, v in model.student.state_dict().items()
    }), st_ckpt)
    hha = MODELS.build(_det('frcnn_alexnet_hha_nyud2').model)
    report = load_prefixed_weights(hha, st_ckpt, 'student.',
                                   target='backbone.')
    assert report.startswith('loaded 10 tensors')
    for key, value in model.student.state_dict().items():
        assert torch.equal(hha.backbone.state_dict()[key], value), key


# ------------------------------------------------------------- detectors
def _det_batch(model, size=224, channels=3):
    sample = BaseDataElement(metainfo=dict(
        img_id='0', img_shape=(size, size), ori_shape=(size, size),
        scale_factor=(1.0, 1.0)))
    sample.gt_instances = InstanceData(
        bboxes=torch.tensor([[40., 40., 150., 180.]]),
        labels=torch.tensor([1]), difficult=torch.zeros(1, dtype=bool))
    sample.proposals = InstanceData(bboxes=torch.tensor(
        [[30., 30., 140., 170.], [0., 0., 100., 100.],
         [100., 50., 220., 220.], [45., 35., 160., 190.]]))
    image = torch.randint(0, 256, (channels, size, size), dtype=torch.uint8)
    return model.data_preprocessor(
        dict(inputs=[image], data_samples=[sample]), True)


@pytest.mark.parametrize('name', ['frcnn_alexnet_rgb_nyud2',
                                  'frcnn_alexnet_hha_noinit_nyud2',
                                  'frcnn_alexnet_flow_jhmdb'])
def test_detector_runs_a_loss_step(name):
    model = MODELS.build(_det(name).model)
    if 'noinit' in name:
        model.init_weights()
        for conv in ('conv1', 'conv3', 'conv5'):
            layer = getattr(model.backbone, conv)
            std = float(layer.weight.detach().std())
            assert std == pytest.approx(0.01, rel=0.1)
            assert not layer.bias.any()
    model.train()
    losses = model(**_det_batch(model), mode='loss')
    total = sum(v for k, v in losses.items() if 'loss' in k)
    assert torch.isfinite(total)
    total.backward()
    assert model.backbone.conv1.weight.grad.abs().sum() > 0
    assert model.roi_head.shared_fcs[0].weight.shape == (4096, 256 * 36)


def test_vgg16_detector_fast_rcnn_settings(monkeypatch):
    cfg = _det('frcnn_vgg16_rgb_nyud2')
    alex = _det('frcnn_alexnet_rgb_nyud2')
    # the NYUD2 detectors' schedule and data, Fast R-CNN's VGG-16 model
    for key in ('train_cfg', 'optim_wrapper', 'param_scheduler',
                'train_dataloader', 'test_dataloader'):
        assert cfg[key] == alex[key], key
    model, head = cfg.model, cfg.model.roi_head
    assert model.backbone == dict(type='VGGTrunk', depth=16,
                                  out_layers='conv5_3', frozen_layers=(),
                                  pretrained=None)
    assert model.feat_stride == 16
    assert (head.roi_layer, head.roi_size, head.in_channels) == (
        'RoIPool', 7, 512)
    assert (head.fc_channels, head.num_fcs, head.num_classes) == (
        4096, 2, 19)
    assert _norm(model.data_preprocessor) == CAFFE_BGR
    assert cfg.custom_hooks == []
    # ImageNet weights: conv1_1-conv2_2 frozen, fc6 / fc7 into the head
    monkeypatch.setenv('FSAT_IMAGENET_VGG16', '/w/vgg16.pth')
    cfg = _det('frcnn_vgg16_rgb_nyud2')
    assert cfg.model.backbone.pretrained == '/w/vgg16.pth'
    assert cfg.model.backbone.frozen_layers == ('conv1_1', 'conv1_2',
                                                'conv2_1', 'conv2_2')
    assert [(h.checkpoint, h.prefix, h.target) for h in cfg.custom_hooks] \
        == [('/w/vgg16.pth', 'classifier.0.', 'roi_head.shared_fcs.0.'),
            ('/w/vgg16.pth', 'classifier.3.', 'roi_head.shared_fcs.3.')]


def test_vgg16_detector_trains_and_teaches_the_alexnet_student(tmp_path):
    cfg = _det('frcnn_vgg16_rgb_nyud2')
    cfg.model.backbone.frozen_layers = ('conv1_1', 'conv1_2', 'conv2_1',
                                        'conv2_2')
    rgb = MODELS.build(cfg.model)
    rgb.train()
    losses = rgb(**_det_batch(rgb), mode='loss')
    total = sum(v for k, v in losses.items() if 'loss' in k)
    assert torch.isfinite(total)
    total.backward()
    assert rgb.backbone.conv1_1.weight.grad is None
    assert rgb.backbone.conv3_1.weight.grad.abs().sum() > 0
    assert rgb.roi_head.shared_fcs[0].weight.shape == (4096, 512 * 49)
    # VGG*: the detector's trunk is the VGG-16 teacher of the HHA AlexNet
    det_ckpt = _save_trunk(rgb, tmp_path / 'vgg16_det.pth')
    st = _st('rgb2hha_vgg16_alexnet_nyud2')
    st.model.teacher.checkpoint = det_ckpt
    teacher = MODELS.build(st.model).teachers['teacher'].state_dict()
    trunk = rgb.backbone.state_dict()
    assert set(teacher) == set(trunk) and len(trunk) == 26
    for key, value in trunk.items():
        assert torch.equal(teacher[key], value), key


# -------------------------------------------------------- synthetic twin
def test_synthetic_flow_twin_uses_the_detectors_trunks():
    cfg = _st('rgb2flow_r18_jhmdb_synth')
    rgb = _det('frcnn_r18_rgb_jhmdb_synth')
    flow = _det('frcnn_r18_flow_jhmdb_synth')
    assert cfg.model.teacher.model == rgb.model.backbone
    assert cfg.model.student == flow.model.backbone
    assert cfg.model.teacher.prefix == 'backbone.'
    pre = cfg.model.data_preprocessor.preprocessors
    for mod, det in (('rgb', rgb), ('flow', flow)):
        assert _norm(pre[mod]) == _norm(det.model.data_preprocessor)
    data = cfg.train_dataloader.dataset
    assert (data.video_glob, data.frames_per_video) == ('videos/**/*.avi', 5)


@pytest.mark.skipif(not osp.isdir(osp.join(SYNTH_JHMDB, 'flow')),
                    reason='no synthetic JHMDB world with flow on disk')
def test_synthetic_flow_twin_trains_a_step(tmp_path):
    cfg = _st('rgb2flow_r18_jhmdb_synth')
    data = DATASETS.build(dict(cfg.train_dataloader.dataset,
                               data_root=SYNTH_JHMDB))
    videos = len(glob.glob(osp.join(SYNTH_JHMDB, 'videos', '*', '*.avi')))
    assert len(data) == 5 * videos
    # a teacher: an RGB detector's checkpoint (keys backbone.*)
    rgb = MODELS.build(_det('frcnn_r18_rgb_jhmdb_synth').model)
    ckpt = str(tmp_path / 'rgb.pth')
    torch.save(dict(state_dict=rgb.state_dict()), ckpt)
    cfg.model.teacher.checkpoint = ckpt
    model = MODELS.build(cfg.model)
    batch = pseudo_collate([data[0], data[7]])
    assert set(batch['inputs']) == {'rgb', 'flow'}
    model.train()
    loss = model(**model.data_preprocessor(batch, training=True),
                 mode='loss')['distill.loss_transfer']
    assert torch.isfinite(loss) and loss > 0
    loss.backward()
    assert model.student.conv1.conv.weight.grad.abs().sum() > 0
