#!/usr/bin/python3
"""Golden data for the training core (tests/golden/train/), from real PyTorch.

Run with Debian's /usr/bin/python3 and its python3-torch 1.13 (`make golden`).
Every number the core's tests compare with comes from here; nothing is typed
by hand. Floats are written with Python's repr(): lr values are exact doubles,
float32 tensors are written as their exact double (so (float)strtod() gives
the float32 bits back), and a diverged run writes 'nan', 'inf' or '-inf'.

What it writes (all CSV with a header line):
  meta.csv                      torch package, CPU capability, threads
  curves.csv                    the manifest: one row per curve file and the
                                settings that made it (read by check_train)
  curve_*.csv                   epoch,lr,loss[,val_loss]: the training runs
  data_<d>_seed<s>_n<n>.csv     i,x,y: the dataset of each run
  init_<m>_seed<s>_n<n>.csv     tensor,index,value: the initial parameters
  steps_seed<s>_n<n>_lr<lr>.csv per epoch of a linear run: parameters before
                                the update, loss, gradients (for diagnosis)
  mlp_steps_seed0_n200_w16.csv  the same for the MLP's first epochs
  perm_seed0_n200.csv           the randperm orders of a mini-batch run
  sums.csv                      torch.sum of fixed vectors (cascade order)
  colsums.csv                   x.sum(0) of fixed (rows, cols) matrices
  mse.csv                       MSELoss forward and backward on fixed vectors
  linear_cases.csv              nn.Linear forward and backward for several shapes
  sgd.csv                       torch.optim.SGD steps on fixed tensors, with and
                                without momentum
  tanh.csv                      torch.tanh on fixed values (SLEEF's tanhf)

The training loop is docs/pytorch-reference-program.md's, extended the way
common/train.h documents: mini-batches visit torch.randperm(n_train) (drawn
from the default generator, after the model's initialisation) in order, and
the recorded loss is then the mean of the batch losses: their Python floats
added left to right in double and divided by the number of batches; the
validation loss is measured with the weights at the end of the epoch.
"""
import math
import os
import sys

import torch
from torch import nn
from torch.optim import SGD

sys.dont_write_bytecode = True   # no __pycache__ next to the scripts
import goldenlib  # noqa: E402  (sets torch.set_num_threads(1))

OUT = goldenlib.golden_dir("train")


def write_csv(name, header, rows):
    goldenlib.write_csv(os.path.join(OUT, name), header, rows)


def lr_name(lr):
    return repr(float(lr))


# ---------------------------------------------------------------------------
# The runs
# ---------------------------------------------------------------------------
def make_data(kind, seed, n):
    """Re-seed and build the data exactly as data.h documents."""
    torch.manual_seed(seed)
    X = torch.linspace(-1, 1, n).unsqueeze(1)
    if kind == "linear":
        y = 2 * X + 1 + 0.2 * torch.randn_like(X)
    else:
        y = torch.sin(3 * X) + 0.1 * torch.randn_like(X)
    return X, y


def make_model(kind, width):
    if kind == "linear":
        return nn.Linear(1, 1)
    return nn.Sequential(nn.Linear(1, width), nn.Tanh(), nn.Linear(width, 1))


def run(seed, n, lr, epochs=100, batch=0, momentum=0.0, val_every=0,
        model_kind="linear", width=16, data_kind="linear", on_epoch=None, on_perm=None):
    """One training run; returns its rows and the initial state (data, params)."""
    X, y = make_data(data_kind, seed, n)
    if val_every > 1:
        is_val = torch.arange(n) % val_every == val_every - 1
        Xt, yt, Xv, yv = X[~is_val], y[~is_val], X[is_val], y[is_val]
    else:
        Xt, yt, Xv, yv = X, y, None, None
    model = make_model(model_kind, width)
    init = [(name, p.detach().clone().reshape(-1)) for name, p in model.named_parameters()]
    opt = SGD(model.parameters(), lr=lr, momentum=momentum)
    mse = nn.MSELoss()
    n_train = Xt.shape[0]
    rows = []
    for epoch in range(epochs):
        lr_used = opt.param_groups[0]["lr"]
        if batch <= 0 or batch >= n_train:
            opt.zero_grad()
            loss = mse(model(Xt), yt)
            loss.backward()
            if on_epoch is not None:
                on_epoch(epoch, model, loss)
            opt.step()
            epoch_loss = loss.item()
        else:
            perm = torch.randperm(n_train)
            if on_perm is not None:
                on_perm(epoch, perm)
            losses = []
            for start in range(0, n_train, batch):
                idx = perm[start:start + batch]
                opt.zero_grad()
                loss = mse(model(Xt[idx]), yt[idx])
                loss.backward()
                opt.step()
                losses.append(loss.item())
            # Left to right in double, written out: Python 3.12's sum() of
            # floats compensates rounding errors and could differ in the last bit.
            total = 0.0
            for batch_loss in losses:
                total += batch_loss
            epoch_loss = total / len(losses)
        row = [epoch, lr_used, epoch_loss]
        if Xv is not None:
            with torch.no_grad():
                row.append(mse(model(Xv), yv).item())
        rows.append(row)
    return rows, (X, y), init


