# Copyright (c) fsat contributors. All rights reserved.
"""Tiny models and datasets for tests: fast, deterministic, learnable."""
from typing import List, Optional, Sequence

import numpy as np
import torch
import torch.nn as nn
from mmengine.dataset import BaseDataset
from mmengine.model import BaseModule

from fsat.registry import DATASETS, MODELS


@MODELS.register_module()
class ToyClipBackbone(BaseModule):
    """Two 3x3x3 convolutions with ReLU and no batch statistics.

    Without normalisation layers its gradients do not depend on how a batch
    is split across processes, which the DDP equivalence test relies on.

    Args:
        in_channels (int): Input channels. Defaults to 3.
        width (int): Channels of both convolutions. Defaults to 8.
    """

    def __init__(self, in_channels: int = 3, width: int = 8) -> None:
        super().__init__()
        self.conv1 = nn.Conv3d(in_channels, width, 3, padding=1)
        self.conv2 = nn.Conv3d(width, width, 3, stride=2, padding=1)
        self.relu = nn.ReLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # [N, C, T, H, W] -> [N, width, T/2, H/2, W/2]
        return self.relu(self.conv2(self.relu(self.conv1(x))))


@DATASETS.register_module()
class ToyClipDataset(BaseDataset):
    """Random clips whose class sets a per-channel brightness pattern.

    Sample ``i`` has label ``i % num_classes`` and, in channel ``c``, mean
    ``+signal`` if bit ``c`` of the label is set else ``-signal``, plus unit
    Gaussian noise; a small network separates the classes within a few
    dozen steps. The data depend only on ``seed``.

    Args:
        num_samples (int): Dataset length. Defaults to 32.
        num_classes (int): Number of classes (at most ``2**channels``).
            Defaults to 4.
        clip_shape (Sequence[int]): ``(C, T, H, W)`` of each clip.
            Defaults to ``(3, 4, 8, 8)``.
        signal (float): Class signal strength. Defaults to 1.0.
        seed (int): Seed of the noise. Defaults to 0.
        pipeline (list): Transforms, e.g. ``[dict(type='PackActionInputs')]``.
    """

    def __init__(self,
                 num_samples: int = 32,
                 num_classes: int = 4,
                 clip_shape: Sequence[int] = (3, 4, 8, 8),
                 signal: float = 1.0,
                 seed: int = 0,
                 pipeline: Sequence = (),
                 **kwargs) -> None:
        if num_classes > 2**clip_shape[0]:
            raise ValueError(f'num_classes={num_classes} needs more than '
                             f'{clip_shape[0]} channels')
        self.num_samples = num_samples
        self.num_classes = num_classes
        self.clip_shape = tuple(clip_shape)
        self.signal = signal
        self.seed = seed
        super().__init__(ann_file='', pipeline=list(pipeline), **kwargs)

    def load_data_list(self) -> List[dict]:
        rng = np.random.default_rng(self.seed)
        channels = self.clip_shape[0]
        data_list = []
        for i in range(self.num_samples):
            label = i % self.num_classes
            bits = (label >> np.arange(channels)) & 1
            means = np.where(bits == 1, self.signal, -self.signal)
            clip = rng.standard_normal(self.clip_shape).astype(np.float32)
            clip += means.reshape(-1, 1, 1, 1).astype(np.float32)
            # [C, T, H, W] -> [num_clips=1, C, T, H, W]
            data_list.append(
                dict(imgs=clip[None], label=label, video_id=f'toy_{i:05d}'))
        return data_list


def toy_recognizer(num_classes: int = 4,
                   in_channels: int = 3,
                   width: int = 8) -> dict:
    """Config of an mmaction2 ``Recognizer3D`` on :class:`ToyClipBackbone`.

    No dropout and no batch statistics, so training is deterministic and
    independent of how a batch is split across processes.
    """
    return dict(
        type='Recognizer3D',
        backbone=dict(
            type='ToyClipBackbone', in_channels=in_channels, width=width),
        cls_head=dict(
            type='I3DHead',
            num_classes=num_classes,
            in_channels=width,
            dropout_ratio=0.0,
            average_clips='prob'),
        data_preprocessor=dict(
            type='ActionDataPreprocessor', format_shape='NCTHW'))


def toy_rc3d(num_classes: int = 2, **heads) -> dict:
    """An R-C3D config small enough for unit tests: a 4-channel
    ResNet3d-18 with temporal stride 8 and narrow heads (``heads`` may
    update ``proposal_head``, ``classifier_head`` or
    ``data_preprocessor``)."""
    cfg = dict(
        type='RC3D',
        in_channels=32,
        temporal_stride=8,
        backbone=dict(
            type='ResNet3d', depth=18, pretrained=None, pretrained2d=False,
            in_channels=3, base_channels=4, conv1_kernel=(3, 7, 7),
            conv1_stride_t=1, pool1_stride_t=2, inflate=(1, 1, 1, 1),
            spatial_strides=(1, 2, 2, 2), temporal_strides=(1, 1, 2, 2),
            with_pool2=False),
        proposal_head=dict(feat_channels=16, anchor_scales=(1, 2, 3),
                           train_proposals=32, test_proposals=16),
        classifier_head=dict(num_classes=num_classes, hidden_channels=32,
                             dropout=0.0, num_samples=32),
        data_preprocessor=dict(type='ActionDataPreprocessor',
                               format_shape='NCTHW'))
    for key, value in heads.items():
        cfg[key] = dict(cfg[key], **value)
    return cfg


