# What the 2-D detection pipelines (configs/pipelines/detection2d_*.py)
# share: three seeds of each detector from scratch, VOC mAP at IoU 0.5 on
# the test split, differences reported against the RGB detector.
sweeps = dict(seed=[0, 1, 2])
report_metric = 'voc/mAP@0.5'
reference_method = 'RGB'
templates = dict(
    seeded=dict(sweep=['seed'], cfg_options={'randomness.seed': '{seed}'}))
