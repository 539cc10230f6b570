# Copyright (c) fsat contributors. All rights reserved.
import pytest
from mmengine.registry import DefaultScope


@pytest.fixture(autouse=True)
def fsat_scope():
    """Build configs as a runner with ``default_scope='fsat'`` would."""
    with DefaultScope.overwrite_default_scope('fsat'):
        yield
