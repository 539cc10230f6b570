# Copyright (c) fsat contributors. All rights reserved.
"""The VPN++ configs (configs/vpn/) carry the paper's recipe, and the
synthetic twin's declared map sizes are the ones its models produce."""
import glob
import os.path as osp

import pytest
import torch
from mmengine.registry import DefaultScope

from fsat.apis import load_config
from fsat.models.losses.train_set import train_set_sized_modules
from fsat.registry import MODELS
from fsat.testing import paired_batch, repo_path

DATASETS = ('smarthome_cs', 'smarthome_cv2', 'ntu60_cs', 'ntu60_cv', 'synth')
METHODS = ('agcn_j', 'vpn_star', 'i3d_nl_rgb', 'vpnf_scd', 'vpnf_mse',
           'vpnf_crd', 'vpna', 'vpna_frozen', 'vpnpp', 'late_fusion',
           'i3d_rgb')


def cfg_of(method, dataset):
    return load_config(repo_path('configs', 'vpn', f'{method}_{dataset}.py'))


def test_every_method_for_every_dataset_is_shipped():
    shipped = {
        osp.basename(p)
        for p in glob.glob(repo_path('configs', 'vpn', '*.py'))
    }
    assert shipped == {f'{m}_{d}.py' for m in METHODS for d in DATASETS}


@pytest.mark.parametrize('dataset', DATASETS)
def test_vpnpp_is_eq_3(dataset):
    cfg = cfg_of('vpnpp', dataset)
    model = cfg.model
    assert model.type == 'MultiTeacherDistiller'
    assert model.get('with_student_loss', True)  # CE_S
    pose, vpn = model.teachers.pose, model.teachers.vpn
    assert pose.cached and not pose.get('trainable', False)  # frozen
    assert vpn.trainable and vpn.with_loss and vpn.loss_weight == 1  # CE_T
    assert tuple(vpn.modality) == ('rgb', 'skeleton')
    scd, l_d = model.distill_losses.loss_scd, model.distill_losses.loss_attn
    # SCDLoss returns -loss_weight * L_SCD: the total has -alpha * L_SCD
    assert scd.type == 'SCDLoss' and scd.loss_weight == 50
    assert scd.num_negatives == 1 and scd.get('mode', 'paper') == 'paper'
    assert scd.inputs.labels == 'data.labels'
    assert l_d.type == 'AttentionMSELoss' and l_d.loss_weight == 50
    optimizer = cfg.optim_wrapper.optimizer
    if dataset == 'synth':
        # from scratch on a CPU: AdamW, chosen on held-out subjects
        assert (optimizer.type, optimizer.lr) == ('AdamW', 1e-3)
    else:
        assert (optimizer.type, optimizer.lr,
                optimizer.momentum) == ('SGD', 0.01, 0.9)
    # test time is RGB only
    assert set(cfg.test_dataloader.dataset.modalities) == {'rgb'}
    assert any(h.type == 'TeacherFeatureCacheHook' and h.teacher == 'pose'
               for h in cfg.custom_hooks)


@pytest.mark.parametrize('dataset', DATASETS)
def test_vpna_variants(dataset):
    collaborative = cfg_of('vpna', dataset).model.teachers.vpn
    assert collaborative.trainable and collaborative.with_loss
    frozen = cfg_of('vpna_frozen', dataset).model.teachers.vpn
    assert not frozen.get('trainable', False)
    assert frozen.config.endswith(f'vpn_star_{dataset}.py')


def test_synthetic_map_sizes_match_the_models():
    """nl_len and attn_len of models_slim.py are the flattened sizes of the
    student's non-local map and VPN*'s attention on 8x64x64 clips."""
    cfg = cfg_of('vpnpp', 'synth')
    with DefaultScope.overwrite_default_scope('fsat'):
        torch.manual_seed(0)
        model = MODELS.build(cfg.model).eval()
    data = paired_batch(
        dict(rgb=(3, cfg.clip_len, 64, 64), skeleton=(1, cfg.clip_len, 15, 3)),
        batch_size=1)
    data = model.data_preprocessor(data)
    with torch.no_grad():
        _, student = model.run_student(data['inputs'])
        vpn = model.run_teacher('vpn', data['inputs'])
    # 2x4x4 queries, 2x2x2 max-pooled keys; VPN*'s map is 2x4x4
    assert student['student.attn'].shape == (1, 32, 8)
    assert cfg.nl_len == 32 * 8
    assert vpn['vpn.attn'].shape == (1, 2, 4, 4)
    assert cfg.attn_len == 2 * 4 * 4
    assert model.connectors.embed_attn(student['student.attn']).shape == (
        1, cfg.attn_len)


def _plan(name, root):
    from fsat.apis.pipeline import load_pipeline
    pipeline = load_pipeline(f'configs/pipelines/{name}.py', str(root))
    runs = pipeline.plan()
    return pipeline, runs, {(r.stage.name, (r.values or {}).get('seed')):
                            pipeline.resolve(r, dry=True) for r in runs}


