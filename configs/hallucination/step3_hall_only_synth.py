# Hallucination network, step 3 with the hallucination loss alone (paper
# Eq. 3, Hoffman et al.'s loss; Table 2 row 11): the frozen depth stream's
# last-stage maps are the only teacher signal, no labels.
_base_ = ['./step3_synth.py']
model = dict(
    distill_losses=dict(
        _delete_=True,
        loss_hall=dict(
            type='HallucinationLoss',
            loss_weight=1.0,
            inputs=dict(feat_s='hallucination.feat', feat_t='depth.feat'))))
