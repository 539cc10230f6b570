# Copyright (c) fsat contributors. All rights reserved.
import copy

import pytest
import torch
from mmengine.model import MMDistributedDataParallel
from mmengine.model.weight_init import PretrainedInit
from mmengine.optim import OptimWrapper

from fsat.models.distillers import BaseDistiller
from fsat.models.errors import ModelConfigError
from fsat.models.utils import get_clip_counts, mean_per_sample
from fsat.registry import MODELS
from fsat.testing import (
    paired_batch,
    single_process_group,
    tiny_resnet3d,
    tiny_stgcn,
    toy_pair_distiller,
)

POOLED = dict(path='cls_head.fc_cls', source='input')
CLIP = (3, 8, 32, 32)  # C, T, H, W
SHAPES = dict(rgb=CLIP, depth=CLIP)


def _cfg(**overrides):
    """Depth student (32-d feature) taught by an RGB teacher (64-d)."""
    cfg = toy_pair_distiller(
        teacher=tiny_resnet3d(base_channels=8, mean=[100] * 3,
                              std=[50] * 3),
        connector=(32, 64))
    cfg.update(overrides)
    return cfg


def _build(**overrides):
    torch.manual_seed(0)
    return MODELS.build(_cfg(**overrides))


def _state(module):
    return {k: v.clone() for k, v in module.state_dict().items()}


def _step(model, data, lr=0.1):
    optim = OptimWrapper(torch.optim.SGD(model.parameters(), lr=lr))
    return model.train_step(copy.deepcopy(data), optim)


def _save_teacher(path, base_channels=8, perturb=True):
    torch.manual_seed(1)
    teacher = MODELS.build(tiny_resnet3d(base_channels=base_channels))
    if perturb:  # weights and BN statistics no initialiser would give
        for tensor in teacher.state_dict().values():
            if tensor.is_floating_point():
                tensor.add_(0.5)
    torch.save(dict(state_dict=teacher.state_dict(), meta={}), str(path))
    return teacher


def test_a_training_step_moves_the_student_only():
    model = _build()
    teacher, student = _state(model.teachers.rgb), _state(model.student)
    proj = model.connectors.proj.fc.weight.clone()
    log = _step(model, paired_batch(SHAPES))
    assert {'student.loss_cls', 'distill.loss_cos'} <= set(log)
    assert log['loss'].item() == pytest.approx(
        (log['student.loss_cls'] + log['distill.loss_cos']).item())
    after = model.teachers.rgb.state_dict()
    for key, value in teacher.items():  # weights AND batch-norm buffers
        assert torch.equal(after[key], value), key
    assert torch.equal(
        after['backbone.conv1.bn.num_batches_tracked'],
        teacher['backbone.conv1.bn.num_batches_tracked'])
    moved = model.student.state_dict()
    assert not torch.equal(moved['backbone.conv1.conv.weight'],
                           student['backbone.conv1.conv.weight'])
    assert not torch.equal(moved['backbone.conv1.bn.running_mean'],
                           student['backbone.conv1.bn.running_mean'])
    assert moved['backbone.conv1.bn.num_batches_tracked'] == 1
    assert not torch.equal(model.connectors.proj.fc.weight, proj)


def test_teachers_stay_frozen_in_train_mode():
    model = _build()
    model.train()
    assert model.student.training and model.student.backbone.conv1.bn.training
    teacher = model.teachers.rgb
    assert not teacher.training
    assert not any(m.training for m in teacher.modules())
    assert not any(p.requires_grad for p in teacher.parameters())
    model.eval().train(True)
    assert not teacher.training and model.student.training
    data = model.data_preprocessor(paired_batch(SHAPES), training=True)
    features = model.run_teacher('rgb', data['inputs'])
    assert not features['rgb.feat'].requires_grad
    # DDP neither reduces nor broadcasts the frozen teacher
    ignored = set(model._ddp_params_and_buffers_to_ignore)
    assert 'teachers.rgb.backbone.conv1.conv.weight' in ignored
    assert 'teachers.rgb.backbone.conv1.bn.running_mean' in ignored
    assert not any(k.startswith('student.') for k in ignored)


def test_trainable_teacher_learns_with_the_student():
    model = _build(teachers=dict(
        rgb=dict(
            model=tiny_resnet3d(base_channels=8),
            modality='rgb',
            trainable=True)))
    before = _state(model.teachers.rgb)
    assert model.teachers.rgb.training
    _step(model, paired_batch(SHAPES))
    assert not torch.equal(
        model.teachers.rgb.state_dict()['backbone.conv1.conv.weight'],
        before['backbone.conv1.conv.weight'])
    assert not model._ddp_params_and_buffers_to_ignore


