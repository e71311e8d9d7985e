#!/usr/bin/python3
"""Golden data for the kit's core (common/rng.c, common/data.c), from real PyTorch.

Run from anywhere with Debian's interpreter (the one that has torch 1.13):

    /usr/bin/python3 tools/golden/core.py

It rewrites tests/golden/core/*.csv. Every number is produced by torch itself;
float32 values are written as Python repr() of their exact double, so C's
(float)strtod(s, NULL) gives back the very bits torch produced. meta.csv
records the torch package and the CPU capability the kernels dispatched to:
randn, uniform_ and linspace differ in the last bits between AVX2 and DEFAULT
(docs/pytorch-semantics.md, 5.2), and the C core reproduces the AVX2 ones.
"""

import csv
import math
import os
import sys

import torch
from torch import nn

sys.dont_write_bytecode = True   # no __pycache__ next to the scripts
import goldenlib  # noqa: E402  (sets torch.set_num_threads(1))

REPO = goldenlib.REPO
OUT = goldenlib.golden_dir("core")
# Shared reference sample used only to cross-check this script (not copied).
SHARED = "/work/shared/reference/torch"

SEEDS = [0, 1, 42]
RANDN_SIZES = [1, 2, 3, 5, 15, 16, 17, 37, 200, 1000]  # < 16, = 16, not multiples of 16
DATA_SIZES = [200, 37, 10]


def f32(values):
    """repr() of each float32 of a tensor (its exact double)."""
    return [repr(v) for v in values.reshape(-1).tolist()]


def write(name, header, rows):
    return goldenlib.write_csv(os.path.join(OUT, name), header, rows)


# --------------------------------------------------------------------------
# The engine
# --------------------------------------------------------------------------

def random64_rows():
    """random64() outputs: the full 64-bit range random_ returns them as is.
    Seed 2**32 + 7 checks that only the low 32 bits of a seed count."""
    rows = []
    for seed, count in [(0, 650), (1, 340), (42, 340), (5489, 340), (2**32 + 7, 340)]:
        torch.manual_seed(seed)
        t = torch.empty(count, dtype=torch.int64).random_(-2**63, None)
        for k, v in enumerate(t.tolist()):
            rows.append((seed, k, v & 0xFFFFFFFFFFFFFFFF))
    return rows


# --------------------------------------------------------------------------
# Uniform, normal, randperm
# --------------------------------------------------------------------------

UNIFORM_RANGES = [
    (0.0, 1.0),
    (-1.0, 1.0),
    (-0.5, 0.5),
    (-1 / math.sqrt(3), 1 / math.sqrt(3)),   # non power-of-two ranges: FMA matters
    (-1 / math.sqrt(5), 1 / math.sqrt(5)),
    (-0.3, 0.7),
    (2.5, 3.1),
]


def uniform_rows():
    rows = []
    for seed in [0, 42]:
        for lo, hi in UNIFORM_RANGES:
            torch.manual_seed(seed)
            t = torch.empty(100).uniform_(lo, hi)
            for i, v in enumerate(f32(t)):
                rows.append((seed, repr(lo), repr(hi), 100, i, v))
    return rows


def randn_rows():
    rows = []
    for seed in SEEDS:
        for n in RANDN_SIZES:
            torch.manual_seed(seed)
            for i, v in enumerate(f32(torch.randn(n))):
                rows.append((seed, n, i, v))
    return rows


def normal_rows():
    """normal_(mean, std): the block path casts mean/std to float and fuses
    n*std + mean; the per-element path works in double."""
    rows = []
    for mean, std, n in [(0.5, 2.0, 5), (0.5, 2.0, 37), (-1.0, 0.1, 3), (-1.0, 0.1, 16)]:
        torch.manual_seed(0)
        t = torch.empty(n).normal_(mean, std)
        for i, v in enumerate(f32(t)):
            rows.append((0, repr(mean), repr(std), n, i, v))
    return rows


# A sequence of calls on one generator: the small-n sampler's cached spare
# survives the block fills in between and is used by the next small call.
SEQUENCE = [3, 20, 1, 2, 17, 1, 5]


def randn_sequence_rows():
    rows = []
    for seed in [0, 42]:
        torch.manual_seed(seed)
        for call, n in enumerate(SEQUENCE):
            for i, v in enumerate(f32(torch.randn(n))):
                rows.append((seed, call, n, i, v))
    return rows


def randperm_rows():
    rows = []
    for seed in SEEDS:
        for n in [1, 2, 5, 10, 37, 200]:
            torch.manual_seed(seed)
            for i, v in enumerate(torch.randperm(n).tolist()):
                rows.append((seed, n, i, v))
    return rows


def randperm_lesson_rows():
    """The lesson's mini-batch order: data, model, then one randperm per epoch."""
    rows = []
    for seed, n in [(0, 200), (42, 37)]:
        torch.manual_seed(seed)
        X = torch.linspace(-1, 1, n).unsqueeze(1)
        _ = 2 * X + 1 + 0.2 * torch.randn_like(X)
        nn.Linear(1, 1)
        for call in range(3):
            for i, v in enumerate(torch.randperm(n).tolist()):
                rows.append((seed, n, call, i, v))
    return rows


# --------------------------------------------------------------------------
# linspace, the datasets, nn.Linear initialisation
# --------------------------------------------------------------------------

LINSPACE_RANGES = [(-1.0, 1.0), (0.0, 1.0), (-3.0, 7.0), (0.1, 0.9), (5.0, -5.0), (-2.5, 1.3)]
LINSPACE_SIZES = [1, 2, 3, 7, 15, 16, 17, 31, 32, 33, 37, 100, 200]