# ---------------------------------------------------------------------------
# Curves and the manifest
# ---------------------------------------------------------------------------
MANIFEST_HEADER = ["file", "data", "model", "width", "seed", "n", "lr", "epochs",
                   "batch_size", "momentum", "val_every"]
manifest = []
written_inputs = set()


def write_inputs(data_kind, model_kind, width, seed, n, data, init):
    """data_*.csv and init_*.csv, once per (data, model, seed, n)."""
    X, y = data
    data_file = f"data_{data_kind}_seed{seed}_n{n}.csv"
    if data_file not in written_inputs:
        written_inputs.add(data_file)
        write_csv(data_file, ["i", "x", "y"],
                  [(i, X[i, 0].item(), y[i, 0].item()) for i in range(n)])
    model_name = "linear" if model_kind == "linear" else f"mlp{width}"
    init_file = f"init_{model_name}_{data_kind}_seed{seed}_n{n}.csv"
    if init_file not in written_inputs:
        written_inputs.add(init_file)
        rows = []
        for name, values in init:
            rows += [(name, i, values[i].item()) for i in range(values.numel())]
        write_csv(init_file, ["tensor", "index", "value"], rows)


def curve(seed, n, lr, epochs=100, batch=0, momentum=0.0, val_every=0,
          model_kind="linear", width=16, data_kind="linear"):
    rows, data, init = run(seed, n, lr, epochs, batch, momentum, val_every,
                           model_kind, width, data_kind)
    parts = ["curve", data_kind, model_kind if model_kind == "linear" else f"mlp{width}",
             f"seed{seed}", f"n{n}", f"lr{lr_name(lr)}"]
    if batch:
        parts.append(f"batch{batch}")
    if momentum:
        parts.append(f"momentum{momentum!r}")
    if val_every:
        parts.append(f"val{val_every}")
    name = "_".join(parts) + ".csv"
    header = ["epoch", "lr", "loss"] + (["val_loss"] if val_every > 1 else [])
    write_csv(name, header, rows)
    write_inputs(data_kind, model_kind, width, seed, n, data, init)
    manifest.append([name, data_kind, model_kind, width, seed, n, float(lr), epochs,
                     batch, float(momentum), val_every])
    return rows


def all_curves():
    nonfinite = 0
    # Full batch, constant lr: the post's setting over seeds, sizes (under 16,
    # 5..7 where the cascade sum is not left to right, 16, not multiples of 16)
    # and rates, up to divergence (1.2 blows up, 3.0 reaches inf and nan).
    for seed in (0, 1, 42):
        for n in (200, 37, 10, 5, 7, 16):
            for lr in (0.1, 0.5, 1.2, 3.0):
                rows = curve(seed, n, lr)
                nonfinite += sum(1 for r in rows if not math.isfinite(r[2]))
    assert nonfinite > 0, "the lr 3.0 runs were meant to reach inf/nan"
    # Mini-batches (a short last batch, a last batch under 8), momentum,
    # a validation split and their combinations.
    for seed in (0, 1, 42):
        curve(seed, 200, 0.1, batch=32)
        curve(seed, 200, 0.1, momentum=0.9)
        curve(seed, 200, 0.1, val_every=5)
    curve(0, 37, 0.1, batch=8)
    curve(1, 200, 0.5, batch=50)
    curve(0, 200, 0.05, batch=32, momentum=0.9, val_every=5)
    curve(42, 37, 0.5, momentum=0.9, val_every=4)
    # The MLP on the sine data (tanh is SLEEF's in torch; the core has it too).
    curve(0, 200, 0.1, model_kind="mlp", width=16, data_kind="sine")
    curve(1, 200, 0.1, model_kind="mlp", width=16, data_kind="sine", batch=32)
    curve(42, 37, 0.1, model_kind="mlp", width=8, data_kind="sine", momentum=0.9, val_every=5)
    write_csv("curves.csv", MANIFEST_HEADER, manifest)


# ---------------------------------------------------------------------------
# Per-epoch intermediates
# ---------------------------------------------------------------------------
def linear_steps(seed, n, lr):
    rows = []

    def record(epoch, model, loss):
        rows.append((epoch, model.weight.item(), model.bias.item(), loss.item(),
                     model.weight.grad.item(), model.bias.grad.item()))

    run(seed, n, lr, on_epoch=record)
    write_csv(f"steps_seed{seed}_n{n}_lr{lr_name(lr)}.csv",
              ["epoch", "weight", "bias", "loss", "dweight", "dbias"], rows)


