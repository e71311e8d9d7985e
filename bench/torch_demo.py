#!/usr/bin/python3
"""The PyTorch side of `make bench-core`: the same demo runs as bench_core.c.

Times the reference program's loop (docs/pytorch-reference-program.md) in
PyTorch 1.13 on one thread and prints seconds per epoch; with --compare FILE
(the "name ns_per_epoch" lines bench_core wrote) it prints the ratio
torch / C next to each. No pass/fail: these are figures, not tests.

    /usr/bin/python3 bench/torch_demo.py [--epochs N] [--compare FILE]
"""
import argparse
import sys
import time

import torch
from torch import nn
from torch.optim import SGD

torch.set_num_threads(1)

DEMOS = [
    # name, model, batch size (0: full batch), data
    ("linear_full", "linear", 0, "linear"),
    ("linear_batch32", "linear", 32, "linear"),
    ("mlp16_full", "mlp", 0, "sine"),
]

# For the table printed with --compare (issue 13): what each run is, the
# speed-up over PyTorch the core aims at (a figure, never a test), and a rough
# lower bound on this kind of core, estimated, not measured:
#   linear_full   the weight gradient is one left-to-right sum of 200
#                 products (netlib's order): 200 dependent float additions,
#                 the rest is ~1,000 flops in 8-lane vectors
#   linear_batch  the same for 7 batches, plus randperm(200): 199 draws and
#                 199 divisions
#   mlp16_full    3,200 tanh of ~130 vector instructions per 8 values (SLEEF's
#                 double-float algorithm), plus ~20,000 flops
TABLE = {
    "linear_full": ("Linear(1,1), 200 samples, full batch", 150, "0.1-0.2 us"),
    "linear_batch32": ("Linear(1,1), batches of 32", 200, "0.5 us"),
    "mlp16_full": ("MLP 1-16-1 tanh, full batch", 10, "4-6 us"),
}


def duration(ns):
    """ns as the table writes it: ns below 1 us, else us with 2-3 digits."""
    if ns < 1000:
        return f"{ns:.0f} ns"
    us = ns / 1000
    return f"{us:.2f} us" if us < 10 else f"{us:.1f} us" if us < 100 else f"{us:.0f} us"


def setup(model_kind, data_kind, n=200):
    torch.manual_seed(0)
    X = torch.linspace(-1, 1, n).unsqueeze(1)
    if data_kind == "linear":
        y = 2 * X + 1 + 0.2 * torch.randn_like(X)
    else:
        y = torch.sin(3 * X) + 0.1 * torch.randn_like(X)
    if model_kind == "linear":
        model = nn.Linear(1, 1)
    else:
        model = nn.Sequential(nn.Linear(1, 16), nn.Tanh(), nn.Linear(16, 1))
    return X, y, model


def time_run(model_kind, batch, data_kind, epochs):
    """Seconds for `epochs` epochs of the reference loop (setup excluded)."""
    X, y, model = setup(model_kind, data_kind)
    opt = SGD(model.parameters(), lr=0.1)
    mse = nn.MSELoss()
    rows = []
    start = time.perf_counter()
    for epoch in range(epochs):
        lr_used = opt.param_groups[0]["lr"]
        if batch == 0:
            opt.zero_grad()
            loss = mse(model(X), y)
            loss.backward()
            opt.step()
            rows.append((epoch, lr_used, loss.item()))
        else:
            perm = torch.randperm(X.shape[0])
            losses = []
            for s in range(0, X.shape[0], batch):
                idx = perm[s:s + batch]
                opt.zero_grad()
                loss = mse(model(X[idx]), y[idx])
                loss.backward()
                opt.step()
                losses.append(loss.item())
            rows.append((epoch, lr_used, sum(losses) / len(losses)))
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--compare", metavar="FILE", help="bench_core --results output")
    args = parser.parse_args()
    c_ns = {}
    if args.compare:
        try:
            with open(args.compare) as f:
                for line in f:
                    name, ns = line.split()
                    c_ns[name] = float(ns)
        except (OSError, ValueError) as e:
            print(f"torch_demo.py: cannot read {args.compare}: {e}", file=sys.stderr)
            sys.exit(2)
    print(f"bench-core: PyTorch {torch.__version__} (one thread), {args.epochs} epochs, "
          f"best of {args.repeats} runs")
    torch_ns = {}
    for name, model_kind, batch, data_kind in DEMOS:
        best = min(time_run(model_kind, batch, data_kind, args.epochs) for _ in range(args.repeats))
        torch_ns[name] = best / args.epochs * 1e9
        line = f"  {name:<16} {torch_ns[name]:12.0f} ns/epoch"
        if name in c_ns:
            line += f"   torch / C = {torch_ns[name] / c_ns[name]:8.1f}"
        print(line)
    if c_ns:
        print()
        print("| model | C | PyTorch | torch / C | goal | rough limit |")
        print("| --- | --- | --- | --- | --- | --- |")
        for name, _, _, _ in DEMOS:
            if name not in c_ns:
                continue
            what, goal, limit = TABLE[name]
            ratio = torch_ns[name] / c_ns[name]
            reached = "reached" if ratio >= goal else "not reached"
            print(f"| {what} | {duration(c_ns[name])} | {duration(torch_ns[name])} | {ratio:.0f}x "
                  f"| {goal}x, {reached} | {limit} |")


if __name__ == "__main__":
    main()
