# Copyright (c) fsat contributors. All rights reserved.
"""fsat provides one registry node per MMEngine root registry.

Each node is a child of mmaction2's node of the same kind (and, through it,
of MMEngine's root), so that a config with ``default_scope = 'fsat'`` names
fsat's own plugins, every mmaction2 model, dataset, transform and metric, and
every MMEngine component alike.

Two things happen lazily, the first time a node is searched:

* the modules listed in ``locations`` are imported (MMEngine's behaviour),
  together with the parent mmaction2 node's locations, so that e.g.
  ``Recognizer3D`` resolves without an explicit ``import mmaction.models``;
* third-party packages declaring an entry point in the ``fsat.plugins`` group
  are imported (see :mod:`fsat.utils.plugins`).

More details on registries: https://mmengine.readthedocs.io/en/latest/advanced_tutorials/registry.html
"""  # noqa: E501
import mmaction.registry as mmaction_registry
import mmengine.registry as mmengine_registry
from mmengine.registry import DefaultScope, Registry, init_default_scope

from fsat.utils import config_paths

# configs read after this may name fsat's configs as 'fsat::<path>'
config_paths.install()


class FsatRegistry(Registry):
    """A registry node that also imports its parent's locations and plugins.

    MMEngine searches a parent node's module dict without importing the
    parent's locations, so a child of mmaction2's ``MODELS`` would not find
    ``Recognizer3D`` unless ``mmaction.models`` happened to be imported. This
    node imports them on first use, then loads ``fsat.plugins`` entry points.
    """

    def import_from_location(self) -> None:
        """Import the parent's and own locations, then entry-point plugins."""
        if self._imported:
            return
        if self.parent is not None:
            self.parent.import_from_location()
        # Mark as imported before importing plugins: a plugin registering
        # into this node must not re-enter this method.
        super().import_from_location()
        from fsat.utils.plugins import load_plugins
        load_plugins()

    def build(self, cfg: dict, *args, **kwargs):
        """Build ``cfg``; first make ``'fsat'`` the default scope if none is.

        Objects built here build their parts through MMEngine's root nodes
        (a recognizer its ``data_preprocessor``, a dataset its transforms),
        which find mmaction2's and fsat's types only through the default
        scope. Without this, ``MODELS.build`` from Python needed
        ``init_default_scope('fsat')`` first; a scope that is already set
        (by a runner, or by the user) is kept.
        """
        if DefaultScope.get_current_instance() is None:
            init_default_scope(self.scope)
        return super().build(cfg, *args, **kwargs)


def _node(name: str, parent: str, locations=()) -> FsatRegistry:
    """A node of scope ``fsat`` below mmaction2's node called ``parent``."""
    return FsatRegistry(
        name,
        parent=getattr(mmaction_registry, parent),
        scope='fsat',
        locations=list(locations))


# runners like `Runner`, and how to construct them
RUNNERS = _node('runner', 'RUNNERS')
RUNNER_CONSTRUCTORS = _node('runner constructor', 'RUNNER_CONSTRUCTORS')
# training/validation loops, e.g. `EpochBasedTrainLoop`
LOOPS = _node('loop', 'LOOPS')
# hooks, e.g. `CheckpointHook`
HOOKS = _node('hook', 'HOOKS', ['fsat.engine'])
# datasets, e.g. mmaction2's `VideoDataset`, `PoseDataset`
DATASETS = _node('dataset', 'DATASETS', ['fsat.datasets'])
# samplers of dataset indices, e.g. `DefaultSampler`
DATA_SAMPLERS = _node('data sampler', 'DATA_SAMPLERS')
# data transforms, e.g. `DecordInit`, `SampleFrames`
TRANSFORMS = _node('transform', 'TRANSFORMS', ['fsat.datasets'])
# nn.Modules: backbones, heads, recognizers, distillers, losses, connectors
MODELS = _node('model', 'MODELS', ['fsat.models'])
# model wrappers (fsat's DeviceAgnosticDDP lives in MMEngine's root node)
MODEL_WRAPPERS = _node('model_wrapper', 'MODEL_WRAPPERS')
# weight initialisers, e.g. `Pretrained`
WEIGHT_INITIALIZERS = _node('weight initializer', 'WEIGHT_INITIALIZERS')
# optimizers, e.g. `SGD`
OPTIMIZERS = _node('optimizer', 'OPTIMIZERS')
# optimizer wrappers, e.g. `OptimWrapper`, `AmpOptimWrapper`
OPTIM_WRAPPERS = _node('optim_wrapper', 'OPTIM_WRAPPERS')
# constructors of optimizer wrappers (parameter-wise settings)
OPTIM_WRAPPER_CONSTRUCTORS = _node('optimizer wrapper constructor',
                                   'OPTIM_WRAPPER_CONSTRUCTORS')
# learning-rate and momentum schedulers
PARAM_SCHEDULERS = _node('parameter scheduler', 'PARAM_SCHEDULERS')
# metrics, e.g. `AccMetric`
METRICS = _node('metric', 'METRICS', ['fsat.evaluation'])
# evaluators that hold several metrics
EVALUATOR = _node('evaluator', 'EVALUATOR')
# task utilities (anchor assigners, samplers of proposals)
TASK_UTILS = _node('task util', 'TASK_UTILS')
# visualizers and their storage backends
VISUALIZERS = _node('visualizer', 'VISUALIZERS')
VISBACKENDS = _node('vis_backend', 'VISBACKENDS')
# log processors that smooth and format logged values
LOG_PROCESSORS = _node('log_processor', 'LOG_PROCESSORS')
# inferencers for high-level inference APIs
INFERENCERS = _node('inferencer', 'INFERENCERS')
# functions such as collate functions (``collate_fn=dict(type=...)``);
# mmaction2 has no node of its own, so this one hangs below MMEngine's root
FUNCTIONS = FsatRegistry(
    'function',
    parent=mmengine_registry.FUNCTIONS,
    scope='fsat',
    locations=['fsat.datasets'])

ALL_REGISTRIES = (RUNNERS, RUNNER_CONSTRUCTORS, LOOPS, HOOKS, DATASETS,
                  DATA_SAMPLERS, TRANSFORMS, MODELS, MODEL_WRAPPERS,
                  WEIGHT_INITIALIZERS, OPTIMIZERS, OPTIM_WRAPPERS,
                  OPTIM_WRAPPER_CONSTRUCTORS, PARAM_SCHEDULERS, METRICS,
                  EVALUATOR, TASK_UTILS, VISUALIZERS, VISBACKENDS,
                  LOG_PROCESSORS, INFERENCERS, FUNCTIONS)
