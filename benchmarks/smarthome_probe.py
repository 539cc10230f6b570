# Copyright (c) fsat contributors. All rights reserved.
"""Per-modality learnability probes of a Smarthome-format synthetic world.

Small networks trained from scratch on one input each, on a Toyota
Smarthome protocol (cross-subject by default), tested at clip level:

* ``pose``: an MLP on the LCR-Net skeletons (2-D and 3-D, 16 frames);
* ``rgb_full``: a small 3-D CNN on whole frames (8 x 72 x 96);
* ``rgb_person``: the same CNN on person crops (8 x 48 x 48), boxes from
  the skeleton file's 2-D joints, as Smarthome RGB pipelines crop the
  person from the detector's box;
* ``rgb_hand``: the same kind of CNN on crops around the right wrist
  found by the skeleton file (8 x 24 x 24): RGB with pose-driven
  attention.

It answers two questions about the world: is the pose informative about
the gross action but blind to the held object, and can RGB tell the
fine-grained classes apart once it looks at the hands. Reports top-1,
mean class accuracy and the accuracy over gross-motion groups (a
prediction counts when its class is in the true class's group). One run
per probe, no tuning on the test side (weight decay is chosen on two
held-out training subjects).

Example:
    python benchmarks/smarthome_probe.py data/synthetic_smarthome \\
        --protocol cs --out work_dirs/smarthome_probe.json
"""
import argparse
import json
import os
import os.path as osp
import time

import cv2
import numpy as np
import torch
import torch.nn as nn


def load_pose(path: str, T_out: int = 16):
    """Best detection per frame (highest cumscore), gaps bridged with the
    nearest detected frame, resampled to ``T_out`` frames.

    Returns:
        tuple: pose3d [T_out, 13, 3], pose2d [T_out, 13, 2], and the
        pose2d of every frame [T, 13, 2] (gaps bridged).
    """
    with open(path, encoding='utf-8') as f:
        frames = json.load(f)['frames']
    T = len(frames)
    p3 = np.zeros((T, 13, 3), np.float32)
    p2 = np.zeros((T, 13, 2), np.float32)
    seen = np.zeros(T, bool)
    for t, dets in enumerate(frames):
        if dets:
            d = max(dets, key=lambda x: x['cumscore'])
            p2[t] = np.array(d['pose2d']).reshape(2, 13).T
            p3[t] = np.array(d['pose3d']).reshape(3, 13).T
            seen[t] = True
    if seen.any():
        idx = np.flatnonzero(seen)
        near = idx[np.abs(np.arange(T)[:, None] - idx[None]).argmin(1)]
        p3, p2 = p3[near], p2[near]
    pick = np.linspace(0, T - 1, T_out).round().astype(int)
    return p3[pick], p2[pick], p2


def pose_features(p3: np.ndarray, p2: np.ndarray) -> np.ndarray:
    """3-D pose, and 2-D pose relative to the mid-hip in units of the
    clip's median person height."""
    hip = p2[:, 4:6].mean(1, keepdims=True)
    height = np.median(np.linalg.norm(p2[:, 12] - p2[:, :2].mean(1), axis=-1))
    rel = (p2 - hip) / max(height, 1.0)
    return np.concatenate([p3.reshape(len(p3), -1),
                           rel.reshape(len(rel), -1)], 1).reshape(-1)


def _crop(img: np.ndarray, cx: float, cy: float, half: float,
          size: int) -> np.ndarray:
    box = np.float32([[cx - half, cy - half], [cx + half, cy - half],
                      [cx - half, cy + half]])
    dst = np.float32([[0, 0], [size, 0], [0, size]])
    return cv2.warpAffine(img, cv2.getAffineTransform(box, dst),
                          (size, size), flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_REFLECT)


