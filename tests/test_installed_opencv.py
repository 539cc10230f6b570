# Copyright (c) fsat contributors. All rights reserved.
"""The Python environment the tests run in holds exactly one OpenCV.

opencv-python, opencv-contrib-python, their headless builds (and any other
wheel of OpenCV) all write the same top-level ``cv2`` package. With two of
them installed, which one's files are loaded depends on the install order,
and uninstalling either deletes files the other needs.
``tools/misc/ensure_deps.py`` keeps only opencv-contrib-python-headless.
"""
from importlib.metadata import distributions


class _FakeDist:
    """What :func:`_cv2_distributions` reads of a distribution."""

    def __init__(self, name, **files):
        self.metadata = {'Name': name}
        self.files = files

    def read_text(self, fname):
        return self.files.get(fname.replace('.', '_'))


def _cv2_distributions(dists):
    """Names of the distributions whose top_level.txt or RECORD has cv2."""
    names = set()
    for dist in dists:
        top_level = (dist.read_text('top_level.txt') or '').split()
        record = (dist.read_text('RECORD') or '').splitlines()
        if 'cv2' in top_level or any(
                line.startswith('cv2/') for line in record):
            names.add(dist.metadata['Name'].lower().replace('_', '-'))
    return sorted(names)


def test_the_check_finds_every_cv2_distribution():
    dists = [
        _FakeDist('opencv-python', top_level_txt='cv2\n'),
        # an older wheel without top_level.txt
        _FakeDist('opencv_contrib_python',
                  RECORD='cv2/__init__.py,sha256=x,10\n'),
        _FakeDist('numpy', top_level_txt='numpy\n',
                  RECORD='numpy/__init__.py,sha256=x,10\n'),
        _FakeDist('cv2-tools', top_level_txt='cv2_tools\n',
                  RECORD='cv2_tools/__init__.py,sha256=x,10\n'),
    ]
    assert _cv2_distributions(dists) == ['opencv-contrib-python',
                                         'opencv-python']


def test_the_check_reads_real_metadata(tmp_path):
    for name, top in (('opencv_python-5.0.0.93', 'cv2'),
                      ('opencv_contrib_python_headless-5.0.0.93', 'cv2'),
                      ('decord-0.6.0', 'decord')):
        info = tmp_path / f'{name}.dist-info'
        info.mkdir()
        dist_name = name.split('-')[0].replace('_', '-')
        (info / 'METADATA').write_text(
            f'Metadata-Version: 2.1\nName: {dist_name}\n'
            f'Version: {name.split("-")[1]}\n')
        (info / 'top_level.txt').write_text(top + '\n')
    found = _cv2_distributions(distributions(path=[str(tmp_path)]))
    assert found == ['opencv-contrib-python-headless', 'opencv-python']


def test_one_opencv_distribution_is_installed():
    found = _cv2_distributions(distributions())
    assert len(found) <= 1, (
        f'{len(found)} installed distributions write the cv2 package '
        f'({", ".join(found)}); run python tools/misc/ensure_deps.py to keep '
        'only opencv-contrib-python-headless')
