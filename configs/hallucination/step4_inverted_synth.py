# Hallucination network, step 4 with the connections inverted (Garcia et
# al.'s supplementary, Table 1 row 15a): the RGB map gates the
# hallucination stream, which stands where step 2's depth stream stood.
#   --cfg-options model.init_streams.rgb.checkpoint=<inverted step2 ckpt>
#                 model.init_streams.hallucination.checkpoint=
#                 <inverted step3 ckpt>
_base_ = ['./step4_synth.py']
model = dict(
    backbone=dict(connections=[
        dict(src='rgb', dst='hallucination',
             stages={{_base_.connection_stages}})
    ]))