def toy_depth_rc3d(**heads) -> dict:
    """The :func:`toy_rc3d` of :func:`toy_detection_dataset`: 3 classes,
    depth normalised from [0, 255] to [-1, 1], every detection kept
    (``score_thr=0``); ``heads`` update its parts as in :func:`toy_rc3d`.
    """
    parts = dict(classifier_head=dict(score_thr=0.0),
                 data_preprocessor=dict(mean=[127.5] * 3, std=[127.5] * 3))
    for key, value in heads.items():
        parts[key] = dict(parts.get(key, {}), **value)
    return toy_rc3d(num_classes=3, **parts)


def toy_detection_dataset(data_root: str) -> dict:
    """The validation split of a synthetic world's PKU-MMD folder
    (``<world>/pku_mmd``, 3 classes, inclusive ends) as a toy R-C3D reads
    it: 32-frame depth buffers at 16x16, replicated to 3 channels.

    Args:
        data_root (str): The ``pku_mmd`` folder of a synthetic world.

    Returns:
        dict: A ``PKUMMDDetectionDataset`` config (test mode).
    """
    return dict(
        type='PKUMMDDetectionDataset',
        data_root=data_root,
        split='val',
        num_classes=3,
        inclusive_end=True,
        buffer_len=32,
        test_mode=True,
        pipeline=[
            dict(type='LoadMaskedDepth'),
            dict(type='Resize', scale=(16, 16), keep_ratio=False),
            dict(type='ReplicateDepth'),
            dict(type='FormatShape', input_format='NCTHW'),
            dict(type='PackDetectionInputs'),
        ])


def build_toy_model(cfg: dict,
                    seed: int = 0,
                    save_to: Optional[str] = None) -> nn.Module:
    """Build a model config in the ``fsat`` scope after seeding torch, and
    optionally save its initial weights as a checkpoint.

    Args:
        cfg (dict): The model config.
        seed (int): ``torch.manual_seed`` before building. Defaults to 0.
        save_to (str, optional): A ``.pth`` file to write
            ``dict(state_dict=...)`` to. Defaults to None.

    Returns:
        nn.Module: The model (in train mode).
    """
    from mmengine.registry import DefaultScope
    torch.manual_seed(seed)
    with DefaultScope.overwrite_default_scope('fsat'):
        model = MODELS.build(cfg)
    if save_to is not None:
        torch.save(dict(state_dict=model.state_dict()), save_to)
    return model


def toy_train_config(work_dir: str,
                     batch_size: int = 4,
                     max_iters: int = 8,
                     num_samples: int = 32,
                     num_classes: int = 4,
                     lr: float = 0.05,
                     checkpoint_interval: int = 4) -> dict:
    """A complete, iteration-based config training the toy recognizer.

    The sampler does not shuffle, so the samples of a step are the same
    whatever the number of processes (rank r takes indices r, r+W, ...).
    """
    dataset = dict(
        type='ToyClipDataset',
        num_samples=num_samples,
        num_classes=num_classes,
        pipeline=[dict(type='PackActionInputs')])
    loader = dict(
        batch_size=batch_size,
        num_workers=0,
        sampler=dict(type='DefaultSampler', shuffle=False),
        dataset=dataset)
    # iteration-based: an endless sampler (MMEngine sleeps 2 s whenever a
    # DefaultSampler's pass ends); unshuffled, rank r takes r, r + W, ...
    train_loader = dict(
        loader, sampler=dict(type='InfiniteSampler', shuffle=False))
    return dict(
        default_scope='fsat',
        custom_imports=dict(imports=['fsat.testing']),
        work_dir=work_dir,
        model=toy_recognizer(num_classes),
        train_dataloader=train_loader,
        val_dataloader=dict(loader, batch_size=8),
        test_dataloader=dict(loader, batch_size=8),
        val_evaluator=dict(type='AccMetric'),
        test_evaluator=dict(type='AccMetric'),
        train_cfg=dict(
            type='IterBasedTrainLoop',
            max_iters=max_iters,
            val_interval=max_iters),
        val_cfg=dict(type='ValLoop'),
        test_cfg=dict(type='TestLoop'),
        optim_wrapper=dict(
            optimizer=dict(
                type='SGD', lr=lr, momentum=0.9, weight_decay=1e-4)),
        param_scheduler=[],
        default_hooks=dict(
            logger=dict(type='LoggerHook', interval=1),
            checkpoint=dict(
                type='CheckpointHook',
                interval=checkpoint_interval,
                by_epoch=False)),
        log_processor=dict(by_epoch=False),
        model_wrapper_cfg=dict(
            type='DeviceAgnosticDDP', broadcast_buffers=False),
        env_cfg=dict(dist_cfg=dict(backend='nccl')),
        randomness=dict(seed=0),
        visualizer=dict(
            type='ActionVisualizer',
            vis_backends=[dict(type='LocalVisBackend')]),
        launcher='none')


def toy_stage_config(path: str, max_iters: int = 4) -> str:
    """Write a toy config for a pipeline stage (validation and test sets
    drawn with other seeds than the training set's) to ``path``."""
    from mmengine.config import Config
    cfg = toy_train_config('unused', batch_size=4, max_iters=max_iters,
                           num_samples=16, checkpoint_interval=max_iters)
    cfg['val_dataloader']['dataset'] = dict(
        cfg['val_dataloader']['dataset'], seed=1)
    cfg['test_dataloader']['dataset'] = dict(
        cfg['test_dataloader']['dataset'], seed=2)
    cfg['default_hooks']['logger']['interval'] = 10
    Config(cfg).dump(str(path))
    return str(path)
