"""A toy distiller registered from outside fsat.

It is written on fsat's distiller API: :class:`fsat.models.BaseDistiller`
builds the student and the teacher from their configs, freezes the teacher
(eval mode, no gradients, optional checkpoint), taps both models' pooled
pre-classifier feature and checks the loss wiring when it is built; this
class only says what to tap and how one step's losses are made.
"""
from typing import Dict, List, Optional

import torch

from fsat.models import BaseDistiller
from fsat.registry import MODELS

# the input of the classifier: the pooled backbone feature, [N, C]
POOLED = dict(path='cls_head.fc_cls', source='input')


@MODELS.register_module()
class ToyFeatureDistiller(BaseDistiller):
    """Student CE + ``distill_loss(pooled student, pooled teacher)``.

    Teacher and student read the same input.

    Args:
        student (dict): Config of the student recognizer.
        teacher (dict): Config of the teacher recognizer (same input).
        distill_loss (dict): Config of the feature loss, a module with
            ``forward(feat_s, feat_t)``.
        teacher_ckpt (str, optional): Teacher checkpoint. Defaults to None.
    """

    def __init__(self,
                 student: dict,
                 teacher: dict,
                 distill_loss: dict,
                 teacher_ckpt: Optional[str] = None) -> None:
        super().__init__(
            student=student,
            teachers=dict(teacher=dict(model=teacher,
                                       checkpoint=teacher_ckpt)),
            taps=dict(student=dict(pooled=POOLED),
                      teacher=dict(pooled=POOLED)),
            distill_losses=dict(
                loss_abs=dict(
                    distill_loss,
                    inputs=dict(
                        feat_s='student.pooled',
                        feat_t='teacher.pooled'))))

    def loss(self, inputs: torch.Tensor,
             data_samples: List) -> Dict[str, torch.Tensor]:
        # one student forward gives its CE loss and its tapped feature
        losses, features = self.run_student(
            inputs, data_samples, with_loss=True)
        features.update(self.run_teachers(inputs))  # frozen, no grad
        losses.update(self.compute_distill_losses(features))
        return losses  # student.loss_cls, distill.loss_abs, ...
