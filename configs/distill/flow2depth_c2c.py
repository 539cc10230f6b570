# Clip-to-clip: the student's clip matches the teacher's clip of the same
# time span (paper Table III).
_base_ = ['./flow2depth_v2c.py']
model = dict(granularity='clip')
