# Copyright (c) fsat contributors. All rights reserved.
"""Tests of the paired multimodal dataset (fsat.datasets.paired).

The fixtures are tiny samples in the real NTU layout whose frame ``t``
encodes ``t`` in every modality (RGB grey level, depth millimetres, flow
pixel values, skeleton z), so the tests read the sampled indices back from
the loaded tensors.
"""
import json
import os
import os.path as osp
import random

import cv2
import numpy as np
import pytest
import torch
from mmengine.dataset import pseudo_collate
from mmengine.optim import OptimWrapper
from mmengine.registry import DefaultScope

from fsat.datasets import PairedModalityDataset, load_labeled_ids, paired
from fsat.datasets.transforms import clip_slot, map_indices
from fsat.registry import MODELS

RGB_SIZE = (32, 24)  # (W, H)
DEPTH_SIZE = (20, 16)
FLOW_SIZE = (16, 12)


def rgb_level(t):
    return 20 + 5 * np.asarray(t)


def flow_level(t):
    return 10 + 6 * np.asarray(t)


def write_sample(root, name, num_frames, depth_frames=None,
                 modalities=('rgb', 'depth', 'flow', 'skeleton')):
    """Write one sample; frame t encodes t in every modality."""
    depth_frames = depth_frames or num_frames
    if 'rgb' in modalities:
        folder = osp.join(root, 'nturgb+d_rgb')
        os.makedirs(folder, exist_ok=True)
        writer = cv2.VideoWriter(
            osp.join(folder, f'{name}_rgb.avi'),
            cv2.VideoWriter_fourcc(*'MJPG'), 30, RGB_SIZE)
        assert writer.isOpened()
        for t in range(num_frames):
            writer.write(
                np.full(RGB_SIZE[::-1] + (3, ), rgb_level(t), np.uint8))
        writer.release()
    if 'depth' in modalities:
        folder = osp.join(root, 'nturgb+d_depth_masked', name)
        os.makedirs(folder, exist_ok=True)
        for t in range(depth_frames):
            depth = np.zeros(DEPTH_SIZE[::-1], np.uint16)
            depth[4:12, 5:15] = 1000 + t  # the masked-in person
            cv2.imwrite(osp.join(folder, f'MDepth-{t + 1:08d}.png'), depth)
    if 'flow' in modalities:
        folder = osp.join(root, 'nturgb+d_flow', name)
        os.makedirs(folder, exist_ok=True)
        for j in range(num_frames - 1):
            x = np.full(FLOW_SIZE[::-1], flow_level(j), np.uint8)
            cv2.imwrite(osp.join(folder, f'flow_x_{j + 1:05d}.jpg'), x)
            cv2.imwrite(osp.join(folder, f'flow_y_{j + 1:05d}.jpg'), 255 - x)
    if 'skeleton' in modalities:
        folder = osp.join(root, 'nturgb+d_skeletons')
        os.makedirs(folder, exist_ok=True)
        lines = [str(num_frames)]
        for t in range(num_frames):
            lines += ['1', '72057594037931101 0 1 1 1 1 0 0.02 0.05 2', '25']
            lines += [
                f'{0.1 * j:.4f} 0.5 {2 + 0.01 * t:.4f} 1 2 3 4 0 0 0 1 2'
                for j in range(25)
            ]
        with open(osp.join(folder, f'{name}.skeleton'), 'wb') as f:
            f.write(('\r\n'.join(lines) + '\r\n').encode())


# name -> frames; cross-subject training performers 1 and 2; 3 classes
SAMPLES = {
    'S001C001P001R001A001': 40,
    'S001C001P001R001A002': 20,
    'S001C001P001R001A003': 5,
    'S001C001P002R001A001': 33,
    'S001C001P002R001A002': 24,
    'S001C001P002R001A003': 17,
}
NTU = dict(benchmark='ntu60_xsub', split='train', classes=[1, 2, 3])


@pytest.fixture(scope='module')
def ntu_root(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('ntu'))
    for name, frames in SAMPLES.items():
        write_sample(root, name, frames)
    return root


def raw_video():
    return [dict(type='DecordInit'), dict(type='DecordDecode'),
            dict(type='FormatShape', input_format='NCTHW')]


def raw_depth():
    return [dict(type='LoadMaskedDepth'),
            dict(type='ReplicateDepth', mm_range=(0, 4500), scale=4500),
            dict(type='FormatShape', input_format='NCTHW')]