def test_synthetic_table_pipelines_plan_every_row(tmp_path, monkeypatch):
    monkeypatch.chdir(repo_path())
    work = tmp_path / 'w'
    # Table 1: one pose teacher, then four rows x 3 seeds
    pipeline, runs, cfgs = _plan('vpn_synth_table1', work)
    assert len(runs) == 1 + 4 * 3
    assert [s.name for s in pipeline.stages] == [
        'pose', 'rgb', 'vpnf_mse', 'vpnf_crd', 'vpnf_scd']
    for name in ('vpnf_mse', 'vpnf_crd', 'vpnf_scd'):
        assert cfgs[name, 1].randomness.seed == 1
        checkpoint = cfgs[name, 1].model.teachers.pose.checkpoint
        assert checkpoint.startswith(str(work / 'pose'))
    # Table 2: three RGB networks x 3 seeds, the plain one the reference
    pipeline, runs, cfgs = _plan('vpn_synth_table2', work)
    assert len(runs) == 3 * 3
    with DefaultScope.overwrite_default_scope('fsat'):
        plain = MODELS.build(cfgs['i3d', 0].model)
        nl = MODELS.build(cfgs['i3d_nl', 0].model)
    assert not any('non_local' in n for n, _ in plain.named_modules())
    assert any('non_local' in n for n, _ in nl.named_modules())
    # Table 3: one VPN* for the frozen rows, six rows x 3 seeds
    pipeline, runs, cfgs = _plan('vpn_synth_table3', work)
    assert len(runs) == 1 + 6 * 3
    for name in ('scd_feat_frozen', 'scd_attn_frozen', 'mse_attn_frozen'):
        vpn = cfgs[name, 2].model.teachers.vpn
        assert vpn.checkpoint.startswith(str(work / 'vpn_star'))
        assert not vpn.get('trainable', False)
    for name in ('scd_feat', 'scd_attn', 'mse_attn'):
        vpn = cfgs[name, 2].model.teachers.vpn
        assert vpn.trainable and vpn.checkpoint is None
    # Table 6: AGCN-J, VPN and VPN++ on two worlds x 3 seeds; the low
    # quality rows read the noisier world and its own AGCN-J
    pipeline, runs, cfgs = _plan('vpn_synth_table6', work)
    assert len(runs) == 2 * 3 * 3
    assert [p['kwargs']['overrides']['pose_swap'] for p in pipeline.prepare
            if p['kwargs'].get('overrides')] == [0.4]
    for name in ('pose_low', 'vpn_low', 'vpnpp_low'):
        for loader in ('train', 'val', 'test'):
            root = cfgs[name, 0][f'{loader}_dataloader'].dataset.data_root
            assert root == 'data/synthetic_smarthome_lowpose/smarthome'
    low = cfgs['vpnpp_low', 1]
    assert low.custom_hooks[0].dataset.data_root.endswith('lowpose/smarthome')
    assert low.model.teachers.pose.checkpoint.startswith(
        str(work / 'pose_low' / 'seed1'))
    medium = cfgs['vpnpp', 1]
    assert medium.train_dataloader.dataset.data_root.endswith(
        'synthetic_smarthome/smarthome')
    assert medium.model.teachers.pose.checkpoint.startswith(
        str(work / 'pose' / 'seed1'))
    # Table 5: every row x 3 seeds; each seed's distillers and late
    # fusions read that seed's pose teacher
    pipeline, runs, cfgs = _plan('vpn_synth_table5', work)
    assert len(runs) == 8 * 3
    for seed in (0, 1, 2):
        pose = cfgs['vpnpp', seed].model.teachers.pose.checkpoint
        assert f'seed{seed}' in pose
        assert cfgs['vpnf', seed].model.teachers.pose.checkpoint == pose
        streams = cfgs['vpnpp_pose', seed].model.streams
        assert streams.pose.checkpoint == pose
        assert streams.rgb.prefix == 'student.'
        assert f'seed{seed}' in streams.rgb.checkpoint
        assert 'vpnpp' in streams.rgb.checkpoint
        streams = cfgs['late_fusion', seed].model.streams
        assert streams.pose.checkpoint == pose
        assert streams.rgb.get('prefix') is None
    # test time is RGB only for every distilled student
    for name in ('vpnf', 'vpna', 'vpnpp'):
        assert set(cfgs[name, 0].test_dataloader.dataset.modalities) == {
            'rgb'}
    assert not osp.exists(work)


