# Copyright (c) fsat contributors. All rights reserved.
"""fsat.apis.checks: required fields, classes of the data, checkpoints."""
import copy
import io
import zipfile

import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import BaseDataset, ConcatDataset
from mmengine.registry import DefaultScope

from fsat.apis.checks import (
    check_checkpoint_matches,
    check_config_path,
    check_dataset_classes,
    check_required_fields,
    classifier_classes,
)
from fsat.engine.checkpoint import CheckpointError
from fsat.engine.weights import load_prefixed_weights
from fsat.models.distillers.teacher import load_teacher_checkpoint
from fsat.registry import MODELS
from fsat.testing import (
    tiny_resnet3d,
    toy_rc3d,
    toy_recognizer,
    toy_train_config,
)
from fsat.utils.cli import FsatUserError, describe_error

POOLED = dict(path='cls_head.fc_cls', source='input')


def _distiller(student=None, freeze_student=()):
    return dict(
        type='ToyPairDistiller',
        student=student,
        student_modality='depth',
        teachers=dict(
            rgb=dict(model=tiny_resnet3d(base_channels=4), modality='rgb')),
        taps=dict(student=dict(feat=POOLED), rgb=dict(feat=POOLED)),
        distill_losses=dict(
            loss_cos=dict(
                type='CosineDistanceLoss',
                inputs=dict(feat_s='student.feat', feat_t='rgb.feat'))),
        freeze_student=freeze_student)


def _error(fn, *args, **kwargs) -> str:
    with pytest.raises(FsatUserError) as info:
        fn(*args, **kwargs)
    message = str(info.value)
    assert '\n' not in message
    return message


# --------------------------------------------------------------------------
# required fields
# --------------------------------------------------------------------------


def test_config_paths_mmengine_cannot_read(tmp_path):
    assert _error(check_config_path, str(tmp_path)) == (
        f'config {tmp_path} is a directory; give a config file (.py)')
    (tmp_path / 'toy.txt').write_text('model = dict()\n')
    assert _error(check_config_path, str(tmp_path / 'toy.txt')) == (
        f'config {tmp_path}/toy.txt is not a config file: MMEngine reads '
        '.py, .json, .yaml, .yml files')
    check_config_path(str(tmp_path / 'toy.py'))  # missing: load_config's
    for ext in ('py', 'json', 'yaml', 'yml'):
        (tmp_path / f'toy.{ext}').write_text('{}')
        check_config_path(str(tmp_path / f'toy.{ext}'))


@pytest.fixture
def toy_cfg(tmp_path):
    return Config(toy_train_config(str(tmp_path)))


def test_a_complete_config_passes(toy_cfg):
    check_required_fields(toy_cfg, 'toy.py', 'train')
    check_required_fields(toy_cfg, 'toy.py', 'test')


def test_a_distiller_without_student_names_the_field(toy_cfg):
    toy_cfg.model = _distiller(student=None)
    assert _error(check_required_fields, toy_cfg, 'd.py', 'train') == (
        'd.py: model.student is None; ToyPairDistiller requires it')
    # missing on the model itself (arguments inherited through **kwargs)
    del toy_cfg.model['student']
    assert _error(check_required_fields, toy_cfg, 'd.py', 'train') == (
        'd.py: model.student is missing; ToyPairDistiller requires it')
    toy_cfg.model = _distiller(student=toy_recognizer())
    check_required_fields(toy_cfg, 'd.py', 'train')


def test_a_pipeline_is_not_a_config():
    cfg = Config(dict(stages=[dict(name='a', config='x.py')]))
    assert _error(check_required_fields, cfg, 'p.py', 'train') == (
        'p.py is a pipeline (it has stages, no model): run it with '
        'tools/run_pipeline.py')


def test_none_below_the_model(toy_cfg):
    toy_cfg.model.backbone = None
    assert _error(check_required_fields, toy_cfg, 't.py', 'train') == (
        't.py: model.backbone is None; Recognizer3D requires it')
    toy_cfg.model = dict(type='Recognizer3D')
    assert _error(check_required_fields, toy_cfg, 't.py', 'test') == (
        't.py: model.backbone is missing; Recognizer3D requires it')


