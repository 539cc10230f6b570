# Copyright (c) fsat contributors. All rights reserved.
"""The supervision-transfer configs (configs/supervision_transfer): on a
tiny NYUD2-format world, the RGB detector's backbone is the frozen
teacher, the HHA student trains, and its weights start an HHA detector."""
import pytest
import torch
from mmengine.dataset import pseudo_collate

from fsat.apis import load_config
from fsat.engine import load_prefixed_weights
from fsat.registry import DATASETS, MODELS
from fsat.testing import repo_path


def _cfg(folder, name):
    return load_config(repo_path('configs', folder, f'{name}.py'))


@pytest.fixture(scope='module')
def world(tmp_path_factory):
    from fsat.datasets.synthetic import generate_nyud2_world
    out = str(tmp_path_factory.mktemp('nyud2') / 'world')
    generate_nyud2_world('nyud2_tiny', out, seed=0, progress=False)
    return out


def _batch(cfg, world, split='train'):
    data = DATASETS.build(dict(cfg[f'{split}_dataloader'].dataset,
                               data_root=world, hha_root=None))
    return pseudo_collate([data[0], data[1]])


def test_rgb_detector_teaches_the_hha_trunk_that_starts_a_detector(
        world, tmp_path):
    torch.manual_seed(0)
    rgb_cfg = _cfg('detection2d', 'frcnn_r18_rgb_nyud2_synth')
    rgb_detector = MODELS.build(rgb_cfg.model)
    teacher_ckpt = str(tmp_path / 'rgb_det.pth')
    torch.save(dict(state_dict=rgb_detector.state_dict()), teacher_ckpt)

    cfg = _cfg('supervision_transfer', 'rgb2hha_r18_nyud2_synth')
    assert cfg.model.loss.type == 'SquaredL2Loss'
    assert cfg.model.student == rgb_cfg.model.backbone
    cfg.model.teacher.checkpoint = teacher_ckpt
    model = MODELS.build(cfg.model)
    # the teacher is the detector's backbone, frozen
    for key, value in rgb_detector.backbone.state_dict().items():
        assert torch.equal(model.teachers['teacher'].state_dict()[key],
                           value), key
    before = {k: v.clone() for k, v in model.state_dict().items()}
    optim = torch.optim.AdamW(
        [p for p in model.parameters() if p.requires_grad], lr=1e-3)
    batch = _batch(cfg, world)
    model.train()
    losses = []
    for _ in range(3):
        data = model.data_preprocessor(batch, training=True)
        loss = model(**data, mode='loss')
        total = sum(loss.values())
        optim.zero_grad()
        total.backward()
        optim.step()
        losses.append(float(total.detach()))
    assert losses[-1] < losses[0]
    after = model.state_dict()
    teacher_keys = [k for k in after if k.startswith('teachers.')]
    assert teacher_keys and all(
        torch.equal(after[k], before[k]) for k in teacher_keys)
    assert not torch.equal(after['student.conv1.conv.weight'],
                           before['student.conv1.conv.weight'])
    # the held-out transfer error of the test views
    model.eval()
    with torch.no_grad():
        data = model.data_preprocessor(_batch(cfg, world, 'test'))
        out = model(**data, mode='predict')
    assert all(float(s.transfer_l2) >= 0 for s in out)

    # the transferred trunk starts the HHA detector
    transfer_ckpt = str(tmp_path / 'transfer.pth')
    torch.save(dict(state_dict=model.state_dict()), transfer_ckpt)
    hha_detector = MODELS.build(
        _cfg('detection2d', 'frcnn_r18_hha_nyud2_synth').model)
    report = load_prefixed_weights(hha_detector, transfer_ckpt, 'student.',
                                   target='backbone.')
    for key, value in model.student.state_dict().items():
        assert torch.equal(hha_detector.backbone.state_dict()[key],
                           value), key
    assert "into 'backbone.'" in report