def raw_flow():
    return [dict(type='LoadFlow', dequantize=False),
            dict(type='FormatShape', input_format='NCTHW')]


def raw_skeleton():
    return [dict(type='LoadSkeleton'), dict(type='SkeletonDecode'),
            dict(type='FormatGCNInput', num_person=2)]


def decode_rgb(x):  # [N, 3, T, H, W] -> [N, T]
    return torch.round((x.float().mean((1, 3, 4)) - 20) / 5).long()


def decode_depth(x):  # [N, 3, T, H, W] mm -> [N, T]
    return (x.float().amax((1, 3, 4)) - 1000).round().long()


def decode_flow(x):  # [N, 2, T, H, W] -> [N, T]
    return torch.round((x[:, 0].float().mean((2, 3)) - 10) / 6).long()


def decode_skeleton(x):  # [N, M, T, V, C] -> [N, T]
    return torch.round((x[:, 0, :, 0, 2] - 2) / 0.01).long()


def seed_all(seed):
    random.seed(seed)
    np.random.seed(seed)


def all_modalities(student='clip', teacher='same_clip'):
    return dict(
        depth=dict(sampling=student, pipeline=raw_depth()),
        rgb=dict(sampling=teacher, pipeline=raw_video()),
        flow=dict(sampling=teacher, pipeline=raw_flow()),
        skeleton=dict(sampling=teacher, pipeline=raw_skeleton()))


# ---------------------------------------------------------------------------
# Temporal sampling
# ---------------------------------------------------------------------------


