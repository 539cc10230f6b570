# Copyright (c) fsat contributors. All rights reserved.
"""The real NTU RGB+D 60 configs of the hallucination network: the paper's
settings (ResNet-50 at 224, 5 frames, registration, shared flip, Adam,
alpha = lambda = 0.5, T = 10) for both benchmarks; ImageNet weights only
from a local path."""
import pytest

from fsat.apis import load_config
from fsat.testing import repo_path

STEPS = ('step1_rgb', 'step1_depth', 'step2', 'step3', 'step4')
BENCHMARKS = dict(cv='ntu60_xview', cs='ntu60_xsub')


def _cfg(step, bench):
    return load_config(repo_path('configs', 'hallucination',
                                 f'{step}_ntu60_{bench}.py'))


@pytest.mark.parametrize('bench', sorted(BENCHMARKS))
@pytest.mark.parametrize('step', STEPS)
def test_paper_settings(step, bench):
    cfg = _cfg(step, bench)
    for split in ('train', 'val', 'test'):
        ds = cfg[f'{split}_dataloader'].dataset
        assert ds.ntu.benchmark == BENCHMARKS[bench]
        assert ds.ntu.exclude_missing_skeletons
        assert (ds.ntu.get('use_holdout', False)) == (split == 'val')
        for name, modality in ds.modalities.items():
            assert modality.sampling.length == 5
            types = [t.type for t in modality.pipeline]
            assert 'NTURegistrationCrop' in types
            # both modalities share the flip, at training only
            assert ('PairedFlip' in types) == (split == 'train')
            resize = next(t for t in modality.pipeline if t.type == 'Resize')
            assert tuple(resize.scale) == (224, 224)
            if name == 'depth':
                assert types.index('JetDepth') > types.index('Resize')
    for stream in cfg.model.backbone.streams.values():
        assert stream.depth == 50 and stream.pretrained is None
    assert cfg.train_dataloader.batch_size == 5
    assert cfg.optim_wrapper.optimizer.type == 'Adam'
    if step == 'step3':
        losses = cfg.model.distill_losses
        assert losses.loss_gd.loss_weight == losses.loss_hall.loss_weight \
            == 0.5
        assert losses.loss_gd.lambda_soft == 0.5
        assert losses.loss_gd.temperature == 10
        assert list(cfg.test_dataloader.dataset.modalities) == ['rgb']
    if step == 'step4':
        assert list(cfg.test_dataloader.dataset.modalities) == ['rgb']


def test_imagenet_weights_come_from_a_local_path(monkeypatch):
    monkeypatch.setenv('FSAT_IMAGENET_R50', '/weights/resnet50.pth')
    cfg = _cfg('step1_rgb', 'cs')
    assert cfg.model.backbone.streams.rgb.pretrained == '/weights/resnet50.pth'
    assert cfg.model.backbone.streams.rgb.torchvision_pretrain


def test_the_real_pipeline_registers_a_real_ntu_video(tmp_path):
    """The CV test loader of step 2 on the real S001C001P001R001A001 (its
    1080p RGB video and skeleton; depth frames written here at 512x424):
    5 registered, aligned frames per modality at 224x224."""
    import os

    import cv2
    import numpy as np
    from mmengine.registry import DefaultScope

    from fsat.registry import DATASETS
    from fsat.testing.samples import real_sample
    name = 'S001C001P001R001A001'
    video = real_sample('ntu', f'{name}_rgb.avi')
    skeleton = real_sample('ntu', f'{name}.skeleton')
    root = tmp_path / 'nturgbd'
    for sub in ('nturgb+d_rgb', 'nturgb+d_skeletons',
                f'nturgb+d_depth_masked/{name}'):
        (root / sub).mkdir(parents=True)
    os.symlink(video, root / 'nturgb+d_rgb' / f'{name}_rgb.avi')
    os.symlink(skeleton, root / 'nturgb+d_skeletons' / f'{name}.skeleton')
    depth = np.full((424, 512), 3000, dtype=np.uint16)
    for i in range(1, 104):
        cv2.imwrite(str(root / f'nturgb+d_depth_masked/{name}/'
                        f'MDepth-{i:08d}.png'), depth)
    cfg = _cfg('step2', 'cv').test_dataloader.dataset.to_dict()
    cfg['data_root'] = str(root)
    for modality in cfg['modalities'].values():
        for t in modality['pipeline']:
            if t['type'] == 'NTURegistrationCrop':
                t['skeleton_root'] = str(root / 'nturgb+d_skeletons')
    with DefaultScope.overwrite_default_scope('fsat'):
        dataset = DATASETS.build(cfg)
    assert len(dataset) == 1
    sample = dataset[0]
    rgb, dep = sample['inputs']['rgb'], sample['inputs']['depth']
    assert tuple(rgb.shape) == tuple(dep.shape) == (5, 3, 224, 224)
