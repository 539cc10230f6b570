# Video-to-clip with the MSE feature loss instead of the cosine distance
# (paper Table II ablation).
_base_ = ['./flow2depth_v2c.py']
model = dict(loss=dict(_delete_=True, type='FeatureMSELoss'))