def test_clip_sampling_is_synchronised(ntu_root):
    dataset = PairedModalityDataset(
        all_modalities(), data_root=ntu_root, ntu=NTU, clip_len=8)
    assert len(dataset) == len(SAMPLES)
    starts = set()
    for seed in range(4):
        seed_all(seed)
        for idx in range(len(dataset)):
            out = dataset[idx]
            inputs, meta = out['inputs'], out['data_samples'].metainfo
            T = SAMPLES[meta['video_id']]
            assert meta['total_frames'] == T
            rgb = decode_rgb(inputs['rgb'])[0].numpy()
            start = int(meta['frame_inds']['rgb'][0])
            expected = (start + np.arange(8)) % T
            np.testing.assert_array_equal(rgb, expected)
            np.testing.assert_array_equal(
                decode_depth(inputs['depth'])[0].numpy(), expected)
            np.testing.assert_array_equal(
                decode_skeleton(inputs['skeleton'])[0].numpy(), expected)
            # flow has T-1 pairs and maps proportionally
            np.testing.assert_array_equal(
                decode_flow(inputs['flow'])[0].numpy(),
                np.minimum(np.floor((expected + 0.5) * (T - 1) / T), T - 2))
            for name in ('rgb', 'depth', 'skeleton'):
                np.testing.assert_array_equal(meta['frame_inds'][name],
                                              expected)
            N = max(T // 8, 1)
            assert meta['num_slots'] == N
            assert meta['clip_slot'] == min(start // 8, N - 1)
            assert meta['clip_slot'] == clip_slot(start, T, 8)
            assert 0 <= start <= max(T - 8, 0)
            starts.add((idx, start))
    assert len(starts) > len(SAMPLES)  # random starts vary


def test_fixed_seed_gives_identical_clips(ntu_root):
    modalities = all_modalities()
    modalities['depth']['pipeline'] = [
        dict(type='LoadMaskedDepth'),
        dict(type='ReplicateDepth'),
        dict(type='MultiScaleCrop', input_size=8, scales=(1, 0.75, 0.5),
             max_wh_scale_gap=0),
        dict(type='Resize', scale=(8, 8), keep_ratio=False),
        dict(type='FlowAwareFlip', flip_ratio=0.5),
        dict(type='FormatShape', input_format='NCTHW')
    ]
    dataset = PairedModalityDataset(
        modalities, data_root=ntu_root, ntu=NTU, clip_len=8)

    def load(seed):
        seed_all(seed)
        return [dataset[i] for i in range(len(dataset))]

    first, second, other = load(3), load(3), load(4)
    for a, b in zip(first, second):
        for name in a['inputs']:
            assert torch.equal(a['inputs'][name], b['inputs'][name])
    assert any(
        a['data_samples'].clip_slot != c['data_samples'].clip_slot
        or not torch.equal(a['inputs']['depth'], c['inputs']['depth'])
        for a, c in zip(first, other))


def test_test_mode_takes_the_centre_clip(ntu_root):
    dataset = PairedModalityDataset(
        dict(rgb=dict(pipeline=raw_video())),
        data_root=ntu_root, ntu=NTU, clip_len=8, test_mode=True)
    for idx in range(len(dataset)):
        meta = dataset[idx]['data_samples'].metainfo
        T = SAMPLES[meta['video_id']]
        assert meta['frame_inds']['rgb'][0] == max(T - 8, 0) // 2


def test_video_mode_has_all_non_overlapping_clips(ntu_root):
    dataset = PairedModalityDataset(
        dict(depth=dict(sampling='clip', pipeline=raw_depth()),
             rgb=dict(sampling='video', pipeline=raw_video())),
        data_root=ntu_root, ntu=NTU, clip_len=8)
    for idx in range(len(dataset)):
        out = dataset[idx]
        T = SAMPLES[out['data_samples'].video_id]
        N = max(T // 8, 1)  # 40 -> 5, 20 -> 2, 5 -> 1 (looped)
        video = out['inputs']['rgb']
        assert video.shape == (N, 3, 8, RGB_SIZE[1], RGB_SIZE[0])
        expected = np.arange(N * 8).reshape(N, 8) % T
        np.testing.assert_array_equal(decode_rgb(video).numpy(), expected)
        assert out['data_samples'].num_slots == N
        # the clip slot's teacher clip overlaps the student clip
        slot = out['data_samples'].clip_slot
        start = int(out['data_samples'].frame_inds['depth'][0])
        if T >= 16:
            assert abs(expected[slot, 0] - start) < 8 or slot == N - 1


def test_sequence_mode_pads_or_resamples(ntu_root):
    dataset = PairedModalityDataset(
        dict(skeleton=dict(
            sampling=dict(mode='sequence', length=36, pad='zero'),
            pipeline=[dict(type='LoadSkeleton'), dict(type='CenterSkeleton'),
                      dict(type='SkeletonDecode'),
                      dict(type='FormatGCNInput', num_person=2)])),
        data_root=ntu_root, ntu=NTU, clip_len=8, test_mode=True)
    for idx in range(len(dataset)):
        out = dataset[idx]
        T = SAMPLES[out['data_samples'].video_id]
        skeleton = out['inputs']['skeleton']
        assert skeleton.shape == (1, 2, 36, 25, 3)
        assert not skeleton[0, 1].any()  # the absent second body
        # centred on SpineMid (joint 1) of the first frame
        assert torch.allclose(skeleton[0, 0, 0, 1], torch.zeros(3))
        z = skeleton[0, 0, :, 0, 2]
        inds = out['data_samples'].frame_inds['skeleton']
        if T >= 36:  # uniformly resampled
            expected = np.floor((np.arange(36) + 0.5) * T / 36)
            np.testing.assert_array_equal(inds, expected)
        else:  # whole sequence, then zero frames (index -1)
            assert (inds[T:] == -1).all() and not skeleton[0, :, T:].any()
            np.testing.assert_array_equal(inds[:T], np.arange(T))
        np.testing.assert_allclose(
            z[:min(T, 36)].numpy(), 0.01 * inds[:min(T, 36)], atol=1e-4)


def test_modalities_with_different_frame_counts(tmp_path):
    # depth recorded at half the RGB frame count: mapped proportionally
    name = 'S001C001P001R001A001'
    write_sample(str(tmp_path), name, 40, depth_frames=20,
                 modalities=('rgb', 'depth'))
    dataset = PairedModalityDataset(
        dict(depth=dict(pipeline=raw_depth())),  # RGB not loaded
        data_root=str(tmp_path), ntu=NTU, clip_len=8)
    for seed in range(5):
        seed_all(seed)
        out = dataset[0]
        meta = out['data_samples'].metainfo
        assert meta['total_frames'] == 40  # the RGB reference timeline
        depth = decode_depth(out['inputs']['depth'])[0].numpy()
        inds = meta['frame_inds']['depth']
        np.testing.assert_array_equal(depth, inds)
        start = 2 * inds[0] + (inds[1] != inds[0])  # the RGB start
        np.testing.assert_array_equal(
            inds, map_indices(start + np.arange(8), 40, 20))
        assert meta['clip_slot'] == clip_slot(int(start), 40, 8)


# ---------------------------------------------------------------------------
# Missing data, labels, annotation files
# ---------------------------------------------------------------------------


def test_missing_modality_error_or_skip(tmp_path, monkeypatch):
    logged = []
    monkeypatch.setattr(paired, 'print_log',
                        lambda msg, **kwargs: logged.append(msg))
    root = str(tmp_path)
    write_sample(root, 'S001C001P001R001A001', 12)
    write_sample(root, 'S001C001P001R001A002', 12, modalities=('rgb', ))
    write_sample(root, 'S001C001P002R001A003', 12, modalities=('depth', ))
    modalities = dict(rgb=dict(pipeline=raw_video()),
                      depth=dict(pipeline=raw_depth()))
    with pytest.raises(FileNotFoundError) as err:
        PairedModalityDataset(modalities, data_root=root, ntu=NTU)
    assert 'S001C001P001R001A002' in str(err.value)
    assert osp.join(root, 'nturgb+d_depth_masked',
                    'S001C001P001R001A002') in str(err.value)

    dataset = PairedModalityDataset(
        modalities, data_root=root, ntu=NTU, on_missing='skip')
    assert len(dataset) == 1
    assert dataset.skipped == ['S001C001P001R001A002', 'S001C001P002R001A003']
    assert len(logged) == 1  # one summary line: count and first names
    assert 'skipped 2 of 3 samples' in logged[0]
    assert 'S001C001P001R001A002 (depth: ' in logged[0]


def test_labels_hidden_for_transfer_and_labeled_subsets(ntu_root, tmp_path):
    kwargs = dict(modalities=dict(depth=dict(pipeline=raw_depth())),
                  data_root=ntu_root, ntu=NTU, clip_len=8)
    full = PairedModalityDataset(**kwargs)
    labels = {full[i]['data_samples'].video_id:
              int(full[i]['data_samples'].gt_labels.item)
              for i in range(len(full))}
    assert labels['S001C001P002R001A003'] == 2
    assert full.metainfo['classes'][0] == 'drink water'

    transfer = PairedModalityDataset(with_label=False, **kwargs)
    assert all(transfer[i]['data_samples'].gt_labels.item.tolist() == [-1]
               for i in range(len(transfer)))

    subset = dict(k_per_class=1, seed=0, save_to=str(tmp_path))
    labeled = PairedModalityDataset(
        labeled_subset=subset, subset='labeled', **kwargs)
    unlabeled = PairedModalityDataset(
        labeled_subset=subset, subset='unlabeled', **kwargs)
    everything = PairedModalityDataset(labeled_subset=subset, **kwargs)
    assert len(labeled) == 3 and len(unlabeled) == 3
    assert len(everything) == 6
    picked = {labeled[i]['data_samples'].video_id: int(
        labeled[i]['data_samples'].gt_labels.item) for i in range(3)}
    assert sorted(picked.values()) == [0, 1, 2]
    assert all(labels[name] == label for name, label in picked.items())
    assert all(unlabeled[i]['data_samples'].gt_labels.item.tolist() == [-1]
               and unlabeled[i]['data_samples'].video_id not in picked
               for i in range(3))
    marks = [everything[i]['data_samples'].labeled for i in range(6)]
    assert sum(marks) == 3
    assert load_labeled_ids(str(tmp_path)) == sorted(picked)
    assert labeled.labeled_ids == sorted(picked)
    with pytest.raises(ValueError, match='fewer than k=3'):
        PairedModalityDataset(labeled_subset=dict(k_per_class=3), **kwargs)


def test_holdout_keeps_validation_videos_out_of_training(ntu_root, tmp_path):
    """With the validation picks held out, training takes the other video
    of each class (2 per class), and labeled_ids.json records it."""
    kwargs = dict(modalities=dict(depth=dict(pipeline=raw_depth())),
                  data_root=ntu_root, ntu=NTU, clip_len=8, subset='labeled')
    val = PairedModalityDataset(
        labeled_subset=dict(k_per_class=1, skip_per_class=0, seed=3),
        **kwargs)
    train = PairedModalityDataset(
        labeled_subset=dict(k_per_class=1, seed=3, save_to=str(tmp_path),
                            holdout=dict(k_per_class=1, skip_per_class=0)),
        **kwargs)
    assert len(val.labeled_ids) == len(train.labeled_ids) == 3
    assert not set(val.labeled_ids) & set(train.labeled_ids)
    assert len(set(val.labeled_ids) | set(train.labeled_ids)) == 6
    saved = json.loads((tmp_path / 'labeled_ids.json').read_text())
    assert saved['holdout'] == dict(k_per_class=1, skip_per_class=0)
    with pytest.raises(ValueError, match='fewer than k=2 . 1 held out'):
        PairedModalityDataset(
            labeled_subset=dict(k_per_class=2, holdout=dict(k_per_class=1)),
            **kwargs)
    with pytest.raises(ValueError, match='holdout must be dict'):
        PairedModalityDataset(
            labeled_subset=dict(k_per_class=1, holdout=5), **kwargs)


def test_garcia_holdout_splits_the_training_subjects(ntu_root):
    """Cross-subject, Garcia et al.'s validation set is subject 1."""
    kwargs = dict(modalities=dict(depth=dict(pipeline=raw_depth())),
                  data_root=ntu_root, clip_len=8)
    rest = PairedModalityDataset(ntu=dict(NTU, holdout='garcia2018'),
                                 **kwargs)
    val = PairedModalityDataset(
        ntu=dict(NTU, holdout='garcia2018', use_holdout=True), **kwargs)
    names = {r['video_id'] for r in rest.load_data_list()}
    held = {r['video_id'] for r in val.load_data_list()}
    assert held == {n for n in SAMPLES if 'P001' in n}
    assert names == {n for n in SAMPLES if 'P002' in n}
    with pytest.raises(ValueError, match="carves a validation set from "
                       "split='train'"):
        PairedModalityDataset(
            ntu=dict(NTU, split='val', holdout='garcia2018'), **kwargs)
    with pytest.raises(ValueError, match='use_holdout=True needs holdout='):
        PairedModalityDataset(ntu=dict(NTU, use_holdout=True), **kwargs)
    with pytest.raises(ValueError, match="Unknown NTU holdout 'vpn'"):
        PairedModalityDataset(ntu=dict(NTU, holdout='vpn'), **kwargs)


@pytest.mark.parametrize('name,content,message', [
    ('train.txt', None, 'annotation file {path} does not exist'),
    ('train.json', None, 'annotation file {path} does not exist'),
    ('train.txt', b'S001C001P001R001A001 0\n\xff\xfe',
     '{path}, line 2: not UTF-8 text (a binary file?)'),
    ('train.txt', b'S001C001P001R001A001 0\nS001C001P001R001A002 1\n'
     b'S001C001P001R001A001 0\n',
     '{path}: sample S001C001P001R001A001 is listed twice (entries 1 and '
     '3)'),
    ('train.txt', b'S001C001P001R001A001 3\n',
     '{path}, line 1: label 3 is out of range for 3 classes (0..2)'),
    ('train.json', b'[{"name": ',
     '{path}: cannot be read as a record file: JSONDecodeError: Expecting '
     'value: line 1 column 11 (char 10)'),
    ('train.json', b'[{"name": "a", "label": 7, "paths": {}}]',
     '{path}, record 0 (a): label 7 is out of range for 3 classes (0..2)'),
])
def test_bad_annotation_files_are_one_line(ntu_root, tmp_path, name,
                                           content, message):
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises((ValueError, FileNotFoundError)) as e:
        PairedModalityDataset(
            dict(depth=dict(pipeline=raw_depth())), ann_file=str(path),
            data_root=ntu_root, metainfo=dict(classes=('a', 'b', 'c')))
    assert str(e.value) == message.format(path=path)


def test_split_and_record_files(ntu_root, tmp_path):
    classes = ('drink water', 'eat meal/snack', 'brushing teeth')
    modalities = dict(rgb=dict(pipeline=raw_video()))
    split = tmp_path / 'train.txt'
    split.write_text('# name label\nS001C001P001R001A001 0\n'
                     'S001C001P001R001A002 eat meal/snack\n'
                     'S001C001P001R001A003\n')
    dataset = PairedModalityDataset(
        modalities, ann_file=str(split), data_root=ntu_root, clip_len=8,
        metainfo=dict(classes=classes))
    assert [int(dataset[i]['data_samples'].gt_labels.item)
            for i in range(3)] == [0, 1, -1]
    assert [dataset[i]['data_samples'].labeled
            for i in range(3)] == [True, True, False]

    split.write_text('S001C001P001R001A001 0\nS001C001P001R001A002 cook\n')
    with pytest.raises(ValueError, match=r"train.txt, line 2: unknown "
                       r"class 'cook'"):
        PairedModalityDataset(modalities, ann_file=str(split),
                              data_root=ntu_root,
                              metainfo=dict(classes=classes))
    split.write_text('# nothing here\n\n')
    with pytest.raises(ValueError, match='no samples'):
        PairedModalityDataset(modalities, ann_file=str(split),
                              data_root=ntu_root)

    # generic records, relative paths, another dataset's layout
    name = 'S001C001P002R001A002'
    paths = dict(rgb=f'nturgb+d_rgb/{name}_rgb.avi',
                 depth=f'nturgb+d_depth_masked/{name}')
    records = [dict(name='clip_a', label=1, paths=paths),
               dict(name='clip_b', label=-1, paths=paths),
               dict(name='clip_c', label=0, paths=dict(rgb=paths['rgb']))]
    ann = tmp_path / 'records.json'
    ann.write_text(json.dumps(records))
    dataset = PairedModalityDataset(
        dict(rgb=dict(pipeline=raw_video()),
             depth=dict(pipeline=raw_depth())),
        ann_file=str(ann), data_root=ntu_root, clip_len=8,
        on_missing='skip')
    assert dataset.skipped == ['clip_c']  # no depth path in its record
    out = dataset[0]
    assert out['data_samples'].video_id == 'clip_a'
    assert dataset[1]['data_samples'].labeled is False
    assert dataset[1]['data_samples'].gt_labels.item.tolist() == [-1]
    assert torch.equal(decode_rgb(out['inputs']['rgb']),
                       decode_depth(out['inputs']['depth']))


# ---------------------------------------------------------------------------
# Models consume the packed samples
# ---------------------------------------------------------------------------


def depth_train_pipeline(size=16):
    return [
        dict(type='LoadMaskedDepth'),
        dict(type='MultiScaleCrop', input_size=size,
             scales=(1, 0.84089642, 0.70710678, 0.59460356, 0.5),
             max_wh_scale_gap=0, num_fixed_crops=5),
        dict(type='Resize', scale=(size, size), keep_ratio=False),
        dict(type='ReplicateDepth'),
        dict(type='FlowAwareFlip', flip_ratio=0.5),
        dict(type='FormatShape', input_format='NCTHW')
    ]


def recognizer3d():
    """A tiny 3D-ResNet-18 (base_channels 8) recognizer."""
    return dict(
        type='Recognizer3D',
        backbone=dict(
            type='ResNet3d', depth=18, base_channels=8, pretrained=None,
            pretrained2d=False, in_channels=3, conv1_kernel=(3, 7, 7),
            conv1_stride_t=1, pool1_stride_t=1, inflate=(1, 1, 1, 1)),
        cls_head=dict(type='I3DHead', num_classes=3, in_channels=64,
                      dropout_ratio=0., average_clips='prob'),
        data_preprocessor=dict(
            type='ActionDataPreprocessor', mean=[127.5] * 3,
            std=[127.5] * 3, format_shape='NCTHW'))


def test_pack_single_trains_recognizer3d(ntu_root):
    dataset = PairedModalityDataset(
        dict(depth=dict(pipeline=depth_train_pipeline())),
        data_root=ntu_root, ntu=NTU, clip_len=8,
        pack=dict(type='PackPairedInputs', pack_single=True))
    seed_all(0)
    batch = pseudo_collate([dataset[i] for i in range(4)])
    assert batch['inputs'][0].shape == (1, 3, 8, 16, 16)
    with DefaultScope.overwrite_default_scope('fsat'):
        model = MODELS.build(recognizer3d())
    optim = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1))
    before = [p.detach().clone() for p in model.parameters()]
    losses = model.train_step(batch, optim)
    assert torch.isfinite(losses['loss_cls'])
    assert any(not torch.equal(a, b)
               for a, b in zip(before, model.parameters()))
    preds = model.val_step(batch)
    assert len(preds) == 4 and preds[0].pred_scores.item.shape == (3, )


def test_paired_batch_through_multimodal_preprocessor(ntu_root):
    dataset = PairedModalityDataset(
        dict(depth=dict(pipeline=depth_train_pipeline()),
             rgb=dict(sampling='same_clip', pipeline=[
                 dict(type='DecordInit'), dict(type='DecordDecode'),
                 dict(type='Resize', scale=(16, 16), keep_ratio=False),
                 dict(type='FormatShape', input_format='NCTHW')])),
        data_root=ntu_root, ntu=NTU, clip_len=8, with_label=False)
    batch = pseudo_collate([dataset[i] for i in range(3)])
    norm = dict(type='ActionDataPreprocessor', mean=[127.5] * 3,
                std=[127.5] * 3, format_shape='NCTHW')
    with DefaultScope.overwrite_default_scope('fsat'):
        preprocessor = MODELS.build(
            dict(type='PairedDataPreprocessor',
                 preprocessors=dict(depth=norm, rgb=norm)))
    data = preprocessor(batch, training=True)
    assert data['inputs']['depth'].shape == (3, 1, 3, 8, 16, 16)
    assert data['inputs']['rgb'].shape == (3, 1, 3, 8, 16, 16)
    assert data['inputs']['rgb'].dtype == torch.float32
    assert [s.gt_labels.item.item() for s in data['data_samples']] == [-1] * 3


def test_pack_single_trains_recognizer_gcn(ntu_root):
    dataset = PairedModalityDataset(
        dict(skeleton=dict(
            sampling=dict(mode='sequence', length=24),
            pipeline=[dict(type='LoadSkeleton'), dict(type='CenterSkeleton'),
                      dict(type='SkeletonDecode'),
                      dict(type='FormatGCNInput', num_person=2)])),
        data_root=ntu_root, ntu=NTU,
        pack=dict(type='PackPairedInputs', pack_single=True))
    batch = pseudo_collate([dataset[i] for i in range(4)])
    assert batch['inputs'][0].shape == (1, 2, 24, 25, 3)  # [nc, M, T, V, C]
    with DefaultScope.overwrite_default_scope('fsat'):
        model = MODELS.build(
            dict(
                type='RecognizerGCN',
                backbone=dict(
                    type='STGCN', graph_cfg=dict(layout='nturgb+d',
                                                 mode='stgcn_spatial'),
                    base_channels=8, num_stages=2, inflate_stages=[],
                    down_stages=[]),
                cls_head=dict(type='GCNHead', num_classes=3,
                              in_channels=8)))
    optim = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1))
    losses = model.train_step(batch, optim)
    assert torch.isfinite(losses['loss_cls'])