def load_rgb(path: str, p2_all: np.ndarray, T_out: int = 8):
    """Whole frames (72 x 96), person crops (48 x 48: a square 1.3 x the
    2-D joints' extent) and right-wrist crops (24 x 24: 0.5 x the person's
    height wide, centred on the wrist of the skeleton file) of ``T_out``
    frames."""
    cap = cv2.VideoCapture(path)
    frames = []
    while True:
        ok, f = cap.read()
        if not ok:
            break
        frames.append(f[..., ::-1])
    T = min(len(frames), len(p2_all))
    pick = np.linspace(0, T - 1, T_out).round().astype(int)
    full, person, hand = [], [], []
    for t in pick:
        img = frames[t]
        full.append(cv2.resize(img, (96, 72), interpolation=cv2.INTER_AREA))
        p = p2_all[t]
        lo, hi = p.min(0), p.max(0)
        (cx, cy), half = (lo + hi) / 2, max(0.65 * (hi - lo).max(), 10.0)
        person.append(_crop(img, cx, cy, half, 48))
        height = max(np.linalg.norm(p[12] - p[:2].mean(0)), 20.0)
        hand.append(_crop(img, p[6, 0], p[6, 1], 0.25 * height, 24))
    return np.stack(full), np.stack(person), np.stack(hand)


def load_world(root: str, cache: str):
    """Features of every clip (cached in ``cache``)."""
    if cache and osp.isfile(cache):
        data = np.load(cache, allow_pickle=False)
        return {k: data[k] for k in data.files}
    with open(osp.join(root, 'world.json'), encoding='utf-8') as f:
        world = json.load(f)
    labels = {c['name']: c['label'] for c in world['classes']}
    names, pose, full, person, hand, y = [], [], [], [], [], []
    for s in world['smarthome']['samples']:
        name = s['name']
        p3, p2, p2_all = load_pose(osp.join(
            root, 'smarthome', 'skeletonv12', f'{name}_pose3d.json'))
        f_img, p_img, h_img = load_rgb(osp.join(root, 'smarthome', 'mp4',
                                                f'{name}.mp4'), p2_all)
        names.append(name)
        pose.append(pose_features(p3, p2))
        full.append(f_img)
        person.append(p_img)
        hand.append(h_img)
        y.append(labels[name.split('_')[0]])
    data = dict(names=np.array(names), pose=np.stack(pose).astype(np.float32),
                full=np.stack(full), person=np.stack(person),
                hand=np.stack(hand), y=np.array(y),
                groups=np.array([c['group'] for c in world['classes']]))
    if cache:
        np.savez(cache, **data)
    return data


class Clip3D(nn.Module):
    """A small 3-D CNN for [N, T, H, W, 3] uint8 clips.

    Args:
        num_classes (int): Classes.
        stride (int): Spatial stride of the first two convolutions (2 for
            whole frames, to keep the probe cheap on a CPU; 1 for crops).
        width (int): Channels of the first convolution.
    """

    def __init__(self, num_classes: int, stride: int = 1, width: int = 16):
        super().__init__()
        c, s = width, stride
        self.net = nn.Sequential(
            nn.Conv3d(3, c, (3, 5, 5), stride=(1, s, s), padding=(1, 2, 2)),
            nn.BatchNorm3d(c), nn.ReLU(),
            nn.Conv3d(c, 2 * c, (3, 3, 3), stride=(1, s, s), padding=1),
            nn.BatchNorm3d(2 * c), nn.ReLU(), nn.MaxPool3d((2, 2, 2)),
            nn.Conv3d(2 * c, 4 * c, (3, 3, 3), padding=1),
            nn.BatchNorm3d(4 * c), nn.ReLU(), nn.AdaptiveMaxPool3d(1),
            nn.Flatten(), nn.Dropout(0.3), nn.Linear(4 * c, num_classes))

    def forward(self, x):
        x = x.permute(0, 4, 1, 2, 3).float() / 127.5 - 1.0
        return self.net(x)


def mlp(dim: int, num_classes: int) -> nn.Module:
    return nn.Sequential(nn.Linear(dim, 256), nn.ReLU(), nn.Dropout(0.3),
                         nn.Linear(256, num_classes))


