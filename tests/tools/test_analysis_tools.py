# Copyright (c) fsat contributors. All rights reserved.
"""tools/analysis/{print_config,analyze_logs,get_flops}.py."""
import argparse
import importlib.util
import json
import statistics

import pytest
from mmengine.config import Config
from mmengine.registry import DefaultScope

import fsat.datasets  # noqa: F401  (the smarthome15 graph layout)
from fsat.registry import MODELS
from fsat.testing import (
    last_line,
    repo_path,
    run_tool,
    tiny_stgcn,
    toy_pair_distiller,
    toy_recognizer,
    toy_train_config,
)
from fsat.utils.cli import FsatUserError

DISTILL = 'configs/distill/flow2depth_v2c_synth.py'


def _tool(name):
    spec = importlib.util.spec_from_file_location(
        f'fsat_tool_{name}', repo_path('tools', 'analysis', f'{name}.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope='module')
def trained(tmp_path_factory):
    """A real 8-iteration run of the toy recognizer, validated at 4 and 8:
    its work dir and the rows of its scalars.json."""
    root = tmp_path_factory.mktemp('logs')
    cfg = toy_train_config(str(root / 'run'), max_iters=8,
                           checkpoint_interval=8)
    cfg['train_cfg']['val_interval'] = 4
    path = str(root / 'toy.py')
    Config(cfg).dump(path)
    proc = run_tool('train.py', [path])
    assert proc.returncode == 0, proc.stderr[-3000:]
    (log, ) = [p for p in (root / 'run').glob('*/vis_data/scalars.json')]
    rows = [json.loads(line) for line in log.read_text().splitlines()]
    return root / 'run', log, rows


# print_config ---------------------------------------------------------------


def test_print_config_resolves_and_overrides(tmp_path):
    out = tmp_path / 'resolved.py'
    proc = run_tool('analysis/print_config.py', [
        DISTILL, '--cfg-options', 'train_dataloader.batch_size=3', '--out',
        str(out)
    ])
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.startswith('Config: ' + repo_path(DISTILL))
    assert "type='FeatureSupervisedDistiller'" in proc.stdout
    resolved = Config.fromfile(str(out))
    assert resolved.train_dataloader.batch_size == 3
    # the _base_ files are merged in: the runtime's default scope is there
    assert resolved.default_scope == 'fsat'


def test_print_config_rejects_an_unknown_key():
    proc = run_tool('analysis/print_config.py',
                    [DISTILL, '--cfg-options', 'train_cfg.max_iter=3'])
    assert proc.returncode == 1
    line = last_line(proc.stderr)
    assert line.startswith('fsat print_config: error: ')
    assert "'train_cfg.max_iters'" in line


# analyze_logs ---------------------------------------------------------------


def test_load_log_places_validation_at_its_iteration(trained):
    work_dir, log, rows = trained
    analyze = _tool('analyze_logs')
    curves = analyze.load_log(str(work_dir))
    train = [r for r in rows if 'iter' in r]
    assert [r['step'] for r in train] == list(range(1, 9))
    assert analyze.series(curves, 'loss', 'x') == [
        (r['step'], r['loss']) for r in train]
    val = [r for r in rows if 'acc/top1' in r]
    assert [r['step'] for r in val] == [0, 0]  # MMEngine logs the epoch
    assert analyze.series(curves, 'acc/top1', 'x') == [
        (4, val[0]['acc/top1']), (8, val[1]['acc/top1'])]
    # the validation's own time does not overwrite the training step's
    assert curves['time'][4] == train[3]['time']
    assert curves['val/time'][4] == val[0]['time']
    assert analyze.load_log(str(log)) == curves


def test_resumed_run_continues_the_curve(trained, tmp_path):
    _, log, rows = trained
    analyze = _tool('analyze_logs')
    first, second = (tmp_path / 'run' / ts / 'vis_data'
                     for ts in ('20260101_000000', '20260101_010000'))
    first.mkdir(parents=True)
    second.mkdir(parents=True)
    # killed after step 6; resumed from the step-4 checkpoint
    (first / 'scalars.json').write_text(''.join(
        json.dumps(r) + '\n' for r in rows[:7]))
    redo = [dict(lr=0.1, loss=9.0 + s, time=0.5, iter=s, step=s)
            for s in range(5, 9)]
    (second / 'scalars.json').write_text(''.join(
        json.dumps(r) + '\n' for r in redo))
    loss = dict(analyze.series(analyze.load_log(str(tmp_path / 'run')),
                               'loss', 'x'))
    assert sorted(loss) == list(range(1, 9))
    assert loss[4] == rows[3]['loss'] and loss[6] == 15.0


def test_plot_curve_writes_a_png(trained, tmp_path):
    work_dir, log, _ = trained
    out = tmp_path / 'fig' / 'curves.png'
    proc = run_tool('analysis/analyze_logs.py', [
        'plot_curve', str(work_dir), str(log), '--keys', 'loss', 'acc/top1',
        '--legend', 'a_loss', 'a_top1', 'b_loss', 'b_top1', '--out',
        str(out)
    ])
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert 'saved 4 curve(s)' in proc.stdout
    import matplotlib.image
    image = matplotlib.image.imread(str(out))
    assert image.shape[:2] == (500, 800)  # 8 x 5 inches at 100 dpi
    assert image.std() > 0


@pytest.mark.parametrize('args,message', [
    (dict(keys=['lossx']), "has no key 'lossx'; it has: "),
    (dict(legend=['a', 'b']), '--legend has 2 names; it needs one per log'),
    (dict(out='f.gif'), '--out must end with .png, .pdf, .svg or .jpg'),
])
def test_plot_curve_errors(trained, tmp_path, args, message):
    work_dir, _, _ = trained
    analyze = _tool('analyze_logs')
    args = dict(dict(logs=[str(work_dir)], keys=['loss'], legend=None,
                     title=None, out=str(tmp_path / 'f.png')), **args)
    with pytest.raises(FsatUserError, match=message):
        analyze.plot_curve(argparse.Namespace(**args))


def test_not_a_log(tmp_path):
    analyze = _tool('analyze_logs')
    bad = tmp_path / 'x.json'
    bad.write_text('{"loss": 1}\nnot json\n')
    with pytest.raises(FsatUserError) as exc:
        analyze.load_log(str(bad))
    assert str(exc.value) == (f'{bad}, line 2: not a json object '
                              "(expected MMEngine's scalars.json)")
    with pytest.raises(FsatUserError,
                       match='no <timestamp>/vis_data/scalars.json'):
        analyze.train_time(str(tmp_path))


def test_cal_train_time(trained):
    work_dir, _, rows = trained
    times = [r['time'] for r in rows if 'iter' in r][1:]
    proc = run_tool('analysis/analyze_logs.py',
                    ['cal_train_time', str(work_dir)])
    assert proc.returncode == 0, proc.stderr
    assert f'{work_dir}: 7 logged training rows up to iteration 8' in \
        proc.stdout
    assert (f'mean {statistics.fmean(times):.4f} s (std '
            f'{statistics.pstdev(times):.4f} s') in proc.stdout


# get_flops ------------------------------------------------------------------


def _toy(**kw):
    with DefaultScope.overwrite_default_scope('fsat'):
        return MODELS.build(toy_recognizer(**kw))


def test_flops_of_a_recognizer_by_hand():
    """ToyClipBackbone: Conv3d(3->8, k3, pad 1), Conv3d(8->8, k3, stride 2,
    pad 1); I3DHead: pooling (not counted) and Linear(8->4)."""
    rows = _tool('get_flops').analyse(_toy(), (3, 4, 8, 8))
    conv1 = (8 * 4 * 8 * 8) * (3 * 27)  # output elements x MACs each
    conv2 = (8 * 2 * 4 * 4) * (8 * 27)
    fc = 8 * 4
    assert rows[0]['flops'] == conv1 + conv2 + fc == 221216
    params = (3 * 8 * 27 + 8) + (8 * 8 * 27 + 8) + (8 * 4 + 4)
    assert rows[0]['params'] == params
    assert list(rows[0]['unsupported']) == ['aten::adaptive_avg_pool3d']


def test_flops_of_a_distiller_by_hand():
    with DefaultScope.overwrite_default_scope('fsat'):
        model = MODELS.build(
            toy_pair_distiller(
                student=toy_recognizer(),
                teacher=toy_recognizer(in_channels=2, width=4),
                modality='flow',
                connector=(8, 4)))
    rows = _tool('get_flops').analyse(model, (3, 4, 8, 8))
    assert [r['part'] for r in rows] == [
        'student', 'teacher flow (frozen, forward only)']
    assert rows[0]['flops'] == 221216
    # the teacher's input: the student's clip with its 2 flow channels
    assert rows[1]['shape'] == (2, 4, 8, 8)
    teacher = (4 * 4 * 8 * 8) * (2 * 27) + (4 * 2 * 4 * 4) * (4 * 27) + 4 * 4
    assert rows[1]['flops'] == teacher == 69136
    assert rows[1]['params'] == (2 * 4 * 27 + 4) + (4 * 4 * 27 + 4) + 20


def test_get_flops_tool_on_a_distillation_config():
    proc = run_tool('analysis/get_flops.py',
                    [DISTILL, '--shape', '3', '8', '32', '32'])
    assert proc.returncode == 0, proc.stderr[-2000:]
    lines = proc.stdout.splitlines()
    student = next(line for line in lines if line.startswith('| student'))
    teacher = next(line for line in lines if line.startswith('| teacher'))
    assert '| 3x8x32x32 |' in student and '| 2x8x32x32 |' in teacher
    flops = [int(line.split('|')[3].split('(')[1].rstrip(') '))
             for line in (student, teacher)]
    extra = next(line for line in lines if line.startswith('transfer step'))
    assert f'({flops[1]}) = {flops[1] / flops[0]:.2f} x the student' in extra


def test_get_flops_errors():
    get_flops = _tool('get_flops')
    with pytest.raises(FsatUserError, match='expected NAME=D1,D2'):
        get_flops.parse_teacher_shapes(['flow=2,x'])
    assert get_flops.parse_teacher_shapes(['flow=2,4,8,8']) == {
        'flow': (2, 4, 8, 8)}
    with DefaultScope.overwrite_default_scope('fsat'):
        stgcn = MODELS.build(tiny_stgcn())
    with pytest.raises(FsatUserError, match='give --shape'):
        get_flops.analyse(stgcn)
    with pytest.raises(FsatUserError, match='did not run on one sample'):
        get_flops.analyse(_toy(), (3, 4, 8))
    with pytest.raises(FsatUserError, match='is for distillers'):
        get_flops.analyse(_toy(), (3, 4, 8, 8), {'flow': (2, 4, 8, 8)})


# get_flops: models reading a dict of modalities ----------------------------
#: ToyClipBackbone on a 3x4x8x8 clip: an [8, 2, 4, 4] map (see
#: test_flops_of_a_recognizer_by_hand for its 221,184 multiply-adds)
TOY_RGB = (3, 4, 8, 8)
#: one person, 4 frames, Smarthome's 15 joints, 3 coordinates
TOY_POSE = (1, 4, 15, 3)


def _toy_vpn_cfg():
    """VPN* on the toy RGB backbone and a 2-layer AAGCN with 8 channels."""
    return dict(
        type='VPNRecognizer',
        backbone=dict(type='ToyClipBackbone', in_channels=3, width=8),
        pose_backbone=dict(
            type='AAGCN',
            graph_cfg=dict(layout='smarthome15', mode='spatial'),
            in_channels=3,
            base_channels=8,
            num_person=1,
            num_stages=2,
            inflate_stages=[],
            down_stages=[]),
        coupler=dict(in_channels=8, feat_size=(2, 4, 4)),
        cls_head=dict(
            type='I3DHead', num_classes=4, in_channels=8, dropout_ratio=0.0,
            average_clips='prob'),
        data_preprocessor=dict(
            type='PairedDataPreprocessor',
            preprocessors=dict(
                rgb=dict(type='ActionDataPreprocessor',
                         format_shape='NCTHW'),
                skeleton=dict(type='ActionDataPreprocessor',
                              format_shape='NCTVM'))))


def _build(cfg):
    with DefaultScope.overwrite_default_scope('fsat'):
        return MODELS.build(cfg)


def _vpn_teacher_distiller(trainable=False):
    """The toy student (RGB) taught by a toy VPN* reading RGB and pose."""
    pooled = dict(path='cls_head.fc_cls', source='input')
    return _build(dict(
        type='MultiTeacherDistiller',
        student=toy_recognizer(),
        student_modality='rgb',
        teachers=dict(vpn=dict(model=_toy_vpn_cfg(),
                               modality=('rgb', 'skeleton'),
                               trainable=trainable)),
        taps=dict(student=dict(feat=pooled), vpn=dict(feat=pooled)),
        distill_losses=dict(loss_cos=dict(
            type='CosineDistanceLoss',
            inputs=dict(feat_s='student.feat', feat_t='vpn.feat')))))


def test_flops_of_a_dict_modality_model_by_hand():
    get_flops = _tool('get_flops')
    vpn = _build(_toy_vpn_cfg())
    shape = dict(rgb=TOY_RGB, skeleton=TOY_POSE)
    (row, ) = get_flops.analyse(vpn, shape)
    assert row['part'] == 'model' and row['source'] == '--shape'
    assert row['shape'] == shape
    # parts: the RGB backbone (by hand), the pose backbone counted alone
    # on the same skeleton, the coupler's four dense layers and the head
    rgb = (8 * 4 * 8 * 8) * (3 * 27) + (8 * 2 * 4 * 4) * (8 * 27)
    pose = get_flops.count(vpn.pose_backbone, TOY_POSE)['flops']
    assert pose > 0
    coupler = 8 * 256 + 256 * (4 * 4) + 8 * 128 + 128 * 2
    head = 8 * 4
    assert rgb == 221184 and coupler == 7424
    assert row['flops'] == rgb + pose + coupler + head
    assert row['params'] == sum(p.numel() for p in vpn.parameters())
    text = get_flops.report([row], cached=False)
    assert '| model | rgb 3x4x8x8 + skeleton 1x4x15x3 |' in text


def test_get_flops_dict_modality_shapes_and_errors():
    get_flops = _tool('get_flops')
    vpn = _build(_toy_vpn_cfg())
    assert get_flops.parse_shape(['rgb=3,4,8,8', 'skeleton=1,4,15,3']) == {
        'rgb': TOY_RGB, 'skeleton': TOY_POSE}
    assert get_flops.parse_shape(['3', '4', '8', '8']) == TOY_RGB
    with pytest.raises(FsatUserError, match='not both'):
        get_flops.parse_shape(['3', 'rgb=3,4,8,8'])
    with pytest.raises(FsatUserError, match='positive integers'):
        get_flops.parse_shape(['rgb=3,0,8,8'])
    # a modality without a shape: one line naming it and the option
    with pytest.raises(FsatUserError) as err:
        get_flops.analyse(vpn, dict(rgb=TOY_RGB))
    message = str(err.value)
    assert '\n' not in message
    assert "no input shape for 'skeleton'" in message
    assert 'give --shape skeleton=M,T,V,C' in message
    with pytest.raises(FsatUserError, match="no input shape for 'rgb'"):
        get_flops.analyse(vpn)
    with pytest.raises(FsatUserError, match='reads a dict of modalities'):
        get_flops.analyse(vpn, TOY_RGB)
    with pytest.raises(FsatUserError, match='names depth, which'):
        get_flops.analyse(vpn, dict(rgb=TOY_RGB, skeleton=TOY_POSE,
                                    depth=(1, 4, 8, 8)))
    # the missing shape taken from the config's data instead
    (row, ) = get_flops.analyse(vpn, dict(rgb=TOY_RGB),
                                config_shapes=dict(test=dict(
                                    skeleton=TOY_POSE)))
    assert row['shape'] == dict(rgb=TOY_RGB, skeleton=TOY_POSE)
    assert row['source'] == '--shape + config'


def test_get_flops_shapes_from_the_data_pipeline():
    get_flops = _tool('get_flops')
    vpn = _build(_toy_vpn_cfg())
    loader = dict(dataset=dict(
        type='PairedModalityDataset', clip_len=4,
        modalities=dict(
            rgb=dict(pipeline=[
                dict(type='DecordDecode'),
                dict(type='Resize', scale=(16, 16)),  # keeps the ratio
                dict(type='CenterCrop', crop_size=8),
                dict(type='FormatShape', input_format='NCTHW')]),
            skeleton=dict(sampling='same_clip', pipeline=[
                dict(type='FormatGCNInput', num_person=1)]),
            pose_seq=dict(sampling=dict(mode='sequence', length=64),
                          source='skeleton',
                          pipeline=[dict(type='FormatGCNInput')]),
            flow=dict(pipeline=[
                dict(type='Resize', scale=(-1, 16)),
                dict(type='FormatShape', input_format='NCTHW')]))))
    # RGB: 3 channels of the first Conv3d, clip_len 4, the 8x8 crop; pose:
    # 1 person, 4 frames, AAGCN's 15 joints and 3 channels; a sequence of
    # 64 frames of FormatGCNInput's default 2 persons; the flow's size is
    # open (no crop after a ratio-keeping resize), so it is left out
    assert get_flops.data_shapes(loader, vpn) == dict(
        rgb=(3, 4, 8, 8), skeleton=(1, 4, 15, 3), pose_seq=(2, 64, 15, 3))
    fixed = dict(dataset=dict(type='VideoDataset', pipeline=[
        dict(type='SampleFrames', clip_len=6, num_clips=1),
        dict(type='Resize', scale=(12, 10), keep_ratio=False),
        dict(type='FormatShape', input_format='NCTHW')]))
    assert get_flops.data_shapes(fixed, _toy()) == {None: (3, 6, 10, 12)}
    assert get_flops.data_shapes(None, _toy()) == {}


def test_get_flops_distiller_with_a_dict_modality_teacher():
    get_flops = _tool('get_flops')
    model = _vpn_teacher_distiller()
    # the student alone (the test-time cost) equals the count of the same
    # recognizer on the unchanged single-input path
    alone = get_flops.analyse(_toy(), TOY_RGB)[0]
    for shape in (TOY_RGB, dict(rgb=TOY_RGB)):
        rows = get_flops.analyse(model, shape, teachers=False)
        assert [r['part'] for r in rows] == ['student']
        assert rows[0]['flops'] == alone['flops'] == 221216
        assert rows[0]['params'] == alone['params']
    text = get_flops.report(rows, cached=False, distiller=True,
                            student_modality='rgb')
    assert 'test time: the student alone on its rgb input' in text
    assert 'teachers not counted (--student-only)' in text
    # the teacher reads a dict: shapes per modality, else a one-line error
    with pytest.raises(FsatUserError) as err:
        get_flops.analyse(model, TOY_RGB)
    message = str(err.value)
    assert '\n' not in message and '--student-only' in message
    assert 'give --teacher-shape vpn.rgb=C,T,H,W' in message
    shape = dict(rgb=TOY_RGB, skeleton=TOY_POSE)
    teacher = get_flops.analyse(_build(_toy_vpn_cfg()), shape)[0]
    rows = get_flops.analyse(model, TOY_RGB, {'vpn': shape})
    assert rows[1]['part'] == 'teacher vpn (frozen, forward only)'
    assert rows[1]['shape'] == shape
    assert rows[1]['flops'] == teacher['flops']
    rows = get_flops.analyse(model, TOY_RGB,
                             config_shapes={'teacher:vpn': shape})
    assert rows[1]['flops'] == teacher['flops']
    assert rows[1]['source'] == 'config'
    assert get_flops.parse_teacher_shapes(
        ['vpn.rgb=3,4,8,8', 'vpn.skeleton=1,4,15,3']) == {'vpn': shape}
    with pytest.raises(FsatUserError, match='both one shape'):
        get_flops.parse_teacher_shapes(['vpn=3,4,8,8', 'vpn.rgb=3,4,8,8'])


def test_get_flops_tool_on_a_vpn_distiller_config():
    """vpna_frozen_synth.py: the RGB student from the test data, the VPN*
    teacher on RGB + pose from the training data (clips of the config's
    clip_len frames)."""
    T = Config.fromfile(
        repo_path('configs', 'vpn', 'vpna_frozen_synth.py')).clip_len
    proc = run_tool('analysis/get_flops.py',
                    ['configs/vpn/vpna_frozen_synth.py'])
    assert proc.returncode == 0, proc.stderr[-2000:]
    lines = proc.stdout.splitlines()
    student = next(line for line in lines if line.startswith('| student'))
    teacher = next(line for line in lines if line.startswith('| teacher'))
    assert f'| 3x{T}x64x64 |' in student and student.endswith('| config |')
    assert f'| rgb 3x{T}x64x64 + skeleton 1x{T}x15x3 |' in teacher
    flops = int(student.split('|')[3].split('(')[1].rstrip(') '))
    assert any(line.startswith('test time: the student alone on its rgb')
               and f'{flops / 1e6:.2f} M FLOPs' in line for line in lines)
