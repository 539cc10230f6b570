# Copyright (c) fsat contributors. All rights reserved.
"""Tests of the PKU-MMD annotation layer (fsat.datasets.pku_mmd)."""
import os
import os.path as osp
from pathlib import Path

import numpy as np
import pytest

from fsat.datasets.pku_mmd import (
    PKU_MMD_CLASSES,
    PkuClip,
    PkuInstance,
    read_pku_labels,
    read_pku_skeleton,
    read_pku_split,
    scan_pku_mmd,
    trimmed_instances,
    untrimmed_sequences,
)
from fsat.testing import real_sample


def write(path: Path, text: str) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return str(path)


def skeleton_text(values: np.ndarray) -> str:
    """Lines of 150 values in the real file's spacing (leading spaces)."""
    return ''.join(' ' + ' '.join(f'{v:.6f}' for v in row) + ' \n'
                   for row in values.reshape(len(values), -1))


# ---------------------------------------------------------------------------
# Skeletons
# ---------------------------------------------------------------------------


def test_read_real_skeleton():
    path = osp.join(real_sample(), 'pku_mmd', 'A10N08-L.txt')
    skeleton = read_pku_skeleton(path)
    assert skeleton.shape == (2, 1040, 25, 3)
    assert skeleton.dtype == np.float32
    body2_present = np.abs(skeleton[1]).reshape(1040, -1).sum(axis=1) > 0
    assert int(body2_present.sum()) == 728
    with open(path) as f:
        rows = [[float(v) for v in line.split()] for line in f]
    rows = np.array(rows, dtype=np.float32)
    np.testing.assert_array_equal(skeleton[0].reshape(1040, 75), rows[:, :75])
    np.testing.assert_array_equal(skeleton[1].reshape(1040, 75), rows[:, 75:])


def test_read_skeleton_whitespace_tolerant(tmp_path):
    values = np.random.default_rng(0).normal(size=(4, 2, 25, 3))
    values[2, 1] = 0
    text = skeleton_text(values).replace(' ', '\t', 7) + '\n  \n'
    skeleton = read_pku_skeleton(write(tmp_path / 'v.txt', text))
    np.testing.assert_allclose(skeleton, values.transpose(1, 0, 2, 3),
                               atol=1e-6)


def test_read_skeleton_wrong_count(tmp_path):
    values = np.zeros((3, 150))
    lines = skeleton_text(values).splitlines()
    lines[1] = lines[1].rsplit(' ', 2)[0]
    path = write(tmp_path / '0002-L.txt', '\n'.join(lines) + '\n')
    with pytest.raises(ValueError, match=r"0002-L\.txt', line 2: expected "
                       '150 values .* got 149'):
        read_pku_skeleton(path)


def test_read_skeleton_not_a_number(tmp_path):
    lines = skeleton_text(np.zeros((3, 150))).splitlines()
    lines[2] = lines[2].replace('0.000000', 'x', 1)
    path = write(tmp_path / 's.txt', '\n'.join(lines))
    with pytest.raises(ValueError, match='line 3: expected numbers'):
        read_pku_skeleton(path)


def test_read_skeleton_empty_and_binary_files(tmp_path):
    path = write(tmp_path / '0002-L.txt', '\n\n')
    with pytest.raises(ValueError) as e:
        read_pku_skeleton(path)
    assert str(e.value) == (f'PKU-MMD skeleton file {path!r} has no frames '
                            '(empty file)')
    text = skeleton_text(np.zeros((3, 150)))
    binary = tmp_path / '0003-L.txt'
    lines = text.encode().splitlines(True)
    binary.write_bytes(lines[0] + lines[1] + b'\xff\xd8' + lines[2])
    with pytest.raises(ValueError) as e:
        read_pku_skeleton(str(binary))
    assert str(e.value) == (
        f"PKU-MMD skeleton file {str(binary)!r}, line 3: not UTF-8 text "
        '(byte 0xff); is it a binary file?')
    lines = text.splitlines()
    lines[1] = lines[1].replace('0.000000', 'n/a', 1)
    path = write(tmp_path / 's.txt', '\n'.join(lines))
    with pytest.raises(ValueError) as e:
        read_pku_skeleton(path)
    assert str(e.value).endswith("line 2: expected numbers, got 'n/a' as "
                                 'value 1')


def test_read_labels_and_split_binary_files(tmp_path):
    labels = tmp_path / '0291-M.txt'
    labels.write_bytes(b'1,1,2,1\n\x89PNG\r\n')
    with pytest.raises(ValueError, match=r"0291-M.txt', line 2: not UTF-8 "):
        read_pku_labels(str(labels))
    split = tmp_path / 'cross-subject.txt'
    split.write_bytes(b'\xfe\xff')
    with pytest.raises(ValueError, match=r"cross-subject.txt', line 1: not "
                       'UTF-8 text'):
        read_pku_split(str(split))