def test_teacher_checkpoint_is_loaded_and_survives_init_weights(tmp_path):
    path = tmp_path / 'teacher.pth'
    reference = _save_teacher(path)
    model = _build(teachers=dict(
        rgb=dict(
            model=tiny_resnet3d(base_channels=8),
            modality='rgb',
            checkpoint=str(path))))
    model.init_weights()  # what the runner calls after building
    loaded = model.teachers.rgb.state_dict()
    for key, value in reference.state_dict().items():
        assert torch.equal(loaded[key], value), key


def test_checkpoint_mismatch_names_teacher_file_and_keys(tmp_path):
    path = tmp_path / 'small_teacher.pth'
    _save_teacher(path, base_channels=4)
    with pytest.raises(ModelConfigError) as info:
        _build(teachers=dict(
            rgb=dict(
                model=tiny_resnet3d(base_channels=8),
                modality='rgb',
                checkpoint=str(path))))
    text = str(info.value)
    assert f"teacher 'rgb': checkpoint {path} does not match" in text
    assert ('shape mismatch: backbone.conv1.conv.weight (checkpoint '
            '(4, 3, 3, 7, 7), model (8, 3, 3, 7, 7))') in text
    assert '(+' in text  # only the first few keys are listed

    weights = torch.load(str(path))['state_dict']
    weights = {k: v for k, v in weights.items() if 'cls_head' not in k}
    weights['extra.weight'] = torch.zeros(1)
    torch.save(weights, str(path))
    with pytest.raises(ModelConfigError) as info:
        _build(teachers=dict(
            rgb=dict(
                model=tiny_resnet3d(base_channels=4),
                modality='rgb',
                checkpoint=str(path))),
            connectors={},
            distill_losses={})
    text = str(info.value)
    assert 'missing keys: cls_head.fc_cls.weight, cls_head.fc_cls.bias' in text
    assert 'unexpected keys: extra.weight' in text


def test_missing_teacher_checkpoint(tmp_path):
    with pytest.raises(ModelConfigError,
                       match="teacher 'rgb': checkpoint not found"):
        _build(teachers=dict(
            rgb=dict(
                model=tiny_resnet3d(base_channels=8),
                modality='rgb',
                checkpoint=str(tmp_path / 'none.pth'))))


def test_sizes_differing_without_a_connector_fail_at_build():
    with pytest.raises(ModelConfigError) as info:
        _build(
            connectors={},
            distill_losses=dict(
                loss_cos=dict(
                    type='CosineDistanceLoss',
                    inputs=dict(feat_s='student.feat', feat_t='rgb.feat'))))
    text = str(info.value)
    assert ('feat_s (student.feat) has 32 channels but feat_t (rgb.feat) '
            'has 64') in text
    assert 'in_channels=32, out_channels=64' in text


def test_connector_taking_the_wrong_size():
    with pytest.raises(ModelConfigError,
                       match="connector 'proj' takes 16 channels but "
                       "feature 'student.feat' has 32"):
        _build(connectors=dict(
            proj=dict(
                type='LinearConnector', in_channels=16, out_channels=64)))


def test_sizes_only_known_at_run_time_are_checked_every_step():
    # a stage map has no size before a forward: the first step says it
    model = _build(
        taps=dict(
            student=dict(stage='backbone.layer3'),
            rgb=dict(stage='backbone.layer3')),
        connectors={},
        distill_losses=dict(
            loss_mse=dict(
                type='FeatureMSELoss',
                inputs=dict(feat_s='student.stage', feat_t='rgb.stage'))))
    with pytest.raises(ValueError, match='loss_mse: inputs differ in shape: '
                       r'feat_s \(student.stage\) \(2, 16, 4, 2, 2\)'):
        _step(model, paired_batch(SHAPES))