def mlp_steps(seed, n, width, epochs):
    rows = []

    def record(epoch, model, loss):
        for name, p in model.named_parameters():
            v, g = p.detach().reshape(-1), p.grad.reshape(-1)
            rows.extend((epoch, name, i, v[i].item(), g[i].item()) for i in range(v.numel()))
        rows.append((epoch, "loss", 0, loss.item(), 0.0))

    run(seed, n, 0.1, epochs=epochs, model_kind="mlp", width=width, data_kind="sine",
        on_epoch=record)
    write_csv(f"mlp_steps_seed{seed}_n{n}_w{width}.csv",
              ["epoch", "tensor", "index", "value", "grad"], rows)


def perms(seed, n, batch, epochs):
    rows = []

    def record(epoch, perm):
        rows.extend((epoch, i, int(perm[i])) for i in range(perm.numel()))

    run(seed, n, 0.1, epochs=epochs, batch=batch, on_perm=record)
    write_csv(f"perm_seed{seed}_n{n}.csv", ["epoch", "i", "index"], rows)


# ---------------------------------------------------------------------------
# Summation order: fixed vectors that C can rebuild exactly
# ---------------------------------------------------------------------------
def fixed_vector(count, offset=0):
    """v[i] = float32(((i*7919 mod 1000) - 500.5) / 37 * 2^(i mod 9 - 4)).

    Every step is one correctly rounded double operation (the power of two is
    exact), so C rebuilds the same float32 values; check_loss.c has the twin.
    Mixed signs and magnitudes make every summation order visible."""
    values = []
    for j in range(offset, offset + count):
        values.append(((j * 7919 % 1000) - 500.5) / 37.0 * 2.0 ** (j % 9 - 4))
    return torch.tensor(values, dtype=torch.float64).to(torch.float32)


def left_to_right(v):
    acc = torch.zeros((), dtype=torch.float32)
    for x in v:
        acc = acc + x
    return acc.item()


SUM_SIZES = list(range(0, 41)) + [63, 64, 65, 100, 127, 128, 129, 200, 255, 256, 257,
                                  511, 512, 513, 1000, 2047, 2048, 4099, 8192, 8193, 20000]
COLSUM_ROWS = (1, 3, 5, 7, 8, 37, 200, 600)
COLSUM_COLS = (2, 3, 4, 5, 7, 8, 9, 16, 31, 32, 33, 40, 75)
MSE_SIZES = (1, 2, 3, 5, 6, 7, 8, 15, 16, 17, 37, 200, 1000)
# sums.csv starts the fixed vector at index 3: there, the first 5, 6 and 7
# values sum differently in torch's order and left to right (asserted below).
SUM_OFFSET = 3


def sums():
    rows = []
    for n in SUM_SIZES:
        v = fixed_vector(n, offset=SUM_OFFSET)
        rows.append((n, torch.sum(v).item(), left_to_right(v)))
    for n in (5, 6, 7):
        assert rows[n][1] != rows[n][2], f"n={n}: the vector should tell the orders apart"
    write_csv("sums.csv", ["n", "torch_sum", "left_to_right"], rows)

    rows = []
    for r in COLSUM_ROWS:
        for c in COLSUM_COLS:
            m = fixed_vector(r * c).reshape(r, c)
            s = m.sum(0)
            rows.extend((r, c, j, s[j].item()) for j in range(c))
    write_csv("colsums.csv", ["rows", "cols", "col", "sum"], rows)

    rows = []
    for n in MSE_SIZES:
        pred = fixed_vector(n).requires_grad_()
        y = fixed_vector(n, offset=1000)
        loss = nn.MSELoss()(pred, y)
        loss.backward()
        rows.extend((n, i, loss.item(), pred.grad[i].item()) for i in range(n))
    write_csv("mse.csv", ["n", "i", "loss", "dpred"], rows)


