# video-to-clip with a mean-squared-error loss (the paper's ablation of the
# cosine distance).
_base_ = './flow2depth_v2c_synth.py'
model = dict(loss=dict(type='FeatureMSELoss'))
