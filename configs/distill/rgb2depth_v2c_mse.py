_base_ = ['./rgb2depth_v2c.py']
model = dict(loss=dict(_delete_=True, type='FeatureMSELoss'))
