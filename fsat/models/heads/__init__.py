# Copyright (c) fsat contributors. All rights reserved.
"""Heads fsat adds to mmaction2: R-C3D's proposal and classification
subnets, and Fast R-CNN's 2-D RoI box head."""
from .rc3d_heads import ProposalClassifierHead, TemporalProposalHead
from .roi_box_head2d import RoIBoxHead2D

__all__ = ['ProposalClassifierHead', 'RoIBoxHead2D', 'TemporalProposalHead']