@pytest.mark.parametrize('overrides, match', [
    (dict(taps=dict(student=dict(feat='cls_head.fc_cl'))),
     "student: tap 'feat': no module 'cls_head.fc_cl'.*'cls_head.fc_cls'"),
    (dict(taps=dict(rbg=dict(feat=POOLED))),
     "unknown owner 'rbg'.*Did you mean 'rgb'"),
    (dict(distill_losses=dict(
        loss_cos=dict(
            type='CosineDistanceLoss',
            inputs=dict(feat_x='student.feat', feat_t='rgb.feat')))),
     "has no argument 'feat_x' \\(it takes feat_s, feat_t\\)"),
    (dict(distill_losses=dict(
        loss_cos=dict(type='CosineDistanceLoss', inputs=dict(
            feat_t='rgb.feat')))), 'no feature for argument\\(s\\) feat_s'),
    (dict(distill_losses=dict(
        loss_cos=dict(type='CosineDistanceLoss'))), 'needs inputs='),
    (dict(distill_losses=dict(
        loss_cos=dict(
            type='CosineDistanceLoss',
            inputs=dict(feat_s='student.fet', feat_t='rgb.feat')))),
     "unknown feature 'student.fet'.*Did you mean 'student.feat'"),
    (dict(distill_losses=dict(
        loss_cos=dict(
            type='CosineDistanceLoss',
            inputs=dict(
                feat_s=dict(feature='student.feat', connector='prj'),
                feat_t='rgb.feat')))),
     "unknown connector 'prj'.*Did you mean 'proj'"),
    (dict(distill_losses=dict(cos=dict(type='CosineDistanceLoss'))),
     "name 'cos' must contain \"loss\""),
    (dict(teachers=dict(
        rgb=dict(model=tiny_resnet3d(), modality='rgb', frozen=True))),
     'unknown key\\(s\\) frozen'),
    (dict(teachers=dict(
        student=dict(model=tiny_resnet3d(), modality='rgb'))),
     "'student' cannot name a teacher"),
    (dict(student_modality=None),
     "teacher 'rgb' reads modality 'rgb' but student_modality is not set"),
    (dict(freeze_student=['cls_head.fc']),
     "no module 'cls_head.fc'.*'cls_head.fc_cls'"),
])
def test_wiring_errors_at_build_time(overrides, match):
    with pytest.raises(ModelConfigError, match=match):
        _build(**overrides)


def test_a_modality_missing_from_the_data_preprocessor():
    preprocessor = dict(
        type='PairedDataPreprocessor',
        preprocessors=dict(
            rgb=dict(type='ActionDataPreprocessor', format_shape='NCTHW')))
    with pytest.raises(ModelConfigError,
                       match="student reads modality 'depth', which is not "
                       'in data_preprocessor.preprocessors \\(has rgb\\)'):
        _build(data_preprocessor=preprocessor)
    student = tiny_resnet3d(base_channels=4)
    del student['data_preprocessor']
    with pytest.raises(ModelConfigError, match="modality 'depth'"):
        _build(student=student)


def test_default_preprocessor_normalises_each_modality():
    model = _build()
    pre = model.data_preprocessor
    assert pre.modalities == ('depth', 'rgb')
    assert pre.preprocessors.rgb.mean.flatten().tolist() == [100.] * 3
    assert pre.preprocessors.depth.mean.flatten().tolist() == [5.] * 3


def test_predict_is_the_students():
    model = _build().eval()
    data = model.data_preprocessor(paired_batch(SHAPES), training=False)
    with torch.no_grad():
        ours = model(data['inputs'], data['data_samples'], mode='predict')
        theirs = model.student(
            data['inputs']['depth'], data['data_samples'], mode='predict')
        tensor = model(data['inputs'], mode='tensor')
    assert torch.equal(
        torch.stack([p.pred_scores.item for p in ours]),
        torch.stack([p.pred_scores.item for p in theirs]))
    assert tensor.shape[:2] == (2, 32)  # the student's backbone output


def test_student_weights_live_under_the_student_prefix(tmp_path):
    model = _build()
    _step(model, paired_batch(SHAPES))
    keys = list(model.state_dict())
    assert 'student.backbone.conv1.conv.weight' in keys
    assert 'student.cls_head.fc_cls.weight' in keys
    assert 'connectors.proj.fc.weight' in keys
    assert all(
        k.split('.')[0] in ('student', 'teachers', 'connectors')
        for k in keys)
    path = tmp_path / 'distill.pth'
    torch.save(dict(state_dict=model.state_dict(), meta={}), str(path))
    # MMEngine's Pretrained initialiser with the prefix fills a plain
    # Recognizer3D completely
    plain = MODELS.build(tiny_resnet3d(base_channels=4, mean=[5] * 3,
                                       std=[2] * 3))
    PretrainedInit(checkpoint=str(path), prefix='student.')(plain)
    for key, value in model.student.state_dict().items():
        assert torch.equal(plain.state_dict()[key], value), key
    # mmaction2's recognizers take no init_cfg; backbones that honour
    # init_cfg (ST-GCN) take it with prefix 'student.backbone.'
    with pytest.raises(TypeError, match='init_cfg'):
        MODELS.build(
            dict(
                tiny_resnet3d(),
                init_cfg=dict(
                    type='Pretrained', checkpoint=str(path),
                    prefix='student.')))


def test_stgcn_student_init_cfg_route(tmp_path):
    model = _build(
        student=tiny_stgcn(base_channels=8),
        student_modality='pose',
        data_preprocessor=None,
        taps=dict(
            student=dict(feat=dict(path='cls_head.fc', source='input')),
            rgb=dict(feat=POOLED)))
    data = paired_batch(dict(rgb=CLIP, pose=(2, 8, 25, 3)))
    log = _step(model, data)
    assert {'student.loss_cls', 'distill.loss_cos'} <= set(log)
    path = tmp_path / 'distill.pth'
    torch.save(dict(state_dict=model.state_dict(), meta={}), str(path))
    cfg = tiny_stgcn(base_channels=8)
    cfg['backbone']['init_cfg'] = dict(
        type='Pretrained', checkpoint=str(path), prefix='student.backbone.')
    plain = MODELS.build(cfg)
    plain.init_weights()
    ours = model.student.backbone.state_dict()
    for key, value in plain.backbone.state_dict().items():
        assert torch.equal(value, ours[key]), key


