# clip-to-clip: the student's clip matches the teacher's feature of the
# same span (grid-aligned clips, so the cached clip is exactly that span).
_base_ = './flow2depth_v2c_synth.py'
model = dict(granularity='clip')
