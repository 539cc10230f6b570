# Copyright (c) fsat contributors. All rights reserved.
"""The paired multimodal dataset: one sample = one video id, many modalities.

Data flow of one sample (see ``docs/datasets.md``)::

    record (video_id, label, paths) + frame counts
      -> PairedSampleFrames   one shared draw on the reference timeline
      -> ModalityPipelines    per modality: load, augment, format
      -> PackPairedInputs     dict(inputs=dict(modality -> tensor),
                                   data_samples=ActionDataSample)
"""
import logging
import os.path as osp
from typing import Dict, List, Mapping, Optional, Sequence, Tuple

import mmengine
from mmengine.dataset import BaseDataset
from mmengine.logging import print_log

from fsat.registry import DATASETS, TRANSFORMS

from .ntu import NTU_LAYOUT, build_ntu_annotations, get_ntu_benchmark
from .ntu.validation import ntu_holdout_names
from .smarthome import build_smarthome_annotations, get_smarthome_protocol
from .subsets import SUBSETS, check_subset, pick_labeled_subset  # noqa: F401
from .transforms import (
    SOURCE_DEFAULTS,
    ModalityPipelines,
    PairedSampleFrames,
    count_frames,
)

ON_MISSING = ('error', 'skip')


def _smarthome_class_subset(records: List[dict], proto,
                            classes: Sequence[str]) -> List[dict]:
    """Keep the samples of ``classes`` (names of the protocol's table),
    relabelled by their position in ``classes`` (e.g. the 13 classes of a
    synthetic world, so that every class of a 13-way classifier has
    samples)."""
    if isinstance(classes, str) or not all(
            isinstance(c, str) for c in classes):
        raise ValueError('smarthome: metainfo classes must be class names '
                         f'of the {proto.name} table, got {classes!r}')
    unknown = [c for c in classes if c not in proto.classes]
    if unknown:
        raise ValueError(
            f'smarthome: metainfo classes {unknown} are not in the '
            f'{proto.name} table ({len(proto.classes)} classes, e.g. '
            f'{proto.classes[0]!r})')
    names = list(classes)
    kept = []
    for record in records:
        name = proto.classes[record['label']]
        if name in names:
            kept.append(dict(record, label=names.index(name)))
    return kept


def ntu_path(root: str, source: str, name: str) -> str:
    """Where the NTU layout keeps modality ``source`` of sample ``name``."""
    folder, suffix, _ = NTU_LAYOUT[source]
    return osp.join(root, folder, name + suffix)


