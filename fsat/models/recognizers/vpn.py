# Copyright (c) fsat contributors. All rights reserved.
"""VPN / VPN*: an RGB recognizer whose feature map is modulated by a
pose-driven spatio-temporal attention (Das et al., ECCV 2020; VPN++, §3.1).

mmaction2 has no recognizer reading two modalities of one clip, nor a
pose-driven attention, so both are written here:

* :class:`SpatioTemporalCoupler` (STC) maps the pooled pose feature ``h*``
  through two streams of dense layers to a spatial attention
  ``s = sigmoid(W_s tanh(W_1 h* + b_1) + b_s)`` of ``m x n`` values in
  (0, 1) and a temporal attention ``tau = softmax(W_t tanh(W_2 h* + b_2) +
  b_t)`` of ``t`` values summing to 1, and couples them by a Hadamard
  product of the inflated weights: ``A[t, i, j] = tau[t] * s[i, j]``.
* :class:`AttentionModulation`: ``f' = A ⊙ f + f`` on the RGB feature map
  ``f`` of shape ``[N, C, t, m, n]`` (``A`` broadcast over channels).
* :class:`VPNRecognizer`: RGB backbone (any mmaction2 3D backbone) + pose
  backbone (mmaction2's ``AAGCN`` / ``STGCN``) + STC + modulation + a
  classification head (mmaction2's ``I3DHead``) on ``f'``; optionally the
  spatial embedding loss ``L_e`` of VPN. Without it this is VPN++'s VPN*,
  the attention teacher of VPN-A.

Taps (paths in the recognizer; ``B = N * num_clips``):

==============================  ======  ==================================
path                            source  tensor
==============================  ======  ==================================
``coupler.attention``           output  ``A``, ``[B, t, m, n]``
``coupler.spatial_attention``   output  ``s``, ``[B, m, n]``, in (0, 1)
``coupler.temporal_attention``  output  ``tau``, ``[B, t]``, rows sum to 1
``coupler``                     input   ``h*``, ``[B, C_pose]``
``modulation``                  input   ``f``, ``[B, C, t, m, n]``
``modulation``                  output  ``f'``, ``[B, C, t, m, n]``
``cls_head.fc_cls``             input   pooled ``f'``, ``[B, C]``
==============================  ======  ==================================
"""
from typing import Sequence, Tuple

# mmaction2 1.1.0 registers AAGCN's weight initialiser ``ConvBranch`` in
# mmaction.engine, which its registry does not import on its own
import mmaction.engine  # noqa: F401
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmaction.models.recognizers import BaseRecognizer
from mmaction.utils import ConfigType, OptConfigType, OptSampleList
from mmengine.model import BaseModule

from fsat.models.errors import ModelConfigError
from fsat.registry import MODELS

__all__ = ['AttentionModulation', 'SpatioTemporalCoupler', 'VPNRecognizer']


