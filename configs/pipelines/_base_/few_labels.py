# Templates of the fine-tuning stages (docs/pipelines.md, "Templates"):
# a stage with template='few_labels' runs once per (budget, seed) and
# fine-tunes on `budget` labeled videos per class of the training pool,
# drawn with the seed, which also seeds the run (and the validation
# videos, drawn apart from every budget). `video_fraction` is the same for
# detection: a fraction of the training videos.
templates = dict(
    few_labels=dict(
        sweep=['budget', 'seed'],
        cfg_options={
            'train_dataloader.dataset.labeled_subset.k_per_class':
            '{budget}',
            'train_dataloader.dataset.labeled_subset.seed': '{seed}',
            'val_dataloader.dataset.labeled_subset.seed': '{seed}',
            'randomness.seed': '{seed}',
        }),
    video_fraction=dict(
        sweep=['budget', 'seed'],
        cfg_options={
            'train_dataloader.dataset.video_fraction': '{budget}',
            'train_dataloader.dataset.subset_seed': '{seed}',
            'randomness.seed': '{seed}',
        }),
)