def test_read_skeleton_nan(tmp_path):
    text = skeleton_text(np.ones((2, 150))).replace('1.000000', 'nan', 1)
    with pytest.warns(UserWarning, match='replaced 1 NaN'):
        skeleton = read_pku_skeleton(write(tmp_path / 's.txt', text))
    assert skeleton[0, 0, 0, 0] == 0 and skeleton.sum() == 299


# ---------------------------------------------------------------------------
# Labels
# ---------------------------------------------------------------------------


def test_class_names():
    assert len(PKU_MMD_CLASSES) == 51 == len(set(PKU_MMD_CLASSES))
    assert PKU_MMD_CLASSES[0] == 'bow'
    assert PKU_MMD_CLASSES[7] == 'drink water'
    assert PKU_MMD_CLASSES[50] == 'writing'


def test_read_labels(tmp_path):
    path = write(tmp_path / '0002-L.txt',
                 '41,39,86,2\n12,140,112,1\n\n 8 , 200,260 ,1\n51,300,301,2\n')
    with pytest.warns(UserWarning, match=r'swapped .* in 1 instance\(s\), '
                      r'lines \[2\]'):
        instances = read_pku_labels(path)
    assert instances == [
        PkuInstance(41, 39, 86, 2),
        PkuInstance(12, 112, 140, 1),
        PkuInstance(8, 200, 260, 1),
        PkuInstance(51, 300, 301, 2),
    ]
    assert [x.label for x in instances] == [40, 11, 7, 50]


def test_read_labels_frame_base(tmp_path):
    path = write(tmp_path / 'l.txt', '1,10,20,1\n')
    assert read_pku_labels(path)[0] == PkuInstance(1, 10, 20, 1)
    assert read_pku_labels(
        path, frame_base=1, inclusive_end=True)[0] == PkuInstance(
            1, 9, 20, 1)
    assert read_pku_labels(path, inclusive_end=True)[0].end == 21


@pytest.mark.parametrize('line, message', [
    ('52,1,2,1', 'Unknown action class 52 .*, line 2: expected 1..51'),
    ('0,1,2,1', 'Unknown action class 0 .* line 2'),
    ('3,1,2', 'line 2: expected "action_id,start_frame'),
    ('3;1;2;1', 'line 2: expected'),
    ('3,1.5,2,1', 'line 2: expected'),
    ('3,-4,20,1', "Negative frame in .*, line 2: '3,-4,20,1'"),
    ('3,4,20,7', r'Unknown confidence 7 .*, line 2: expected 1 \(slight\) '
     r'or 2 \(strong\)'),
])
def test_read_labels_errors(tmp_path, line, message):
    path = write(tmp_path / '0291-M.txt', f'1,1,2,1\n{line}\n')
    with pytest.raises(ValueError, match=message) as error:
        read_pku_labels(path)
    assert '0291-M.txt' in str(error.value)


def test_read_labels_num_classes(tmp_path):
    path = write(tmp_path / 'l.txt', '5,1,2,1\n')
    with pytest.raises(ValueError, match='expected 1..4'):
        read_pku_labels(path, num_classes=4)


# ---------------------------------------------------------------------------
# Splits
# ---------------------------------------------------------------------------

OFFICIAL_SPLIT = ('Training videos: \n'
                  '0002-L, 0002-M, 0002-R, 0003-L, \n'
                  'Validataion videos: \n'
                  '0291-L, 0291-M, 0291-R\n')


def test_read_split_official_format(tmp_path):
    split = read_pku_split(write(tmp_path / 'cross-subject.txt',
                                 OFFICIAL_SPLIT))
    assert split == {
        'train': ['0002-L', '0002-M', '0002-R', '0003-L'],
        'val': ['0291-L', '0291-M', '0291-R'],
    }


@pytest.mark.parametrize('text', [
    OFFICIAL_SPLIT.replace(', \n', '\n'),
    OFFICIAL_SPLIT.replace(' \n', '\n').replace('R\n', 'R,'),
    OFFICIAL_SPLIT.replace('Validataion', 'Validation').replace(', ', ','),
    OFFICIAL_SPLIT.replace('\n', '\r\n') + '\n\n',
    OFFICIAL_SPLIT.replace('0002-R, ', '0002-R,\n  '),
])
def test_read_split_tolerance(tmp_path, text):
    split = read_pku_split(write(tmp_path / 's.txt', text))
    assert split['train'] == ['0002-L', '0002-M', '0002-R', '0003-L']
    assert split['val'] == ['0291-L', '0291-M', '0291-R']