@pytest.mark.parametrize('field,mode,expected', [
    ('train_dataloader', 'train',
     'train_dataloader is missing; training needs the training data'),
    ('optim_wrapper', 'train',
     'optim_wrapper is missing; training needs the optimizer'),
    ('train_cfg', 'train', 'train_cfg is missing; training needs the '
     'training loop (max_iters or max_epochs)'),
    ('model', 'train', 'model is missing; training needs the model'),
    ('test_cfg', 'test', "test_cfg is missing; testing needs the test loop, "
     "e.g. dict(type='TestLoop')"),
    ('test_evaluator', 'test',
     'test_evaluator is missing; testing needs the test metric'),
])
def test_missing_top_level_fields(tmp_path, field, mode, expected):
    raw = toy_train_config(str(tmp_path))
    del raw[field]
    assert _error(check_required_fields, Config(raw), 't.py', mode) == (
        't.py: ' + expected)


def test_none_and_wrong_types_of_top_level_fields(toy_cfg):
    cfg = copy.deepcopy(toy_cfg)
    cfg.train_dataloader = None
    assert _error(check_required_fields, cfg, 't.py', 'train') == (
        't.py: train_dataloader is None; training needs the training data')
    cfg = copy.deepcopy(toy_cfg)
    cfg.train_dataloader.dataset = None
    assert _error(check_required_fields, cfg, 't.py', 'train') == (
        't.py: train_dataloader.dataset is missing')
    cfg = copy.deepcopy(toy_cfg)
    cfg.train_cfg = 5
    assert _error(check_required_fields, cfg, 't.py', 'train') == (
        't.py: train_cfg must be a dict, got int 5')


def test_validation_is_all_or_nothing(toy_cfg):
    toy_cfg.val_evaluator = None
    assert _error(check_required_fields, toy_cfg, 't.py', 'train') == (
        't.py: validation needs val_dataloader, val_cfg and val_evaluator '
        'together; val_evaluator is missing (or train with --no-validate)')
    toy_cfg.val_dataloader = toy_cfg.val_cfg = None
    check_required_fields(toy_cfg, 't.py', 'train')


@pytest.mark.parametrize('path,value,expected', [
    ('train_dataloader.batch_size', 'four',
     "train_dataloader.batch_size must be a positive integer, got 'four'"),
    ('train_dataloader.num_workers', -1, 'train_dataloader.num_workers must '
     'be a non-negative integer, got -1'),
    ('train_cfg.max_iters', 2.5,
     'train_cfg.max_iters must be a positive integer, got 2.5'),
    ('randomness.seed', 'abc',
     "randomness.seed must be a non-negative integer, got 'abc'"),
    ('optim_wrapper.optimizer.lr', 'fast',
     "optim_wrapper.optimizer.lr must be a non-negative number, got 'fast'"),
    ('model.cls_head.num_classes', 'ten',
     "model.cls_head.num_classes must be a positive integer, got 'ten'"),
    ('model.backbone.in_channels', 0,
     'model.backbone.in_channels must be a positive integer, got 0'),
])
def test_numbers_of_the_wrong_type(toy_cfg, path, value, expected):
    # each failed deep inside torch or MMEngine with a traceback
    toy_cfg.merge_from_dict({path: value})
    assert _error(check_required_fields, toy_cfg, 't.py', 'train') == (
        't.py: ' + expected)


def test_a_work_dir_that_is_a_file(toy_cfg, tmp_path):
    (tmp_path / 'file').write_text('x')
    toy_cfg.work_dir = str(tmp_path / 'file')
    assert _error(check_required_fields, toy_cfg, 't.py', 'test') == (
        f'work_dir {tmp_path}/file is a file, not a folder')


# --------------------------------------------------------------------------
# classes of the data against the classifier
# --------------------------------------------------------------------------


