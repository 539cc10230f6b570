# The fair protocol of the synthetic depth students (docs/pipelines.md,
# "Fair comparisons"), shared by the demo and the depth ablations: every
# fine-tuning searches learning rate x which layers are trained (the last
# stage, or all) where it applies, chosen per budget on validation with
# seed 0 (a learning rate at an end of its axis is extended up to two
# values in that direction), and each run chooses its length on validation
# (up to 300 iterations at a constant learning rate, validated every 50).
select_seeds = [0]
recipe_axes = dict(
    lr=dict(key='optim_wrapper.optimizer.lr', values=[0.003, 0.01]),
    frozen_stages=dict(
        key='model.backbone.frozen_stages', values=[3, -1], scale='choice'))
extend_edges = 2
length_selection = dict(max_iters=300, val_interval=50, param_scheduler=[])
