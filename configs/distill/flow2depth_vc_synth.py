# video+clip: the sum of the video-to-clip and clip-to-clip losses (the
# paper's best, Table III).
_base_ = './flow2depth_v2c_synth.py'
model = dict(granularity='video+clip')
