# Copyright (c) fsat contributors. All rights reserved.
from .plugins import PLUGIN_GROUP, load_plugins, loaded_plugins

__all__ = ['PLUGIN_GROUP', 'load_plugins', 'loaded_plugins']