def test_real_ntu_rgb_and_skeleton_pair_frame_for_frame(tmp_path):
    """The real sample: its 103-frame .avi and 103-frame .skeleton are one
    timeline; a clip takes the same frames of both."""
    from fsat.testing import real_sample
    name = 'S001C001P001R001A001'
    root = osp.dirname(real_sample('ntu', f'{name}_rgb.avi'))
    real_sample('ntu', f'{name}.skeleton')
    ann = tmp_path / 'pairs.json'
    ann.write_text(json.dumps([dict(
        name=name, label=0,
        paths=dict(rgb=f'{name}_rgb.avi', skeleton=f'{name}.skeleton'))]))
    dataset = PairedModalityDataset(
        ann_file=str(ann),
        data_root=root,
        test_mode=True,
        modalities=dict(
            rgb=dict(sampling='clip', pipeline=[
                dict(type='DecordInit'), dict(type='DecordDecode'),
                dict(type='Resize', scale=(32, 32), keep_ratio=False),
                dict(type='FormatShape', input_format='NCTHW')]),
            skeleton=dict(sampling='clip', pipeline=[
                dict(type='LoadSkeleton'), dict(type='SkeletonDecode'),
                dict(type='FormatGCNInput', num_person=2)])))
    info = dataset.get_data_info(0)
    assert info['frame_counts'] == dict(rgb=103, skeleton=103)
    sample = dataset[0]
    meta = sample['data_samples'].metainfo
    assert list(meta['frame_inds']['rgb']) == list(
        meta['frame_inds']['skeleton'])
    assert len(meta['frame_inds']['rgb']) == 16
    assert sample['inputs']['rgb'].shape == (1, 3, 16, 32, 32)
    # the skeleton clip holds the file's joints of those very frames
    from fsat.datasets.ntu import read_skeleton
    joints = read_skeleton(real_sample('ntu', f'{name}.skeleton'))
    first = meta['frame_inds']['skeleton'][0]
    torch.testing.assert_close(
        sample['inputs']['skeleton'][0, 0, 0],
        torch.from_numpy(joints[0, first]))
