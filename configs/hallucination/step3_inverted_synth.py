# Hallucination network, step 3 with the connections inverted (Garcia et
# al.'s supplementary, Table 1 row 13a). The teacher is step 2's inverted
# model, RGB gating depth, both frozen; the hallucination stream, started
# from the depth weights and fed RGB, takes the depth stream's place and
# receives the frozen RGB stream's connections. Same loss as step 3.
#   --cfg-options model.init_streams.{rgb,depth,hallucination}.checkpoint=
#                 <inverted step2 ckpt>
_base_ = ['./step3_synth.py']
_gates = {{_base_.connection_stages}}
model = dict(
    backbone=dict(
        streams=dict(rgb={{_base_.stream}}),
        connections=[
            dict(src='rgb', dst='depth', stages=_gates),
            dict(src='rgb', dst='hallucination', stages=_gates),
        ]),
    heads=dict(rgb={{_base_.head}}),
    frozen_streams=['rgb', 'depth'],
    init_streams=dict(rgb=dict(checkpoint=None)))
