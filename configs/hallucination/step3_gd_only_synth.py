# Hallucination network, step 3 with the generalized distillation loss
# alone (paper Eq. 5, lambda = 0.5, T = 10; Table 2 row 12): labels and the
# frozen depth stream's softened scores, no feature matching.
_base_ = ['./step3_synth.py']
model = dict(
    distill_losses=dict(
        _delete_=True,
        loss_gd=dict(
            type='GeneralizedDistillationLoss',
            lambda_soft=0.5,
            temperature=10.0,
            loss_weight=1.0,
            inputs=dict(
                logits_s='hallucination.logits',
                logits_t='depth.logits',
                labels='data.labels'))))
