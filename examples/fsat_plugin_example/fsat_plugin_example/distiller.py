"""A toy distiller registered from outside fsat.

The teacher and the student are ordinary mmaction2 recognizers built from
config dicts; the teacher is frozen (eval mode, no gradients) and its pooled
backbone feature supervises the student's through a registered loss.
"""
from typing import Dict, List, Optional

import torch
from mmengine.model import BaseModel
from mmengine.runner import load_checkpoint

from fsat.registry import MODELS


@MODELS.register_module()
class ToyFeatureDistiller(BaseModel):
    """Student CE + ``distill_loss(pooled student, pooled teacher)``.

    Args:
        student (dict): Config of the student recognizer.
        teacher (dict): Config of the teacher recognizer (same input).
        distill_loss (dict): Config of the feature loss.
        teacher_ckpt (str, optional): Teacher checkpoint. Defaults to None.
    """

    def __init__(self,
                 student: dict,
                 teacher: dict,
                 distill_loss: dict,
                 teacher_ckpt: Optional[str] = None) -> None:
        super().__init__(data_preprocessor=student.get('data_preprocessor'))
        self.student = MODELS.build(student)
        self.teacher = MODELS.build(teacher)
        if teacher_ckpt:
            load_checkpoint(self.teacher, teacher_ckpt, map_location='cpu')
        self.teacher.requires_grad_(False)
        self.distill_loss = MODELS.build(distill_loss)

    def train(self, mode: bool = True) -> 'ToyFeatureDistiller':
        super().train(mode)
        self.teacher.eval()  # frozen, batch statistics included
        return self

    @staticmethod
    def _pooled(recognizer, inputs: torch.Tensor) -> torch.Tensor:
        # [N, num_clips, C, T, H, W] -> [N, C']
        feat = recognizer.extract_feat(inputs)[0]
        return feat.flatten(2).mean(-1)

    def forward(self,
                inputs: torch.Tensor,
                data_samples: Optional[List] = None,
                mode: str = 'tensor'):
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        return self.student(inputs, data_samples, mode=mode)

    def loss(self, inputs: torch.Tensor,
             data_samples: List) -> Dict[str, torch.Tensor]:
        with torch.no_grad():
            feat_t = self._pooled(self.teacher, inputs)
        feat_s = self._pooled(self.student, inputs)
        losses = {
            f'student.{k}': v
            for k, v in self.student.loss(inputs, data_samples).items()
        }
        losses['distill.loss_abs'] = self.distill_loss(feat_s, feat_t)
        return losses
