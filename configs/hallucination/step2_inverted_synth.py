# Hallucination network, step 2 with the connections inverted (Garcia et
# al.'s supplementary, Table 1 row 8a): the RGB map gates the depth
# stream's residual branch.
_base_ = ['./step2_synth.py']
model = dict(
    backbone=dict(connections=[
        dict(src='rgb', dst='depth', stages={{_base_.connection_stages}})
    ]))