def linear_cases():
    """nn.Linear(in, out) on (n, in) inputs: output, then backward of a fixed
    dout: dweight, dbias, dx. Shapes cover the BLAS paths (in or out = 1, both
    > 1) and the column-sum paths (out < 8, >= 8, >= 32). Case 0 is chosen by
    hand to tell apart "bias added last" from "bias first": x = (1, 2^-24),
    w = (1, 1), b = -1."""
    rows = []
    cases = [(3, 2, 1, True), (5, 3, 2, False), (37, 1, 16, False), (37, 16, 1, False),
             (70, 1, 40, False), (20, 16, 5, False), (9, 4, 40, False)]
    for case, (n, fan_in, fan_out, special) in enumerate(cases):
        layer = nn.Linear(fan_in, fan_out)
        if special:
            x = torch.tensor([[1.0, 2.0 ** -24]] * n)
            with torch.no_grad():
                layer.weight.copy_(torch.ones(fan_out, fan_in))
                layer.bias.fill_(-1.0)
        else:
            x = fixed_vector(n * fan_in, offset=100).reshape(n, fan_in)
            with torch.no_grad():
                layer.weight.copy_(fixed_vector(fan_out * fan_in, offset=200).reshape(fan_out, fan_in) / 8)
                layer.bias.copy_(fixed_vector(fan_out, offset=300))
        x.requires_grad_()
        dout = fixed_vector(n * fan_out, offset=400).reshape(n, fan_out) / 16
        out = layer(x)
        out.backward(dout)
        tensors = [("x", x.detach()), ("weight", layer.weight.detach()), ("bias", layer.bias.detach()),
                   ("dout", dout), ("out", out.detach()), ("dweight", layer.weight.grad),
                   ("dbias", layer.bias.grad), ("dx", x.grad)]
        for name, t in tensors:
            flat = t.reshape(-1)
            rows.extend((case, n, fan_in, fan_out, name, i, flat[i].item()) for i in range(flat.numel()))
    write_csv("linear_cases.csv", ["case", "n", "in", "out", "tensor", "index", "value"], rows)


def sgd_steps():
    """SGD on one 67-float parameter (8-lane vectors plus a scalar tail of 3)
    with fixed gradients, step by step: the parameter (and the momentum
    buffer) after every step; step -1 is the start."""
    rows = []
    n = 67
    for case, (momentum, lr, steps) in enumerate([(0.0, 0.1, 3), (0.0, 1.7, 2), (0.9, 0.05, 4),
                                                   (0.5, 0.3, 3)]):
        p = nn.Parameter(fixed_vector(n, offset=500) / 4)
        opt = SGD([p], lr=lr, momentum=momentum)
        rows.extend((case, momentum, lr, -1, "param", i, p[i].item()) for i in range(n))
        for step in range(steps):
            opt.zero_grad()
            p.grad = fixed_vector(n, offset=600 + n * step) / 8
            rows.extend((case, momentum, lr, step, "grad", i, p.grad[i].item()) for i in range(n))
            opt.step()
            rows.extend((case, momentum, lr, step, "param", i, p[i].item()) for i in range(n))
            if momentum:
                buf = opt.state[p]["momentum_buffer"]
                rows.extend((case, momentum, lr, step, "buf", i, buf[i].item()) for i in range(n))
    write_csv("sgd.csv", ["case", "momentum", "lr", "step", "tensor", "index", "value"], rows)


def tanh_values():
    """x, torch.tanh(x): the fixed vector at several scales (tiny, around 1,
    past 8.66 where tanh is 1 in float) and the special values."""
    v = fixed_vector(600, offset=700)
    x = torch.cat([v / 64, v / 4, v, torch.tensor([0.0, -0.0, 8.664339742, 8.6643405, 9.0, -20.0,
                                                     1e-30, -1e-38, float("inf"), float("-inf"),
                                                     float("nan")])])
    t = torch.tanh(x)
    write_csv("tanh.csv", ["x", "tanh"], [(x[i].item(), t[i].item()) for i in range(x.numel())])


# This script's meta.csv names its keys its own way (no reader depends on the
# names); they stay so that regenerating gives the same bytes.
META_KEYS = [("generator", "script"), ("python3-torch", "torch_package"),
             ("torch.__version__", "torch_version"), ("cpu_capability", "cpu_capability"),
             ("threads", "num_threads"), ("python", "python")]


def meta():
    goldenlib.write_meta(OUT, __file__, META_KEYS)


def main():
    goldenlib.warn_unless_avx2("train.py")
    os.makedirs(OUT, exist_ok=True)
    for name in os.listdir(OUT):
        if name.endswith(".csv"):
            os.remove(os.path.join(OUT, name))
    meta()
    all_curves()
    linear_steps(0, 37, 0.1)
    linear_steps(1, 5, 0.5)
    linear_steps(42, 200, 1.2)
    linear_steps(0, 7, 3.0)
    mlp_steps(0, 200, 16, 5)
    perms(0, 200, 32, 3)
    sums()
    linear_cases()
    sgd_steps()
    tanh_values()
    total = sum(os.path.getsize(os.path.join(OUT, f)) for f in os.listdir(OUT))
    print(f"golden/train: {len(os.listdir(OUT))} files, {total} bytes in {os.path.relpath(OUT)}")


if __name__ == "__main__":
    main()
