# What the depth-student ablations on the synthetic world share: the demo
# world, k labels per class x seeds, and one fixed fine-tuning recipe (lr
# 0.01, the demo's validation choice for the transferred student), so that
# an ablation compares initialisations, not recipes. `last_stage` trains
# only the last stage and the classifier, as the paper fine-tunes
# pretrained and transferred depth students.
_base_ = ['./synthetic_demo_world.py', './few_labels.py']
templates = dict(
    depth_fixed_recipe=dict(
        config='configs/finetune/depth_r3d18_synth.py',
        cfg_options={'optim_wrapper.optimizer.lr': 0.01}),
    last_stage=dict(cfg_options={'model.backbone.frozen_stages': 3}),
)