def test_loss_weight_pipeline_searches_alpha_and_beta_on_seed0(
        tmp_path, monkeypatch):
    """vpn_synth_weights.py: VPN-F searches alpha and VPN-A beta on seed
    0's validation (the paper's 50 first), seeds 1 and 2 wait for the
    choice; each grid run's config carries its own weight."""
    from fsat.apis.pipeline import load_pipeline
    monkeypatch.chdir(repo_path())
    pipeline = load_pipeline('configs/pipelines/vpn_synth_weights.py',
                             str(tmp_path / 'w'))
    runs = pipeline.plan()
    assert [s.name for s in pipeline.stages] == ['rgb', 'pose', 'vpnf',
                                                 'vpna']
    assert len(runs) == 2 * 3 + 2 * (3 + 2)
    keys = dict(vpnf='loss_scd', vpna='loss_attn')
    for stage, loss in keys.items():
        grid = [r for r in runs if r.stage.name == stage and r.grid]
        assert [r.values['seed'] for r in grid] == [0, 0, 0]
        weights = [
            pipeline.resolve(r, dry=True).model.distill_losses[loss]
            .loss_weight for r in grid
        ]
        assert weights == [50.0, 5.0, 0.5]
        later = [r for r in runs if r.stage.name == stage and not r.grid]
        assert [r.values['seed'] for r in later] == [1, 2]
        assert all(r.deferred for r in later)
    assert not osp.exists(tmp_path / 'w')


def test_crd_weight_pipeline_searches_the_crd_weight_on_seed0(
        tmp_path, monkeypatch):
    """vpn_synth_weights_crd.py: VPN-F with CRD searches the CRD weight
    (Tian et al.'s 0.8 first) on seed 0's validation, seeds 1 and 2 wait
    for the choice; the RGB and AGCN-J rows have vpn_synth_weights.py's
    signatures, so either pipeline takes the other's runs over."""
    from fsat.apis.pipeline import load_pipeline
    monkeypatch.chdir(repo_path())
    pipeline = load_pipeline('configs/pipelines/vpn_synth_weights_crd.py',
                             str(tmp_path / 'w'))
    runs = pipeline.plan()
    assert [s.name for s in pipeline.stages] == ['rgb', 'pose', 'vpnf_crd']
    assert len(runs) == 2 * 3 + 3 + 2
    grid = [r for r in runs if r.stage.name == 'vpnf_crd' and r.grid]
    assert [r.values['seed'] for r in grid] == [0, 0, 0]
    cfgs = [pipeline.resolve(r, dry=True) for r in grid]
    assert [c.model.distill_losses.loss_crd.loss_weight
            for c in cfgs] == [0.8, 0.08, 0.008]
    # the grid changes the weight and nothing else of the shipped config
    shipped = load_config(repo_path('configs', 'vpn', 'vpnf_crd_synth.py'))
    assert all(c.model.distill_losses.loss_crd.type ==
               shipped.model.distill_losses.loss_crd.type for c in cfgs)
    later = [r for r in runs if r.stage.name == 'vpnf_crd' and not r.grid]
    assert [r.values['seed'] for r in later] == [1, 2]
    assert all(r.deferred for r in later)
    assert 'work_dirs/vpn_synth_weights' in pipeline.reuse_from
    weights = load_pipeline('configs/pipelines/vpn_synth_weights.py',
                            str(tmp_path / 'v'))
    for name in ('rgb', 'pose'):
        ours = [r.signature for r in runs if r.stage.name == name]
        theirs = [r.signature for r in weights.plan()
                  if r.stage.name == name]
        assert ours == theirs
    assert not osp.exists(tmp_path / 'w')


@pytest.mark.parametrize('variant', ['feat', 'attn'])
def test_table3_scd_variants_train_the_student(variant):
    """Table 3's SCD rows: SCD on VPN*'s pooled modulated features or on
    the attention maps, with the collaborative or the frozen VPN*."""
    cfgs = {
        frozen: load_config(repo_path(
            'configs', 'vpn', 'table3',
            f"vpna_scd_{variant}{'_frozen' if frozen else ''}_synth.py"))
        for frozen in (False, True)
    }
    T = cfgs[False].clip_len
    for frozen, cfg in cfgs.items():
        with DefaultScope.overwrite_default_scope('fsat'):
            torch.manual_seed(0)
            model = MODELS.build(cfg.model)
        spec = model.teacher_specs['vpn']
        assert spec.trainable is not frozen
        assert set(model.distill_losses) == {'loss_scd'}
        for _, loss in train_set_sized_modules(model):
            loss.set_train_set_size(100)
        data = paired_batch(
            dict(rgb=(3, T, 64, 64), skeleton=(1, T, 15, 3)), batch_size=4,
            num_classes=2)
        data = model.data_preprocessor(data, True)
        losses = model.loss(data['inputs'], data['data_samples'])
        assert torch.isfinite(losses['distill.loss_scd'])
        assert ('vpn.loss_cls' in losses) is not frozen  # CE_T
        teacher = {k: v.clone() for k, v in model.teachers['vpn']
                   .state_dict().items()}
        optim = torch.optim.SGD(
            [p for p in model.parameters() if p.requires_grad], lr=0.1)
        optim.zero_grad()
        sum(v for k, v in losses.items() if 'loss' in k).backward()
        optim.step()
        changed = any(not torch.equal(teacher[k], v) for k, v in
                      model.teachers['vpn'].state_dict().items()
                      if v.is_floating_point())
        assert changed is not frozen