class _Labels(BaseDataset):
    """Samples with the given labels (``label``) or segments
    (``gt_labels``)."""

    def __init__(self, labels, key='label', classes=None, ann_file='a.txt'):
        self.labels = labels
        self.key = key
        super().__init__(
            ann_file=ann_file,
            metainfo=dict(classes=classes) if classes else None,
            lazy_init=False)

    def load_data_list(self):
        return [{self.key: label} for label in self.labels]


def test_labels_out_of_range_name_the_ann_file():
    message = _error(check_dataset_classes, _Labels([0, 1, 4, 7, 4]), 4,
                     'model.cls_head', 'test_dataloader.dataset')
    assert message == (
        'test_dataloader.dataset (_Labels, ann_file a.txt) has label(s) 4, '
        '7, out of range for model.cls_head.num_classes=4 (labels must be '
        '0..3)')


def test_a_training_set_needs_a_sample_of_every_class():
    data = _Labels([0, 1, 2, 0, -1])  # -1: unlabeled
    check_dataset_classes(data, 10, 'model.cls_head', 'val')  # not training
    message = _error(check_dataset_classes, data, 10, 'model.cls_head',
                     'train_dataloader.dataset', training=True)
    assert message.startswith(
        'train_dataloader.dataset (_Labels, ann_file a.txt) has samples of '
        'only 3 of the 10 classes of model.cls_head.num_classes (none of '
        'class 3, 4, 5, 6, 7 (+2 more))')
    check_dataset_classes(data, 3, 'h', 'train', training=True)


def test_declared_classes_must_equal_num_classes_in_training():
    data = _Labels([0, 1], classes=('a', 'b', 'c'))
    assert _error(check_dataset_classes, data, 2, 'model.cls_head', 'f',
                  training=True) == (
        'f (_Labels, ann_file a.txt) has 3 classes but '
        'model.cls_head.num_classes=2: make them equal')
    # testing: a warning (labels in range)
    check_dataset_classes(data, 2, 'model.cls_head', 'f')


def test_detection_segments_and_wrappers():
    segments = _Labels([torch.tensor([0, 2]).numpy(), [1]], key='gt_labels')
    check_dataset_classes(segments, 3, 'model.classifier_head', 'train',
                          training=True)
    concat = ConcatDataset([segments, _Labels([[5]], key='gt_labels')])
    assert 'has label(s) 5, out of range' in _error(
        check_dataset_classes, concat, 3, 'h', 'train')


def test_datasets_without_labels_pass():
    check_dataset_classes(_Labels([-1, -1]), 4, 'h', 'train', True)
    check_dataset_classes(_Labels(['x'], key='other'), 4, 'h', 'train', True)


def test_classifier_of_each_kind_of_model():
    with DefaultScope.overwrite_default_scope('fsat'):
        assert classifier_classes(MODELS.build(toy_recognizer(5))) == (
            'model.cls_head', 5)
        assert classifier_classes(MODELS.build(toy_rc3d(num_classes=3))) == (
            'model.classifier_head', 3)
        supervised = MODELS.build(_distiller(tiny_resnet3d(num_classes=6)))
        assert classifier_classes(supervised) == ('model.student.cls_head', 6)
        # a label-free transfer freezes the classifier it never trains
        label_free = MODELS.build(
            _distiller(tiny_resnet3d(num_classes=6), ('cls_head', )))
        assert classifier_classes(label_free) is None


# --------------------------------------------------------------------------
# checkpoints
# --------------------------------------------------------------------------


@pytest.fixture(scope='module')
def recognizer():
    with DefaultScope.overwrite_default_scope('fsat'):
        torch.manual_seed(0)
        return MODELS.build(toy_recognizer(4))


def _save(tmp_path, name, state):
    path = tmp_path / name
    torch.save(dict(meta=dict(iter=1), state_dict=state), str(path))
    return str(path)


def test_checkpoint_of_the_same_model_passes(recognizer, tmp_path):
    state = {'module.' + k: v for k, v in recognizer.state_dict().items()}
    check_checkpoint_matches(recognizer, _save(tmp_path, 'ddp.pth', state))


