# Copyright (c) fsat contributors. All rights reserved.
"""Heads fsat adds to mmaction2: R-C3D's proposal and classification
subnets."""
from .rc3d_heads import ProposalClassifierHead, TemporalProposalHead

__all__ = ['ProposalClassifierHead', 'TemporalProposalHead']
