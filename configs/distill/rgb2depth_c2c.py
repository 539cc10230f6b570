_base_ = ['./rgb2depth_v2c.py']
model = dict(granularity='clip')