def test_another_models_checkpoint_names_file_and_keys(recognizer, tmp_path):
    state = dict(recognizer.state_dict())
    state['cls_head.fc_cls.weight'] = torch.zeros(3, 8)
    del state['cls_head.fc_cls.bias']
    path = _save(tmp_path, 'other.pth', state)
    assert _error(check_checkpoint_matches, recognizer, path) == (
        f'checkpoint {path} does not match the model (Recognizer3D): missing '
        'keys: cls_head.fc_cls.bias; shape mismatch: cls_head.fc_cls.weight '
        '(checkpoint (3, 8), model (4, 8))')
    # fine-tuning: a new classifier is fine (one warning line)
    check_checkpoint_matches(recognizer, path, strict=False)


def test_a_checkpoint_that_fits_nothing(recognizer, tmp_path):
    state = {'student.' + k: v for k, v in recognizer.state_dict().items()}
    path = _save(tmp_path, 'distiller.pth', state)
    message = _error(
        check_checkpoint_matches, recognizer, path, strict=False,
        what='load_from')
    assert message == (
        f'load_from {path} fits no weight of the model (Recognizer3D): its '
        '6 tensors are under student., the model\'s under backbone., '
        'cls_head. (a distiller checkpoint: export its student with '
        'tools/export_student.py)')


def test_a_checkpoint_without_weights(recognizer, tmp_path):
    path = tmp_path / 'meta.pth'
    torch.save(dict(meta=dict(iter=1), epoch=3), str(path))
    assert _error(check_checkpoint_matches, recognizer, str(path)) == (
        f'checkpoint {path} holds no weights (its keys: meta, epoch)')
    torch.save([1, 2], str(path))
    assert _error(check_checkpoint_matches, recognizer, str(path)) == (
        f'checkpoint {path} holds no state_dict (a list)')


@pytest.mark.parametrize('damage', ['empty', 'truncated', 'flipped', 'text',
                                    'directory'])
def test_damaged_checkpoints_name_the_file(recognizer, tmp_path, damage):
    path = _save(tmp_path, 'good.pth', recognizer.state_dict())
    data = open(path, 'rb').read()
    bad = tmp_path / f'{damage}.pth'
    if damage == 'directory':
        bad.mkdir()
    else:
        if damage == 'flipped':  # one byte of the largest tensor's data
            with zipfile.ZipFile(path) as archive:
                info = max(archive.infolist(), key=lambda i: i.file_size)
            head = info.header_offset
            at = head + 30 + int.from_bytes(data[head + 26:head + 28],
                                            'little') + int.from_bytes(
                                                data[head + 28:head + 30],
                                                'little') + 5
            data = data[:at] + bytes([data[at] ^ 0xFF]) + data[at + 1:]
            # torch itself loads it without a word
            torch.load(io.BytesIO(data), weights_only=False)
        bad.write_bytes({
            'empty': b'',
            'truncated': data[:len(data) // 2],
            'flipped': data,
            'text': b'model = dict()\n'
        }[damage])
    expected = {
        'empty': f'checkpoint {bad} is empty (0 bytes)',
        'truncated': f'checkpoint {bad} is cut short or damaged: its zip '
        'directory cannot be read',
        'flipped': f'checkpoint {bad} is damaged: member',
        'text': f'checkpoint {bad} is not a PyTorch checkpoint',
        'directory': f'checkpoint {bad} is a directory, not a checkpoint',
    }[damage]
    # the tools' loader (test.py, load_from, --resume) ...
    with pytest.raises(CheckpointError) as info:
        check_checkpoint_matches(recognizer, str(bad))
    assert describe_error(info.value).startswith(expected)
    if damage == 'directory':
        return  # the teacher loader: 'checkpoint not found'
    # ... a teacher's and PretrainedWeightsHook's
    with pytest.raises(CheckpointError) as info:
        load_teacher_checkpoint(recognizer, str(bad), 'rgb')
    assert str(info.value).startswith(expected)
    with pytest.raises(CheckpointError) as info:
        load_prefixed_weights(recognizer, str(bad), prefix='student.')
    assert str(info.value).startswith(expected)