def train(kind: str, x: np.ndarray, y: np.ndarray, num_classes: int,
          epochs: int, wd: float, seed: int = 0) -> nn.Module:
    torch.manual_seed(seed)
    if kind == 'pose':
        mean, std = x.mean(0), x.std(0) + 1e-3
        model = mlp(x.shape[1], num_classes)
        model.norm = (torch.from_numpy(mean), torch.from_numpy(std))
    else:
        model = Clip3D(num_classes, stride=2 if x.shape[2] > 32 else 1)
    opt = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=wd)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, epochs)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y).long()
    gen = torch.Generator().manual_seed(seed)
    for _ in range(epochs):
        model.train()
        for idx in torch.randperm(len(xt), generator=gen).split(32):
            xb = xt[idx]
            if kind == 'pose':
                xb = (xb - model.norm[0]) / model.norm[1]
            elif torch.rand(1, generator=gen).item() < 0.5:
                xb = xb.flip(3)  # horizontal flip
            loss = nn.functional.cross_entropy(model(xb), yt[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
        sched.step()
    return model


@torch.no_grad()
def predict(model: nn.Module, kind: str, x: np.ndarray) -> np.ndarray:
    model.eval()
    out = []
    for xb in torch.from_numpy(x).split(64):
        if kind == 'pose':
            xb = (xb - model.norm[0]) / model.norm[1]
        out.append(model(xb).argmax(1))
    return torch.cat(out).numpy()


def scores(pred: np.ndarray, y: np.ndarray, groups: np.ndarray) -> dict:
    per_class = [float((pred[y == c] == c).mean()) for c in np.unique(y)]
    return dict(top1=round(100 * float((pred == y).mean()), 1),
                mean_class=round(100 * float(np.mean(per_class)), 1),
                group=round(100 * float((groups[pred] == groups[y]).mean()),
                            1))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('root', help='the world (holds world.json)')
    parser.add_argument('--protocol', default='cs', choices=['cs', 'cv2'])
    parser.add_argument('--probes', nargs='+',
                        default=['pose', 'rgb_full', 'rgb_person',
                                 'rgb_hand'])
    parser.add_argument('--epochs', type=int, default=30)
    parser.add_argument('--cache', default=None,
                        help='npz cache of the decoded inputs')
    parser.add_argument('--out', default=None, help='JSON results file')
    args = parser.parse_args()
    from fsat.datasets.synthetic.smarthome_writer import smarthome_split
    t0 = time.time()
    data = load_world(args.root, args.cache)
    print(f'loaded {len(data["y"])} clips in {time.time() - t0:.0f} s')
    names = [str(n) for n in data['names']]
    side = np.array([smarthome_split(n, args.protocol) for n in names])
    subject = np.array([int(n.split('_')[1][1:]) for n in names])
    y, groups = data['y'], data['groups']
    K = int(y.max()) + 1
    train_idx = np.flatnonzero(side == 'train')
    test_idx = np.flatnonzero(side == 'test')
    # weight decay chosen on two held-out training subjects
    held = np.isin(subject, sorted(set(subject[train_idx]))[:2])
    fit_idx = np.intersect1d(train_idx, np.flatnonzero(~held))
    val_idx = np.intersect1d(train_idx, np.flatnonzero(held))
    results = {}
    for probe in args.probes:
        kind = 'pose' if probe == 'pose' else 'rgb'
        x = data[{'pose': 'pose', 'rgb_full': 'full', 'rgb_person': 'person',
                  'rgb_hand': 'hand'}[probe]]
        t1 = time.time()
        best = None if len(fit_idx) and len(val_idx) else (0.0, 1e-3)
        for wd in ((1e-4, 1e-2) if best is None else ()):
            model = train(kind, x[fit_idx], y[fit_idx], K, args.epochs, wd)
            acc = float((predict(model, kind, x[val_idx])
                         == y[val_idx]).mean())
            if best is None or acc > best[0]:
                best = (acc, wd)
        model = train(kind, x[train_idx], y[train_idx], K, args.epochs,
                      best[1])
        res = scores(predict(model, kind, x[test_idx]), y[test_idx], groups)
        res.update(weight_decay=best[1], val_top1=round(100 * best[0], 1),
                   train_clips=len(train_idx), test_clips=len(test_idx),
                   chance=round(100 / K, 1),
                   seconds=round(time.time() - t1))
        results[probe] = res
        print(json.dumps(dict(probe=probe, **res)), flush=True)
    if args.out:
        os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
        with open(args.out, 'w', encoding='utf-8') as f:
            json.dump(dict(protocol=args.protocol, epochs=args.epochs,
                           results=results), f, indent=1)


if __name__ == '__main__':
    main()