def linspace_rows():
    rows = []
    cases = [(a, b, n) for a, b in LINSPACE_RANGES for n in LINSPACE_SIZES] + [(-1.0, 1.0, 1000)]
    for a, b, n in cases:
        for i, v in enumerate(f32(torch.linspace(a, b, n))):
            rows.append((repr(a), repr(b), n, i, v))
    return rows


def lesson_data(seed, n, kind):
    """The post's data exactly as the reference program builds it, plus the
    noise it drew (replayed from the saved generator state)."""
    torch.manual_seed(seed)
    X = torch.linspace(-1, 1, n).unsqueeze(1)
    state = torch.get_rng_state()
    if kind == "linear":
        y = 2 * X + 1 + 0.2 * torch.randn_like(X)
    else:
        y = torch.sin(3 * X) + 0.1 * torch.randn_like(X)
    after = torch.get_rng_state()
    torch.set_rng_state(state)
    noise = torch.randn_like(X)
    assert torch.equal(torch.get_rng_state(), after)
    model = nn.Linear(1, 1)
    return X, noise, y, model


def data_rows(kind):
    data, init = [], []
    for seed in SEEDS:
        for n in DATA_SIZES:
            X, noise, y, model = lesson_data(seed, n, kind)
            for i, (x, e, t) in enumerate(zip(f32(X), f32(noise), f32(y))):
                data.append((seed, n, i, x, e, t))
            init.append((seed, n, f32(model.weight)[0], f32(model.bias)[0]))
    return data, init


def init_shape_rows():
    """Fresh seed, then nn.Linear(in, out): weight (out, in) row-major first,
    then bias. fan_in 3 and 5 have non power-of-two bounds (FMA matters)."""
    rows = []
    for seed in [0, 1]:
        for fan_in, fan_out in [(3, 4), (16, 1), (1, 16), (5, 3), (2, 7)]:
            torch.manual_seed(seed)
            layer = nn.Linear(fan_in, fan_out)
            for name, t in [("weight", layer.weight), ("bias", layer.bias)]:
                for i, v in enumerate(f32(t.detach())):
                    rows.append((seed, fan_in, fan_out, name, i, v))
    return rows


# --------------------------------------------------------------------------
# Self-check against the shared reference sample, then write everything
# --------------------------------------------------------------------------

def cross_check(data_rows_linear, init_rows_linear):
    data_ref = os.path.join(SHARED, "data_seed0_n200.csv")
    init_ref = os.path.join(SHARED, "init_seed0_n200.csv")
    if not (os.path.exists(data_ref) and os.path.exists(init_ref)):
        print("core.py: shared reference sample not found; cross-check skipped")
        return
    ours = [(r[2], r[3], r[4], r[5]) for r in data_rows_linear if r[0] == 0 and r[1] == 200]
    with open(data_ref) as f:
        ref = [(int(r["i"]), r["x"], r["noise"], r["y"]) for r in csv.DictReader(f)]
    if [(i, float(x), float(e), float(y)) for i, x, e, y in ours] != \
       [(i, float(x), float(e), float(y)) for i, x, e, y in ref]:
        sys.exit("core.py: seed 0, n 200 data differ from " + data_ref)
    with open(init_ref) as f:
        ref_init = next(csv.DictReader(f))
    our_init = [r for r in init_rows_linear if r[0] == 0 and r[1] == 200][0]
    if (float(our_init[2]), float(our_init[3])) != (float(ref_init["weight"]), float(ref_init["bias"])):
        sys.exit("core.py: seed 0, n 200 init differs from " + init_ref)
    print("core.py: seed 0, n 200 data and init equal the shared reference sample")


def main():
    goldenlib.warn_unless_avx2("core.py")
    os.makedirs(OUT, exist_ok=True)

    linear_data, linear_init = data_rows("linear")
    sine_data, sine_init = data_rows("sine")
    cross_check(linear_data, linear_init)

    files = [
        write("random64.csv", ["seed", "k", "value"], random64_rows()),
        write("uniform.csv", ["seed", "from", "to", "n", "i", "value"], uniform_rows()),
        write("randn.csv", ["seed", "n", "i", "value"], randn_rows()),
        write("normal.csv", ["seed", "mean", "std", "n", "i", "value"], normal_rows()),
        write("randn_sequence.csv", ["seed", "call", "n", "i", "value"], randn_sequence_rows()),
        write("randperm.csv", ["seed", "n", "i", "value"], randperm_rows()),
        write("randperm_lesson.csv", ["seed", "n", "epoch", "i", "value"], randperm_lesson_rows()),
        write("linspace.csv", ["start", "end", "n", "i", "value"], linspace_rows()),
        write("data_linear.csv", ["seed", "n", "i", "x", "noise", "y"], linear_data),
        write("init_linear.csv", ["seed", "n", "weight", "bias"], linear_init),
        write("data_sine.csv", ["seed", "n", "i", "x", "noise", "y"], sine_data),
        write("init_shapes.csv", ["seed", "in", "out", "tensor", "i", "value"], init_shape_rows()),
    ]
    files.append(goldenlib.write_meta(OUT, __file__))
    total = sum(os.path.getsize(p) for p in files)
    print(f"core.py: wrote {len(files)} files to {os.path.relpath(OUT, REPO)} ({total} bytes)")


if __name__ == "__main__":
    main()