@DATASETS.register_module()
class PairedModalityDataset(BaseDataset):
    """Paired multimodal samples with synchronised temporal sampling.

    Annotations come from one of

    * ``ntu=dict(benchmark='ntu60_xview', split='train', split_rule=None,
      classes=None)`` with ``data_root`` the NTU root
      (:func:`fsat.datasets.ntu.build_ntu_annotations`);
      ``holdout='garcia2018'`` on the training split keeps its part outside
      a paper's validation set, ``use_holdout=True`` that validation set
      (:func:`fsat.datasets.ntu.validation.ntu_holdout_names`);
      ``exclude_missing_skeletons`` drops NTU's videos without skeleton
      data (default: when a modality reads skeletons; the hallucination
      configs set it because their registration reads the joints);
    * ``smarthome=dict(protocol='CS', split='train', subjects=None,
      exclude_subjects=None)`` with ``data_root``
      the Toyota Smarthome root (``mp4/``, ``skeletonv12/``; protocols
      ``'CS'``, ``'CV1'``, ``'CV2'``, splits ``'train'``, ``'val'`` (not
      CS), ``'test'``; ``subjects`` keeps, ``exclude_subjects`` drops the
      samples of those subject ids, e.g. to hold out training subjects
      for validation; :func:`fsat.datasets.smarthome.
      build_smarthome_annotations`; see also
      :class:`~fsat.datasets.SmarthomeDataset`);
    * ``ann_file`` ending in ``.txt``: a split file, one sample per line,
      ``<name> [<label>]`` (label: an integer, or a class name of
      ``metainfo['classes']``; none = unlabeled), with the modality paths
      of the NTU layout under ``data_root``; ``#`` starts a comment;
    * any other ``ann_file`` (JSON, YAML, pickle): a list of records
      ``dict(name, label, paths=dict(modality=path))`` (or a dict with a
      ``data_list`` of them), paths relative to ``data_root``; so other
      datasets plug in.

    Each sample is sampled once on the reference timeline and mapped to
    every modality (see :class:`~fsat.datasets.transforms.
    PairedSampleFrames`), each modality then runs its own pipeline, and
    ``pack`` builds the model inputs.

    Args:
        modalities (dict): Output name -> ``dict(pipeline=[...],
            sampling='clip', source=None, filename_tmpl=None,
            start_index=None, count_glob=None)``. ``sampling`` is
            ``'clip'``, ``'same_clip'``, ``'video'`` or
            ``dict(mode='sequence', length=300, pad='zero')``; ``source``
            (``'rgb'``, ``'flow'``, ``'depth'``, ``'skeleton'``) defaults
            to the name, so one source can appear twice (e.g.
            ``rgb_video=dict(source='rgb', sampling='video', ...)``).
            Every source is required for a sample (see ``on_missing``).
        ann_file (str): Annotation file, see above. Defaults to ''.
        data_root (str): NTU root, or the root of relative record paths.
        ntu (dict, optional): NTU benchmark settings, see above.
        smarthome (dict, optional): Toyota Smarthome protocol and split,
            see above. ``metainfo=dict(classes=[...])`` (class names of
            the protocol's table) keeps the samples of those classes only,
            labelled by their position in the list.
        clip_len (int): Frames per clip. Defaults to 16.
        frame_interval (int): Step between the frames of a clip (a clip
            spans ``clip_len * frame_interval`` frames, as mmaction2's
            ``SampleFrames``). Defaults to 1 (consecutive frames).
        clip_align (str): ``'any'`` or ``'grid'`` (clips start at
            multiples of the clip's span, so a clip is exactly its clip slot),
            see :class:`~fsat.datasets.transforms.PairedSampleFrames`.
            Defaults to ``'any'``.
        reference (str, optional): Source whose frame count is the
            reference timeline (clip slots refer to it). Defaults to None:
            ``'rgb'`` when the sample has an RGB video, even if not loaded
            (so clip slots match a cached RGB teacher), else the first
            source of ``modalities``.
        with_label (bool): False for transfer: labels are neither needed
            nor exposed (``gt_labels`` -1). Defaults to True.
        labeled_subset (dict, optional): ``dict(k_per_class=20, seed=0,
            skip_per_class=0, holdout=None, save_to=None)`` or
            ``dict(fraction=0.25, seed=0, save_to=None)`` picks the labeled
            training samples (:mod:`fsat.datasets.subsets`;
            ``skip_per_class`` leaves out the first picks of each class,
            e.g. for a validation set carved from the training pool;
            ``holdout=dict(k_per_class=5, skip_per_class=20)`` names such
            a validation set's picks, which the training picks then never
            take, whatever the budget); ``save_to`` is a folder for
            ``labeled_ids.json``.
            Defaults to None (every label is kept).
        subset (str): With ``labeled_subset``: ``'labeled'`` (the picks),
            ``'unlabeled'`` (the rest, labels hidden) or ``'all'`` (both,
            labels of the rest hidden). Defaults to ``'all'``.
        on_missing (str): A sample without the file or folder of a
            required source: ``'error'`` raises naming the sample and the
            path; ``'skip'`` drops it and logs one line with the count and
            the first names. Defaults to ``'error'``.
        pack (dict): The packing transform. Defaults to
            ``dict(type='PackPairedInputs')``; ``pack_single=True`` packs
            a single modality like mmaction2's ``PackActionInputs``.
        test_mode (bool): Deterministic (centre) clips. Defaults to False.
        **kwargs: Other arguments of MMEngine's ``BaseDataset``
            (``metainfo``, ``indices``, ``serialize_data``, ...), not
            ``pipeline``.
    """

    def __init__(self,
                 modalities: Mapping[str, Mapping],
                 ann_file: str = '',
                 data_root: str = '',
                 ntu: Optional[Mapping] = None,
                 smarthome: Optional[Mapping] = None,
                 clip_len: int = 16,
                 clip_align: str = 'any',
                 frame_interval: int = 1,
                 reference: Optional[str] = None,
                 with_label: bool = True,
                 labeled_subset: Optional[Mapping] = None,
                 subset: str = 'all',
                 on_missing: str = 'error',
                 pack: Mapping = dict(type='PackPairedInputs'),
                 test_mode: bool = False,
                 **kwargs) -> None:
        if 'pipeline' in kwargs:
            raise ValueError('PairedModalityDataset takes one pipeline per '
                             'modality: modalities=dict(depth=dict('
                             'pipeline=[...]), ...), not pipeline=')
        if not modalities:
            raise ValueError('PairedModalityDataset needs modalities')
        if (ntu is not None) + (smarthome is not None) + bool(
                ann_file) != 1:
            raise ValueError('PairedModalityDataset needs exactly one of '
                             'ntu=dict(benchmark=..., split=...), '
                             'smarthome=dict(protocol=..., split=...) and '
                             'ann_file')
        if on_missing not in ON_MISSING:
            raise ValueError(f'on_missing must be one of {ON_MISSING}, got '
                             f'{on_missing!r}')
        check_subset(subset, labeled_subset)
        self.modality_cfgs = {name: dict(cfg)
                              for name, cfg in modalities.items()}
        self.sources = {name: cfg.get('source') or name
                        for name, cfg in self.modality_cfgs.items()}
        unknown = set(self.sources.values()) - set(SOURCE_DEFAULTS)
        if unknown or (reference and reference not in SOURCE_DEFAULTS):
            raise ValueError(f'Unknown sources {sorted(unknown) or reference}'
                             f': expected some of {list(SOURCE_DEFAULTS)}')
        self.ntu = dict(ntu) if ntu is not None else None
        self.smarthome = dict(smarthome) if smarthome is not None else None
        self.clip_len = clip_len
        self.reference = reference
        self.with_label = with_label
        self.labeled_subset = (dict(labeled_subset)
                               if labeled_subset is not None else None)
        self.subset = subset
        self.on_missing = on_missing
        self.labeled_ids: List[str] = []
        self.skipped: List[str] = []
        self._count_cache: Dict[Tuple[str, str], int] = {}

        sampler = PairedSampleFrames(
            modes={name: cfg.get('sampling', 'clip')
                   for name, cfg in self.modality_cfgs.items()},
            clip_len=clip_len,
            sources=self.sources,
            test_mode=test_mode,
            clip_align=clip_align,
            frame_interval=frame_interval)
        branches = ModalityPipelines(self.modality_cfgs)
        super().__init__(
            ann_file=ann_file,
            data_root=data_root,
            pipeline=[sampler, branches, TRANSFORMS.build(dict(pack))],
            test_mode=test_mode,
            **kwargs)

    # ------------------------------------------------------------------
    # Annotations
    # ------------------------------------------------------------------

    @property
    def required_sources(self) -> List[str]:
        """Sources every sample must have (those loaded, the reference)."""
        required = list(dict.fromkeys(self.sources.values()))
        if self.reference and self.reference not in required:
            required.append(self.reference)
        return required

    def _label_of(self, label, where: str) -> Optional[int]:
        """An int label from an int, a class name or None (also for a
        negative label: unknown)."""
        if label is None or label == '':
            return None
        if isinstance(label, str) and not label.lstrip('-').isdigit():
            classes = list(self._metainfo.get('classes') or ())
            if label not in classes:
                known = ', '.join(repr(c) for c in classes[:5])
                raise ValueError(
                    f'{where}: unknown class {label!r}; metainfo classes are '
                    f'[{known}{", ..." if len(classes) > 5 else ""}] '
                    f'({len(classes)} classes)')
            return classes.index(label)
        try:
            value = int(label)
        except (TypeError, ValueError):
            raise ValueError(f'{where}: label {label!r} is neither a class '
                             'index nor a class name') from None
        classes = self._metainfo.get('classes') or ()
        if classes and value >= len(classes):
            raise ValueError(f'{where}: label {value} is out of range for '
                             f'{len(classes)} classes (0..'
                             f'{len(classes) - 1})')
        return value if value >= 0 else None

    def _load_ntu(self) -> List[dict]:
        cfg = dict(self.ntu)
        benchmark, split = cfg.pop('benchmark'), cfg.pop('split', 'train')
        split_rule, classes = cfg.pop('split_rule', None), cfg.pop(
            'classes', None)
        holdout = cfg.pop('holdout', None)
        use_holdout = cfg.pop('use_holdout', False)
        holdout_distinct = cfg.pop('holdout_distinct', False)
        exclude_missing = cfg.pop('exclude_missing_skeletons', None)
        if exclude_missing is None:
            exclude_missing = 'skeleton' in self.required_sources
        if cfg:
            raise ValueError(f'Unknown ntu keys {sorted(cfg)}: expected '
                             'benchmark, split, split_rule, classes, '
                             'holdout, use_holdout, holdout_distinct, '
                             'exclude_missing_skeletons')
        if split not in ('train', 'val'):
            raise ValueError(f"ntu split must be 'train' or 'val', got "
                             f'{split!r}')
        if holdout is not None and split != 'train':
            raise ValueError(f'ntu holdout={holdout!r} carves a validation '
                             "set from split='train', got "
                             f'split={split!r}')
        if use_holdout and holdout is None:
            raise ValueError('ntu use_holdout=True needs holdout=, e.g. '
                             "holdout='garcia2018'")
        bench = get_ntu_benchmark(benchmark, split_rule, classes)
        self._metainfo.setdefault('classes', bench.classes)
        splits = build_ntu_annotations(
            benchmark,
            root=self.data_root,
            split_rule=split_rule,
            classes=classes,
            exclude_missing_skeletons=bool(exclude_missing))
        records = splits[split]
        if holdout is not None:
            # the validation part of the training split, or the rest
            held = ntu_holdout_names(records, bench.rule, holdout,
                                     distinct=holdout_distinct)
            records = [r for r in records if (r['name'] in held) ==
                       bool(use_holdout)]
        for record in records:
            for source in self.required_sources:
                record['paths'].setdefault(
                    source, ntu_path(self.data_root, source, record['name']))
        if not records:
            raise ValueError(f'No {benchmark} {split} samples found under '
                             f'the NTU root {self.data_root!r}')
        return records

    def _load_smarthome(self) -> List[dict]:
        cfg = dict(self.smarthome)
        protocol, split = cfg.pop('protocol', 'CS'), cfg.pop('split', 'train')
        keep = cfg.pop('subjects', None)
        drop = set(cfg.pop('exclude_subjects', None) or ())
        if cfg:
            raise ValueError(f'Unknown smarthome keys {sorted(cfg)}: '
                             'expected protocol, split, subjects, '
                             'exclude_subjects')
        proto = get_smarthome_protocol(protocol)
        subset = self._metainfo.get('classes')
        self._metainfo.setdefault('classes', proto.classes)
        records = build_smarthome_annotations(
            proto.name, split, root=self.data_root,
            sources=self.required_sources)
        if keep is not None or drop:
            # e.g. a validation set of held-out training subjects (CS has
            # no validation split)
            keep = None if keep is None else set(keep)
            records = [r for r in records
                       if (keep is None or r['subject'] in keep)
                       and r['subject'] not in drop]
        if subset is not None:
            records = _smarthome_class_subset(records, proto, subset)
        if not records:
            raise ValueError(f'No Toyota Smarthome {proto.name} {split} '
                             f'samples found under {self.data_root!r}')
        return records

    def _check_ann_file(self) -> None:
        if not osp.isfile(self.ann_file):
            raise FileNotFoundError(
                f'annotation file {self.ann_file} does not exist')

    def _load_split_file(self) -> List[dict]:
        records = []
        self._check_ann_file()
        with open(self.ann_file, 'rb') as f:
            data = f.read()
        try:
            text = data.decode('utf-8')
        except UnicodeDecodeError as e:
            lineno = data[:e.start].count(b'\n') + 1
            raise ValueError(f'{self.ann_file}, line {lineno}: not UTF-8 '
                             'text (a binary file?)') from None
        for lineno, line in enumerate(text.splitlines(), start=1):
            line = line.split('#', 1)[0].strip()
            if not line:
                continue
            name, *rest = line.split(None, 1)
            label = self._label_of(rest[0] if rest else None,
                                   f'{self.ann_file}, line {lineno}')
            paths = {source: ntu_path(self.data_root, source, name)
                     for source in self.required_sources}
            records.append(dict(name=name, label=label, paths=paths))
        return records

    def _load_record_file(self) -> List[dict]:
        self._check_ann_file()
        try:
            data = mmengine.load(self.ann_file)
        except Exception as e:  # the parser's own error: JSON, YAML, pickle
            raise ValueError(f'{self.ann_file}: cannot be read as a record '
                             f'file: {type(e).__name__}: {e}') from None
        if isinstance(data, dict):
            data = data.get('data_list', None)
        if not isinstance(data, list):
            raise ValueError(f'{self.ann_file}: expected a list of records '
                             'dict(name, label, paths) or a dict with a '
                             '"data_list" of them')
        records = []
        for i, item in enumerate(data):
            if not isinstance(item, dict) or 'name' not in item or not (
                    isinstance(item.get('paths'), dict)):
                raise ValueError(f'{self.ann_file}, record {i}: expected '
                                 'dict(name, label, paths=dict(...)), got '
                                 f'{item!r:.200}')
            paths = {
                source: (osp.join(self.data_root, path)
                         if self.data_root and not osp.isabs(path) else path)
                for source, path in item['paths'].items()
            }
            label = self._label_of(
                item.get('label'),
                f'{self.ann_file}, record {i} ({item["name"]})')
            records.append(dict(name=item['name'], label=label, paths=paths))
        return records

    def _drop_missing(self, records: List[dict]) -> List[dict]:
        """Apply ``on_missing`` to samples lacking a required source."""
        kept, missing = [], []
        for record in records:
            for source in self.required_sources:
                path = record['paths'].get(source)
                if not path or not osp.exists(path):
                    where = path or 'no path in the annotation'
                    if self.on_missing == 'error':
                        raise FileNotFoundError(
                            f'Sample {record["name"]} has no {source} data: '
                            f'{where} (set on_missing="skip" to skip such '
                            'samples)')
                    missing.append(f'{record["name"]} ({source}: {where})')
                    break
            else:
                kept.append(record)
        self.skipped = [entry.split(' ', 1)[0] for entry in missing]
        if missing:
            print_log(
                f'{type(self).__name__}: skipped {len(missing)} of '
                f'{len(records)} samples with missing modality data, e.g. '
                + '; '.join(missing[:3]),
                logger='current',
                level=logging.WARNING)
        return kept

    def _pick_labeled(self, records: List[dict]) -> set:
        ids = pick_labeled_subset(
            records, self.labeled_subset, self._metainfo.get('classes'),
            ann=self.ann_file or self.ntu or self.smarthome)
        self.labeled_ids = sorted(ids)
        return set(ids)

    def load_data_list(self) -> List[dict]:
        """Load, check and label the samples of the split."""
        if self.ntu is not None:
            records = self._load_ntu()
        elif self.smarthome is not None:
            records = self._load_smarthome()
        elif self.ann_file.endswith('.txt'):
            records = self._load_split_file()
        else:
            records = self._load_record_file()
        if not records:
            raise ValueError(f'{self.ann_file}: no samples (empty file)')
        seen: Dict[str, int] = {}
        for i, record in enumerate(records):
            if record['name'] in seen:
                raise ValueError(
                    f'{self.ann_file or "the NTU split"}: sample '
                    f'{record["name"]} is listed twice (entries '
                    f'{seen[record["name"]] + 1} and {i + 1})')
            seen[record['name']] = i
        records = self._drop_missing(records)
        picked = (self._pick_labeled(records)
                  if self.labeled_subset is not None else None)

        data_list = []
        for record in records:
            label = record['label']
            if picked is not None:
                is_picked = record['name'] in picked
                if self.subset == 'labeled' and not is_picked:
                    continue
                if self.subset == 'unlabeled' and is_picked:
                    continue
                label = label if is_picked else None
            if not self.with_label:
                label = None
            data_list.append(
                dict(
                    video_id=record['name'],
                    label=-1 if label is None else label,
                    labeled=label is not None,
                    paths=record['paths']))
        return data_list

    # ------------------------------------------------------------------
    # Samples
    # ------------------------------------------------------------------

    def _count(self, source: str, path: str, video_id: str) -> int:
        key = (source, path)
        if key not in self._count_cache:
            count_glob = next(
                (cfg.get('count_glob')
                 for name, cfg in self.modality_cfgs.items()
                 if self.sources[name] == source and cfg.get('count_glob')),
                None)
            count = count_frames(source, path, count_glob)
            if count < 1:
                raise ValueError(f'Sample {video_id}: no {source} frames in '
                                 f'{path}')
            self._count_cache[key] = count
        return self._count_cache[key]

    def _reference_of(self, paths: Mapping[str, str]) -> str:
        if self.reference:
            return self.reference
        if 'rgb' in paths and osp.exists(paths['rgb']):
            return 'rgb'
        return next(iter(self.sources.values()))

    def get_data_info(self, idx: int) -> dict:
        """The record of sample ``idx`` with its frame counts and
        reference."""
        info = super().get_data_info(idx)
        paths = info['paths']
        reference = self._reference_of(paths)
        sources: Sequence[str] = list(
            dict.fromkeys([*self.sources.values(), reference]))
        info['frame_counts'] = {
            source: self._count(source, paths[source], info['video_id'])
            for source in sources
        }
        info['reference'] = reference
        return info
