# Copyright (c) fsat contributors. All rights reserved.
"""Heads fsat adds to mmaction2: R-C3D's proposal and classification
subnets, Fast R-CNN's 2-D RoI box head and Faster R-CNN's region
proposal network."""
from .rc3d_heads import ProposalClassifierHead, TemporalProposalHead
from .roi_box_head2d import RoIBoxHead2D
from .rpn_head2d import RPNHead2D

__all__ = [
    'ProposalClassifierHead', 'RoIBoxHead2D', 'RPNHead2D',
    'TemporalProposalHead'
]