@pytest.mark.parametrize('text, message', [
    ('', 'is empty'),
    ('\n  \n', 'is empty'),
    ('0002-L, 0002-M\n', 'line 1: expected the "Training videos:" header'),
    ('Training videos: \n\nValidataion videos: \n0291-L\n', 'non-empty'),
    ('Training videos: \n0002-L\n', 'non-empty'),
    (OFFICIAL_SPLIT + 'Training videos:\n', 'line 5: second train header'),
])
def test_read_split_errors(tmp_path, text, message):
    path = write(tmp_path / 'cross-view.txt', text)
    with pytest.raises(ValueError, match=f'cross-view.txt.*{message}'):
        read_pku_split(path)


# ---------------------------------------------------------------------------
# Folder scanner, trimmed and untrimmed views
# ---------------------------------------------------------------------------


def make_root(tmp_path: Path) -> Path:
    root = tmp_path / 'PKUMMD'
    write(root / 'Split' / 'cross-subject.txt', OFFICIAL_SPLIT)
    labels = {
        '0002-L': '3,0,10,1\n5,20,12,2\n',
        '0002-M': '51,4,8,1\n',
        '0002-R': '1,0,5,2\n',
        '0291-L': '8,2,9,1\n',
        '0291-M': '9,1,3,2\n',
    }
    for video_id, text in labels.items():
        write(root / 'Label' / 'Train_Label_PKU_final' / f'{video_id}.txt',
              text)
        write(root / 'Data' / 'PKU_Skeleton_Renew' / f'{video_id}.txt',
              skeleton_text(np.zeros((30, 150))))
    (root / 'Data' / 'RGB_VIDEO').mkdir()
    (root / 'Data' / 'RGB_VIDEO' / '0002-L.avi').write_bytes(b'')
    (root / 'Data' / 'DEPTH' / '0002-L').mkdir(parents=True)
    os.remove(root / 'Data' / 'PKU_Skeleton_Renew' / '0002-R.txt')
    return root


def test_scan_pku_mmd(tmp_path):
    root = make_root(tmp_path)
    with pytest.warns(UserWarning) as record:
        videos = scan_pku_mmd(str(root))
    messages = [str(warning.message) for warning in record]
    assert len(messages) == 2
    assert '0002-L.txt: swapped start > end' in messages[0]
    assert "skipped 3 video(s)" in messages[1]
    assert "['0002-R', '0003-L', '0291-R']" in messages[1]
    assert [v.video_id for v in videos['train']] == ['0002-L', '0002-M']
    assert [v.video_id for v in videos['val']] == ['0291-L', '0291-M']
    first = videos['train'][0]
    assert set(first.paths) == {'skeleton', 'rgb', 'depth', 'label'}
    assert first.paths['depth'] == str(root / 'Data' / 'DEPTH' / '0002-L')
    assert set(videos['train'][1].paths) == {'skeleton', 'label'}
    assert read_pku_skeleton(first.paths['skeleton']).shape == (2, 30, 25, 3)

    with pytest.warns(UserWarning) as record:
        rgb_only = scan_pku_mmd(str(root), required_modalities=('rgb', ))
    assert 'skipped 6 video(s)' in str(record[-1].message)
    assert [v.video_id for v in rgb_only['train']] == ['0002-L']
    assert rgb_only['val'] == []

    assert trimmed_instances(videos['train']) == [
        PkuClip('0002-L', 2, 0, 10),
        PkuClip('0002-L', 4, 12, 20),
        PkuClip('0002-M', 50, 4, 8),
    ]
    assert untrimmed_sequences(videos['val']) == [
        dict(
            video_id='0291-L',
            paths=videos['val'][0].paths,
            segments=[[2, 9]],
            labels=[7],
            confidences=[1]),
        dict(
            video_id='0291-M',
            paths=videos['val'][1].paths,
            segments=[[1, 3]],
            labels=[8],
            confidences=[2]),
    ]


def test_scan_pku_mmd_errors(tmp_path):
    root = make_root(tmp_path)
    with pytest.raises(ValueError, match='Unknown PKU-MMD protocol'):
        scan_pku_mmd(str(root), protocol='cross-setup')
    with pytest.raises(ValueError, match='Unknown PKU-MMD modalities'):
        scan_pku_mmd(str(root), required_modalities=('ir', ))
    with pytest.raises(FileNotFoundError):
        scan_pku_mmd(str(root), protocol='cross-view')
