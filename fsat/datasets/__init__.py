# Copyright (c) fsat contributors. All rights reserved.
"""Datasets: annotation builders of the real datasets, the paired multimodal
dataset, transforms and the embedded synthetic world."""
