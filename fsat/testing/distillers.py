# Copyright (c) fsat contributors. All rights reserved.
"""A minimal concrete distiller, tiny recognizers and paired batches for
tests of the distiller API."""
import os.path as osp
from contextlib import contextmanager
from typing import Dict, Iterator, List, Optional, Sequence

import torch
from mmaction.structures import ActionDataSample

from fsat.models.distillers import BaseDistiller
from fsat.registry import MODELS


@MODELS.register_module()
class ToyPairDistiller(BaseDistiller):
    """The simplest complete distiller: every configured loss, every step.

    ``loss`` = the student's supervised losses (if ``with_student_loss``)
    + every ``distill_losses`` entry on the student's and all teachers'
    tapped features.

    Args:
        with_student_loss (bool): Add the student's own losses (needs
            labels). Defaults to True.
        **kwargs: The arguments of :class:`BaseDistiller`.
    """

    def __init__(self, with_student_loss: bool = True, **kwargs) -> None:
        super().__init__(**kwargs)
        self.with_student_loss = with_student_loss

    def loss(self, inputs, data_samples) -> Dict[str, torch.Tensor]:
        losses, features = self.run_student(
            inputs, data_samples, with_loss=self.with_student_loss)
        features.update(self.run_teachers(inputs))
        losses.update(self.compute_distill_losses(features))
        return losses


def tiny_resnet3d(num_classes: int = 4,
                  in_channels: int = 3,
                  base_channels: int = 4,
                  mean: Optional[Sequence[float]] = None,
                  std: Optional[Sequence[float]] = None) -> dict:
    """An mmaction2 ``Recognizer3D`` on a ResNet3d-18 with batch norm.

    Its pooled feature has ``8 * base_channels`` channels. Dropout is off so
    predictions are deterministic.
    """
    preprocessor = dict(type='ActionDataPreprocessor', format_shape='NCTHW')
    if mean is not None:
        preprocessor.update(mean=list(mean), std=list(std))
    return dict(
        type='Recognizer3D',
        backbone=dict(
            type='ResNet3d',
            depth=18,
            in_channels=in_channels,
            base_channels=base_channels,
            pretrained=None,
            pretrained2d=False,
            conv1_kernel=(3, 7, 7),
            inflate=(1, 1, 1, 1)),
        cls_head=dict(
            type='I3DHead',
            num_classes=num_classes,
            in_channels=8 * base_channels,
            dropout_ratio=0.0,
            average_clips='prob'),
        data_preprocessor=preprocessor)


def tiny_stgcn(num_classes: int = 4, base_channels: int = 8) -> dict:
    """An mmaction2 ``RecognizerGCN`` on ST-GCN for NTU's 25 joints.

    Its pooled feature has ``4 * base_channels`` channels.
    """
    return dict(
        type='RecognizerGCN',
        backbone=dict(
            type='STGCN',
            graph_cfg=dict(layout='nturgb+d', mode='stgcn_spatial'),
            base_channels=base_channels),
        cls_head=dict(
            type='GCNHead',
            num_classes=num_classes,
            in_channels=4 * base_channels,
            dropout=0.0),
        data_preprocessor=dict(
            type='ActionDataPreprocessor', format_shape='NCTVM'))


