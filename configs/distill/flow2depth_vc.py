# Video+clip: the sum of the v2c and c2c losses (best in paper Table III).
_base_ = ['./flow2depth_v2c.py']
model = dict(granularity='video+clip')