def test_freeze_student_and_label_free_ddp(tmp_path):
    """Label-free transfer: the classifier is unused, so it is frozen and
    DDP runs without find_unused_parameters."""
    data = paired_batch(SHAPES)
    with single_process_group(str(tmp_path)):
        model = _build(with_student_loss=False, freeze_student=['cls_head'])
        assert not model.student.cls_head.fc_cls.weight.requires_grad
        model.train()
        assert not model.student.cls_head.training
        ddp = MMDistributedDataParallel(model, find_unused_parameters=False)
        optim = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1))
        before = model.student.backbone.conv1.conv.weight.clone()
        for _ in range(3):
            log = ddp.train_step(copy.deepcopy(data), optim)
        assert set(log) == {'loss', 'distill.loss_cos'}
        after = model.student.backbone.conv1.conv.weight
        assert not torch.equal(before, after)


def test_supervised_ddp_without_find_unused_parameters(tmp_path):
    data = paired_batch(SHAPES)
    with single_process_group(str(tmp_path)):
        model = _build()
        teacher = _state(model.teachers.rgb)
        ddp = MMDistributedDataParallel(model, find_unused_parameters=False)
        optim = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1))
        for _ in range(3):
            ddp.train_step(copy.deepcopy(data), optim)
        for key, value in model.teachers.rgb.state_dict().items():
            assert torch.equal(value, teacher[key]), key


class _VideoToClip(BaseDistiller):
    """What a video-level subclass looks like: the teacher reads every clip
    of the video; its clip features are averaged per video."""

    def __init__(self, **kwargs):
        super().__init__(derived_features={'rgb.video': 'rgb.feat'}, **kwargs)

    def loss(self, inputs, data_samples):
        losses, features = self.run_student(inputs)
        clips = self.run_teacher('rgb', inputs)['rgb.feat']  # [K, C]
        counts = get_clip_counts(data_samples, 'rgb')
        features['rgb.video'] = mean_per_sample(clips, counts)  # [N, C]
        losses.update(self.compute_distill_losses(features))
        return losses


def test_a_subclass_with_a_derived_video_feature():
    cfg = _cfg(distill_losses=dict(
        loss_video=dict(
            type='CosineDistanceLoss',
            inputs=dict(
                feat_s=dict(feature='student.feat', connector='proj'),
                feat_t='rgb.video'))))
    cfg.pop('type')
    torch.manual_seed(0)
    model = _VideoToClip(**cfg)
    data = paired_batch(SHAPES, batch_size=3, clips=dict(rgb=[2, 4, 1]))
    log = _step(model, data)
    assert set(log) == {'loss', 'distill.loss_video'}
    # the same value by hand
    model.eval()
    batch = model.data_preprocessor(copy.deepcopy(data))
    with torch.no_grad():
        inputs = batch['inputs']
        assert inputs['rgb'].shape[:2] == (1, 7)
        clips = model.teachers.rgb.extract_feat(
            inputs['rgb'], stage='backbone')[0].mean((2, 3, 4))
        video = torch.stack([clips[:2].mean(0), clips[2:6].mean(0), clips[6:]
                             .mean(0)])
        student = model.student.extract_feat(
            inputs['depth'], stage='backbone')[0].mean((2, 3, 4))
        expected = 1 - torch.cosine_similarity(
            model.connectors.proj(student), video).mean()
        got = model.loss(inputs, batch['data_samples'])['distill.loss_video']
    assert got.item() == pytest.approx(expected.item(), rel=1e-4)


def test_same_input_distillation_without_modalities():
    student = tiny_resnet3d(base_channels=4)
    model = _build(
        student=student,
        student_modality=None,
        teachers=dict(t=dict(model=tiny_resnet3d(base_channels=4))),
        taps=dict(student=dict(feat=POOLED), t=dict(feat=POOLED)),
        connectors={},
        distill_losses=dict(
            loss_mse=dict(
                type='FeatureMSELoss',
                inputs=dict(feat_s='student.feat', feat_t='t.feat'))))
    assert type(model.data_preprocessor).__name__ == 'ActionDataPreprocessor'
    data = paired_batch(dict(x=CLIP))
    data['inputs'] = data['inputs']['x']
    log = _step(model, data)
    assert {'student.loss_cls', 'distill.loss_mse'} <= set(log)