def toy_pair_distiller(student: Optional[dict] = None,
                       teacher: Optional[dict] = None,
                       modality: str = 'rgb',
                       connector: Optional[Sequence[int]] = None) -> dict:
    """A one-teacher :class:`ToyPairDistiller` config: a depth student
    taught by cosine distance between the pooled features (the input of
    ``cls_head.fc_cls``) of the student and the teacher.

    Args:
        student (dict, optional): The student recognizer. Defaults to a
            :func:`tiny_resnet3d` with 4 base channels (a 32-d feature).
        teacher (dict, optional): The teacher recognizer. Defaults to a
            :func:`tiny_resnet3d` with 4 base channels.
        modality (str): The teacher's modality. Defaults to ``'rgb'``.
        connector (tuple[int, int], optional): ``(in, out)`` channels of a
            ``LinearConnector`` mapping the student's feature to the
            teacher's. Defaults to None (no connector).

    Returns:
        dict: The config.
    """
    pooled = dict(path='cls_head.fc_cls', source='input')
    feat_s = 'student.feat'
    cfg = dict(
        type='ToyPairDistiller',
        student=student or tiny_resnet3d(
            base_channels=4, mean=[5] * 3, std=[2] * 3),
        student_modality='depth',
        teachers={
            modality: dict(model=teacher or tiny_resnet3d(base_channels=4),
                           modality=modality)
        },
        taps={'student': dict(feat=pooled), modality: dict(feat=pooled)})
    if connector is not None:
        cfg['connectors'] = dict(
            proj=dict(type='LinearConnector', in_channels=connector[0],
                      out_channels=connector[1]))
        feat_s = dict(feature=feat_s, connector='proj')
    cfg['distill_losses'] = dict(
        loss_cos=dict(type='CosineDistanceLoss',
                      inputs=dict(feat_s=feat_s, feat_t=f'{modality}.feat')))
    return cfg


def trained_toy_distiller(path: str) -> BaseDistiller:
    """The default :func:`toy_pair_distiller` (seed 0) after one SGD step
    (lr 0.1) on a :func:`paired_batch` of 3x8x32x32 RGB and depth clips,
    saved at ``path`` as the runner saves it (``meta``, ``state_dict``,
    ``optimizer``).

    Args:
        path (str): The checkpoint to write.

    Returns:
        BaseDistiller: The trained distiller (in train mode).
    """
    from mmengine.optim import OptimWrapper
    from mmengine.registry import DefaultScope
    with DefaultScope.overwrite_default_scope('fsat'):
        torch.manual_seed(0)
        model = MODELS.build(toy_pair_distiller())
        optim = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1))
        model.train_step(
            paired_batch(dict(rgb=(3, 8, 32, 32), depth=(3, 8, 32, 32))),
            optim)
    torch.save(
        dict(meta=dict(epoch=1, iter=1), state_dict=model.state_dict(),
             optimizer=optim.state_dict()), path)
    return model


def paired_batch(shapes: Dict[str, Sequence[int]],
                 batch_size: int = 2,
                 num_classes: int = 4,
                 clips: Optional[Dict[str, Sequence[int]]] = None,
                 seed: int = 0) -> dict:
    """A collated paired batch as the paired dataset's loader yields it.

    Args:
        shapes (dict): Modality -> per-clip shape, e.g.
            ``dict(rgb=(3, 8, 32, 32))``.
        batch_size (int): Samples. Defaults to 2.
        num_classes (int): Labels are ``i % num_classes``. Defaults to 4.
        clips (dict, optional): Modality -> clips of each sample (default
            one each).
        seed (int): Seed of the random values. Defaults to 0.

    Returns:
        dict: ``dict(inputs=dict(modality -> list of [num_clips, ...]),
        data_samples=[ActionDataSample])``.
    """
    gen = torch.Generator().manual_seed(seed)
    clips = clips or {}
    inputs = {}
    for modality, shape in shapes.items():
        counts = clips.get(modality, [1] * batch_size)
        inputs[modality] = [
            torch.randn((k, *shape), generator=gen) for k in counts
        ]
    samples: List[ActionDataSample] = []
    for i in range(batch_size):
        sample = ActionDataSample().set_gt_labels(i % num_classes)
        sample.set_metainfo(
            dict(video_id=f'video_{i:03d}', clip_slot=0, num_slots=1))
        samples.append(sample)
    return dict(inputs=inputs, data_samples=samples)


@contextmanager
def single_process_group(folder: str) -> Iterator[None]:
    """A gloo process group of one process (for DDP tests on a CPU).

    Args:
        folder (str): An empty folder for the group's file store.
    """
    import torch.distributed as dist
    dist.init_process_group(
        'gloo',
        init_method='file://' + osp.join(osp.abspath(folder), 'store'),
        rank=0,
        world_size=1)
    try:
        yield
    finally:
        dist.destroy_process_group()
