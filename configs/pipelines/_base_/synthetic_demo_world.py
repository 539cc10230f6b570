# The embedded `demo` world (tools/data/synthesize.py --preset demo) with
# Farneback flow of its NTU-layout videos, in the folder that the synthetic
# dataset configs read (configs/_base_/datasets/synthetic_ntu.py). Made
# before the first stage when missing; found and reused otherwise. A
# pipeline with more data lists {{_base_.demo_world}} in its own `prepare`.
demo_world = dict(
    type='synthetic_world',
    out='data/synthetic_demo',
    preset='demo',
    flow='farneback')
prepare = [demo_world]
