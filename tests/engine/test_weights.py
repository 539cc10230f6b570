# Copyright (c) fsat contributors. All rights reserved.
import pytest
import torch
import torch.nn as nn

from fsat.engine import adapt_conv_input, load_prefixed_weights
from fsat.utils.cli import FsatUserError


class Net(nn.Module):

    def __init__(self, in_channels=3, classes=4):
        super().__init__()
        self.conv = nn.Conv3d(in_channels, 8, 3)
        self.bn = nn.BatchNorm3d(8)
        self.fc = nn.Linear(8, classes)


def test_adapted_kernel_keeps_the_response_to_uniform_input():
    w = torch.randn(8, 2, 3, 3, 3)
    w3 = adapt_conv_input(w, 3)
    assert w3.shape == (8, 3, 3, 3, 3)
    x2, x3 = torch.ones(1, 2, 3, 3, 3), torch.ones(1, 3, 3, 3, 3)
    torch.testing.assert_close(
        nn.functional.conv3d(x2, w), nn.functional.conv3d(x3, w3))


def test_load_with_prefix_skips_mismatched_head(tmp_path):
    teacher = Net(in_channels=3, classes=10)
    path = tmp_path / 'ckpt.pth'
    torch.save(dict(state_dict={f'student.{k}': v for k, v in
                                teacher.state_dict().items()}), path)
    student = Net(in_channels=3, classes=4)
    report = load_prefixed_weights(student, str(path), 'student.')
    assert torch.equal(student.conv.weight, teacher.conv.weight)
    assert torch.equal(student.bn.running_mean, teacher.bn.running_mean)
    assert not torch.equal(student.fc.bias[:4], teacher.fc.bias[:4])
    assert "skipped (shape): ['fc.weight', 'fc.bias']" in report


def test_first_conv_adaptation_from_a_flow_teacher(tmp_path):
    flow = Net(in_channels=2)
    path = tmp_path / 'flow.pth'
    torch.save(dict(state_dict=flow.state_dict()), path)
    depth = Net(in_channels=3)
    report = load_prefixed_weights(depth, str(path), '',
                                   adapt_input_channels=True)
    torch.testing.assert_close(depth.conv.weight,
                               adapt_conv_input(flow.conv.weight, 3))
    assert "adapted input channels: ['conv.weight']" in report


def test_nothing_matching_is_an_error(tmp_path):
    path = tmp_path / 'x.pth'
    torch.save(dict(state_dict={'teachers.rgb.w': torch.zeros(1)}), path)
    with pytest.raises(FsatUserError, match="prefixes in the file: teachers"):
        load_prefixed_weights(Net(), str(path), 'student.')
    with pytest.raises(FsatUserError, match='checkpoint does not exist'):
        load_prefixed_weights(Net(), str(tmp_path / 'no.pth'))


def test_a_bare_backbone_student_goes_under_the_target_prefix(tmp_path):
    """Supervision transfer's student is a backbone (keys ``student.conv``,
    ...); a detector holds it under ``backbone.``."""

    class Detector(nn.Module):

        def __init__(self):
            super().__init__()
            self.backbone = Net()
            self.head = nn.Linear(8, 2)

    backbone = Net()
    path = tmp_path / 'transfer.pth'
    torch.save(dict(state_dict={
        **{f'student.{k}': v for k, v in backbone.state_dict().items()},
        'teacher.conv.weight': torch.zeros(8, 3, 3, 3, 3)}), path)
    detector = Detector()
    head = detector.head.weight.clone()
    report = load_prefixed_weights(detector, str(path), 'student.',
                                   target='backbone.')
    for key, value in backbone.state_dict().items():
        assert torch.equal(detector.backbone.state_dict()[key], value), key
    assert torch.equal(detector.head.weight, head)
    assert "(prefix 'student.' into 'backbone.')" in report
    # without the target nothing fits: the error names both prefixes
    with pytest.raises(FsatUserError, match="under 'nothing.'"):
        load_prefixed_weights(Detector(), str(path), 'student.',
                              target='nothing.')
