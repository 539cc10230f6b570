# Video+clip transfer from the RGB teacher on the synthetic world.
_base_ = ['./rgb2depth_v2c_synth.py']
model = dict(granularity='video+clip')