@MODELS.register_module()
class SpatioTemporalCoupler(BaseModule):
    """VPN's spatio-temporal coupler: pose feature -> attention ``A``.

    Two streams of dense layers on the pose feature ``h*``: ``z1 =
    tanh(Linear(h*))`` then ``s = sigmoid(Linear(z1))`` reshaped to
    ``[m, n]`` (spatial), and ``z2 = tanh(Linear(h*))`` then ``tau =
    softmax(Linear(z2))`` over ``t`` (temporal). ``A = tau ⊗ s``, i.e.
    ``A[b, k, i, j] = tau[b, k] * s[b, i, j]``. The hidden sizes 256 and
    128 and the tanh activations are those of VPN's public code.

    Args:
        in_channels (int): Channels of ``h*`` (the pose backbone's output
            channels).
        feat_size (Sequence[int]): ``(t, m, n)``, the temporal and spatial
            size of the RGB feature map the attention modulates.
        spatial_channels (int): Width of ``z1``. Defaults to 256.
        temporal_channels (int): Width of ``z2``. Defaults to 128.
        zero_init (bool): Zero the weights and biases of the two output
            layers, as VPN's public code does, so that training starts
            from ``s = 0.5`` and a uniform ``tau`` (note: the pose branch
            then gets no gradient on the first step). Defaults to False
            (PyTorch's default initialisation; the paper does not say).
        init_cfg (dict, optional): MMEngine initialisation config.

    Returns of ``forward``: ``(A [B, t, m, n], s [B, m, n], tau [B, t])``.
    """

    def __init__(self,
                 in_channels: int,
                 feat_size: Sequence[int],
                 spatial_channels: int = 256,
                 temporal_channels: int = 128,
                 zero_init: bool = False,
                 init_cfg: OptConfigType = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if (not isinstance(feat_size, Sequence) or len(feat_size) != 3
                or not all(isinstance(v, int) and v > 0 for v in feat_size)):
            raise ModelConfigError(
                'SpatioTemporalCoupler: feat_size must be (t, m, n), the '
                'temporal and spatial size of the RGB feature map, got '
                f'{feat_size!r}')
        self.in_channels = in_channels
        self.feat_size = tuple(feat_size)
        t, m, n = self.feat_size
        self.spatial_fc = nn.Linear(in_channels, spatial_channels)
        self.spatial_out = nn.Linear(spatial_channels, m * n)
        self.temporal_fc = nn.Linear(in_channels, temporal_channels)
        self.temporal_out = nn.Linear(temporal_channels, t)
        # identities, so that taps read the attention maps
        self.spatial_attention = nn.Identity()
        self.temporal_attention = nn.Identity()
        self.attention = nn.Identity()
        self.zero_init = zero_init
        if zero_init:
            self._zero_outputs()

    def _zero_outputs(self) -> None:
        for layer in (self.spatial_out, self.temporal_out):
            nn.init.zeros_(layer.weight)
            nn.init.zeros_(layer.bias)

    def init_weights(self) -> None:
        """Initialise as configured (``init_cfg``), then apply
        ``zero_init``."""
        super().init_weights()
        if self.zero_init:
            self._zero_outputs()

    def forward(
        self, pose_feat: torch.Tensor
    ) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Attention from the pooled pose feature.

        Args:
            pose_feat (torch.Tensor): ``h*``, ``[B, in_channels]``.

        Returns:
            tuple: ``A`` ``[B, t, m, n]``, ``s`` ``[B, m, n]`` and ``tau``
            ``[B, t]``.
        """
        t, m, n = self.feat_size
        z1 = torch.tanh(self.spatial_fc(pose_feat))
        z2 = torch.tanh(self.temporal_fc(pose_feat))
        spatial = torch.sigmoid(self.spatial_out(z1)).view(-1, m, n)
        temporal = F.softmax(self.temporal_out(z2), dim=1)
        spatial = self.spatial_attention(spatial)
        temporal = self.temporal_attention(temporal)
        attention = temporal[:, :, None, None] * spatial[:, None]
        return self.attention(attention), spatial, temporal


@MODELS.register_module()
class AttentionModulation(nn.Module):
    """Residual modulation ``f' = A ⊙ f + f`` of an RGB feature map.

    ``forward(feat, attention)``: ``feat`` ``[B, C, t, m, n]``,
    ``attention`` ``[B, t, m, n]`` (shared by all channels).
    """

    def forward(self, feat: torch.Tensor,
                attention: torch.Tensor) -> torch.Tensor:
        if feat.dim() != 5 or attention.shape != (feat.shape[:1] +
                                                  feat.shape[2:]):
            size = tuple(feat.shape[2:])
            raise ValueError(
                'VPN modulation: the attention [B, t, m, n] has shape '
                f'{tuple(attention.shape)} but the RGB feature map '
                f'[B, C, t, m, n] is {tuple(feat.shape)}; set '
                f'coupler.feat_size={size} (the RGB backbone output size)')
        return attention.unsqueeze(1) * feat + feat


@MODELS.register_module()
class VPNRecognizer(BaseRecognizer):
    """VPN (RGB + pose at test time) and VPN++'s attention teacher VPN*.

    ``inputs`` is a paired batch, ``dict(<rgb_modality>: [N, clips, C, T,
    H, W], <pose_modality>: [N, clips, M, T', V, C])`` of the same clips,
    as fsat's :class:`PairedDataPreprocessor` gives it. Per clip: the RGB
    backbone gives ``f`` ``[B, C, t, m, n]``; the pose backbone's output
    ``[B, M, C_pose, T'', V]`` is averaged over time, joints and persons to
    ``h*`` ``[B, C_pose]``; the coupler gives ``A`` ``[B, t, m, n]``; the
    head classifies ``f' = A ⊙ f + f``. ``loss`` and ``predict`` are
    mmaction2's (``predict`` averages a video's clips by the head's
    ``average_clips``). Taps: see :mod:`fsat.models.recognizers.vpn`.

    Args:
        backbone (dict): RGB backbone config (e.g. ``ResNet3d``).
        pose_backbone (dict): Pose backbone config (``AAGCN``, ``STGCN``).
        coupler (dict): :class:`SpatioTemporalCoupler` arguments
            (``in_channels``, ``feat_size``, ...); ``type`` may be omitted.
        cls_head (dict): Head on ``f'``, e.g. ``I3DHead``.
        rgb_modality (str): Key of the RGB input. Defaults to ``'rgb'``.
        pose_modality (str): Key of the pose input. Defaults to
            ``'skeleton'``.
        embedding (dict, optional): VPN's spatial embedding ``L_e``, off
            (None) by default as in VPN*. ``dict(in_channels=C,
            channels=256, loss_weight=1.0)``: the global-average-pooled
            ``f`` (``C`` channels) and the spatial attention ``s`` (``m *
            n`` values) are projected linearly to ``channels`` dimensions,
            L2-normalised, and ``L_e`` is the batch mean of the Euclidean
            distance between them (the paper's "normalized euclidean loss";
            VPN's public code uses sigmoid embeddings of the flattened map
            and an L1 distance instead), logged as ``loss_embed``.
        train_cfg, test_cfg (dict, optional): As mmaction2's recognizers
            (``test_cfg.fcn_test`` is passed to the head).
        data_preprocessor (dict, optional): Defaults to a
            ``PairedDataPreprocessor`` that only stacks both modalities
            (``NCTHW`` and ``NCTVM``); give one with the RGB mean/std.
    """

    def __init__(self,
                 backbone: ConfigType,
                 pose_backbone: ConfigType,
                 coupler: ConfigType,
                 cls_head: ConfigType,
                 rgb_modality: str = 'rgb',
                 pose_modality: str = 'skeleton',
                 embedding: OptConfigType = None,
                 train_cfg: OptConfigType = None,
                 test_cfg: OptConfigType = None,
                 data_preprocessor: OptConfigType = None) -> None:
        if rgb_modality == pose_modality:
            raise ModelConfigError(
                'VPNRecognizer: rgb_modality and pose_modality are both '
                f'{rgb_modality!r}; they name two inputs of a paired batch')
        if data_preprocessor is None:
            data_preprocessor = dict(
                type='PairedDataPreprocessor',
                preprocessors={
                    rgb_modality:
                    dict(type='ActionDataPreprocessor', format_shape='NCTHW'),
                    pose_modality:
                    dict(type='ActionDataPreprocessor', format_shape='NCTVM')
                })
        super().__init__(
            backbone=backbone,
            cls_head=cls_head,
            train_cfg=train_cfg,
            test_cfg=test_cfg,
            data_preprocessor=data_preprocessor)
        known = getattr(self.data_preprocessor, 'modalities', None)
        if known is None or not {rgb_modality, pose_modality} <= set(known):
            raise ModelConfigError(
                'VPNRecognizer: data_preprocessor must be a '
                'PairedDataPreprocessor with preprocessors for '
                f'{rgb_modality!r} and {pose_modality!r}, got '
                f'{type(self.data_preprocessor).__name__}'
                + (f' for {list(known)}' if known is not None else ''))
        self.rgb_modality = rgb_modality
        self.pose_modality = pose_modality
        self.pose_backbone = MODELS.build(pose_backbone)
        coupler = dict(coupler)
        coupler.setdefault('type', 'SpatioTemporalCoupler')
        self.coupler = MODELS.build(coupler)
        self.modulation = AttentionModulation()
        self.with_embedding = embedding is not None
        if self.with_embedding:
            embedding = dict(embedding)
            unknown = set(embedding) - {'in_channels', 'channels',
                                        'loss_weight'}
            if unknown or 'in_channels' not in embedding:
                raise ModelConfigError(
                    'VPNRecognizer: embedding is dict(in_channels=<RGB '
                    'feature channels>, channels=256, loss_weight=1.0), got '
                    f'{embedding!r}')
            channels = embedding.get('channels', 256)
            t, m, n = self.coupler.feat_size
            self.embed_video = nn.Linear(embedding['in_channels'], channels)
            self.embed_pose = nn.Linear(m * n, channels)
            self.embed_loss_weight = float(embedding.get('loss_weight', 1.0))

    def _split_inputs(self, inputs) -> Tuple[torch.Tensor, torch.Tensor]:
        """``(rgb [B, C, T, H, W], pose [B, M, T', V, C])`` and clips."""
        if not isinstance(inputs, dict):
            raise TypeError(
                'VPNRecognizer reads a paired batch dict(modality -> '
                f'tensor), got {type(inputs).__name__}')
        missing = [
            m for m in (self.rgb_modality, self.pose_modality)
            if m not in inputs
        ]
        if missing:
            raise ValueError(
                f'VPNRecognizer: the batch has no {missing[0]!r} input (it '
                f'has {sorted(inputs)})')
        rgb, pose = inputs[self.rgb_modality], inputs[self.pose_modality]
        if rgb.dim() != 6 or pose.dim() != 6:
            raise ValueError(
                'VPNRecognizer expects [N, clips, C, T, H, W] RGB and [N, '
                f'clips, M, T, V, C] pose inputs, got {tuple(rgb.shape)} '
                f'and {tuple(pose.shape)}')
        if rgb.shape[:2] != pose.shape[:2]:
            raise ValueError(
                'VPNRecognizer: RGB and pose must hold the same clips, got '
                f'[N, clips] = {tuple(rgb.shape[:2])} and '
                f'{tuple(pose.shape[:2])}')
        return (rgb.reshape((-1, ) + rgb.shape[2:]),
                pose.reshape((-1, ) + pose.shape[2:]))

    def pose_feature(self, pose: torch.Tensor) -> torch.Tensor:
        """``h*``: the pose backbone's output averaged over time, joints
        and persons, ``[B, C_pose]``."""
        x = self.pose_backbone(pose)  # [B, M, C, T, V]
        if x.dim() != 5:
            raise ValueError(
                'VPNRecognizer: the pose backbone must output [B, M, C, T, '
                f'V] (as mmaction2 AAGCN/STGCN), got {tuple(x.shape)}')
        return x.mean(dim=(3, 4)).mean(dim=1)

    def embedding_loss(self, feat: torch.Tensor,
                       spatial: torch.Tensor) -> torch.Tensor:
        """VPN's ``L_e``: mean Euclidean distance between the L2-normalised
        linear embeddings of the pooled ``f`` and of ``s``."""
        video = F.normalize(self.embed_video(feat.mean(dim=(2, 3, 4))), dim=1)
        pose = F.normalize(self.embed_pose(spatial.flatten(1)), dim=1)
        return self.embed_loss_weight * (video - pose).norm(dim=1).mean()

    def extract_feat(self,
                     inputs: dict,
                     stage: str = 'neck',
                     data_samples: OptSampleList = None,
                     test_mode: bool = False) -> tuple:
        """Features of a stage, as mmaction2's ``Recognizer3D``.

        Args:
            inputs (dict): The paired batch (see the class docstring).
            stage (str): ``'backbone'`` (``f``), ``'neck'`` (``f'``) or
                ``'head'`` (class scores). Defaults to ``'neck'``.
            data_samples (list, optional): Unused (mmaction2's signature).
            test_mode (bool): Whether in test mode (returns ``f'``).

        Returns:
            tuple: The features and the kwargs for the head's ``loss`` /
            ``predict`` (``loss_aux`` holds ``loss_embed`` in training with
            the embedding on).
        """
        kwargs = dict()
        rgb, pose = self._split_inputs(inputs)
        feat = self.backbone(rgb)
        if stage == 'backbone' and not test_mode:
            return feat, kwargs
        attention, spatial, _ = self.coupler(self.pose_feature(pose))
        modulated = self.modulation(feat, attention)
        if test_mode:
            if self.test_cfg is not None:
                kwargs['fcn_test'] = self.test_cfg.get('fcn_test', False)
            return modulated, kwargs
        loss_aux = dict()
        if self.with_embedding:
            loss_aux['loss_embed'] = self.embedding_loss(feat, spatial)
        kwargs['loss_aux'] = loss_aux
        if stage == 'head':
            return self.cls_head(modulated, **kwargs), kwargs
        return modulated, kwargs
