# The embedded `demo` world (tools/data/synthesize.py --preset demo) with
# Farneback flow of its NTU-layout videos, in the folder that the synthetic
# dataset configs read (configs/_base_/datasets/synthetic_ntu.py). Made
# before the first stage when missing; found and reused otherwise.
prepare = [
    dict(
        type='synthetic_world',
        out='data/synthetic_demo',
        preset='demo',
        flow='farneback'),
]
