# [listing py-script]
# /// script
# requires-python = ">=3.9"
# dependencies = ["torch"]
# ///
"""lr_schedules.py: the PyTorch side of lesson 3.2 (Learning Rate Scheduling).

The same runs as the C kit's lesson program, in PyTorch, so that a reader can
check the kit against PyTorch line by line. The book shows the parts between
the `[listing NAME]` markers beside the C code, and the whole file in its
appendix; `make test-book` runs this file and compares its curves with the
kit's. It needs nothing of the kit: `uv run` reads the dependencies above.

    uv run lr_schedules.py --schedule step
    uv run lr_schedules.py --schedule plateau --batch-size 10 \
        --val-every 5 --plateau-metric val
    uv run lr_schedules.py --data sine --model mlp --batch-size 10 \
        --val-every 5 --epochs 200 --lr 0.2 --schedule warmup_cosine --seed 3

It prints `epoch,lr,loss[,val_loss]`, like the lesson program with --csv.
The kit reproduces Debian's PyTorch 1.13 bit for bit; PyTorch 2.x computes
linspace slightly differently, so its losses differ in the 7th digit.
"""

from __future__ import annotations

import argparse
import math
from typing import Optional, Union

import torch
from torch import nn
from torch.optim import SGD
from torch.optim import lr_scheduler as S

Scheduler = Union[S.StepLR, S.ExponentialLR, S.ReduceLROnPlateau, S.LambdaLR]


# [listing py-data]
def make_data(n: int = 200, sine: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
    """y = 2x + 1 + noise (or sin(3x) + noise) on n points evenly spaced
    in [-1, 1]."""
    X = torch.linspace(-1, 1, n).unsqueeze(1)
    if sine:
        return X, torch.sin(3 * X) + 0.1 * torch.randn_like(X)
    y = 2 * X + 1 + 0.2 * torch.randn_like(X)
    return X, y


def make_model(mlp: bool = False, width: int = 16) -> nn.Module:
    """The line y = w x + b, or a 1-width-1 network with a tanh layer."""
    if mlp:
        return nn.Sequential(nn.Linear(1, width), nn.Tanh(), nn.Linear(width, 1))
    return nn.Linear(1, 1)


def split(X: torch.Tensor, y: torch.Tensor,
          every: int) -> tuple[torch.Tensor, ...]:
    """Every `every`-th sample (indices every-1, 2*every-1, ...) is held
    out for validation; the rest is the training set."""
    held_out = torch.arange(X.shape[0]) % every == every - 1
    return X[~held_out], y[~held_out], X[held_out], y[held_out]
# [/listing]


# [listing py-constant]
def constant(opt: SGD) -> None:
    return None  # no scheduler: every epoch uses the optimizer's lr
# [/listing]


# [listing py-step]
def step_decay(opt: SGD, step_size: int = 50,
               gamma: float = 0.1) -> S.StepLR:
    return S.StepLR(opt, step_size=step_size, gamma=gamma)
# [/listing]


# [listing py-exponential]
def exponential(opt: SGD, gamma: float = 0.95) -> S.ExponentialLR:
    return S.ExponentialLR(opt, gamma=gamma)
# [/listing]


# [listing py-plateau]
def plateau(opt: SGD, patience: int = 10,
            factor: float = 0.5) -> S.ReduceLROnPlateau:
    # No verbose=True: newer PyTorch removed the argument (TypeError).
    return S.ReduceLROnPlateau(opt, mode="min", factor=factor,
                               patience=patience, threshold=1e-4,
                               threshold_mode="rel")
# [/listing]


# [listing py-warmup-cosine]
def warmup_cosine(opt: SGD, warmup: int, total: int,
                  min_factor: float = 0.0) -> S.LambdaLR:
    def factor(e: int) -> float:
        if e < warmup:
            return (e + 1) / warmup
        if e < total:
            angle = math.pi * (e - warmup) / (total - warmup)
            cosine = (1 + math.cos(angle)) / 2
            return min_factor + (1 - min_factor) * cosine
        return min_factor
    return S.LambdaLR(opt, lr_lambda=factor)
# [/listing]


def make_scheduler(args: argparse.Namespace, opt: SGD) -> Optional[Scheduler]:
    if args.schedule == "constant":
        return constant(opt)
    if args.schedule == "step":
        gamma = args.gamma if args.gamma is not None else 0.1
        return step_decay(opt, args.step_size, gamma)
    if args.schedule == "exponential":
        gamma = args.gamma if args.gamma is not None else 0.95
        return exponential(opt, gamma)
    if args.schedule == "plateau":
        return plateau(opt, args.patience, args.factor)
    return warmup_cosine(opt, args.warmup, args.total, args.min_lr / args.lr)


Row = tuple[int, float, float, Optional[float]]


# [listing py-train]
def train(args: argparse.Namespace) -> list[Row]:
    torch.manual_seed(args.seed)  # each run: same data, same start
    X, y = make_data(args.samples, args.data == "sine")
    if args.val_every > 1:
        X_train, y_train, X_val, y_val = split(X, y, args.val_every)
    else:
        X_train, y_train, X_val, y_val = X, y, None, None
    model = make_model(args.model == "mlp", args.width)
    opt = SGD(model.parameters(), lr=args.lr)
    sched = make_scheduler(args, opt)
    loss_fn = nn.MSELoss()
    n = X_train.shape[0]
    full_batch = args.batch_size == 0 or args.batch_size >= n

    rows: list[Row] = []
    for epoch in range(args.epochs):
        lr_used: float = opt.param_groups[0]["lr"]
        order = torch.arange(n) if full_batch else torch.randperm(n)
        size = n if full_batch else args.batch_size
        batch_losses: list[float] = []
        for start in range(0, n, size):
            idx = order[start:start + size]
            if full_batch:
                xb, yb = X_train, y_train
            else:
                xb, yb = X_train[idx], y_train[idx]
            opt.zero_grad()
            loss = loss_fn(model(xb), yb)  # before this batch's update
            loss.backward()
            opt.step()
            batch_losses.append(loss.item())
        train_loss = sum(batch_losses) / len(batch_losses)
        val_loss: Optional[float] = None
        if X_val is not None:
            with torch.no_grad():  # the weights at the end of the epoch
                val_loss = loss_fn(model(X_val), y_val).item()
        rows.append((epoch, lr_used, train_loss, val_loss))

        if isinstance(sched, S.ReduceLROnPlateau):
            val = args.plateau_metric == "val"
            sched.step(val_loss if val else train_loss)
        elif sched is not None:
            sched.step()
    return rows
# [/listing]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--schedule", default="constant",
                   choices=["constant", "step", "exponential", "plateau",
                            "warmup_cosine"])
    p.add_argument("--lr", type=float, default=0.1)
    p.add_argument("--epochs", type=int, default=100)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--samples", type=int, default=200)
    p.add_argument("--step-size", type=int, default=50)
    p.add_argument("--gamma", type=float, default=None)
    p.add_argument("--patience", type=int, default=10)
    p.add_argument("--factor", type=float, default=0.5)
    p.add_argument("--warmup", type=int, default=10)
    p.add_argument("--total", type=int, default=None, help="default: --epochs")
    p.add_argument("--min-lr", type=float, default=0.0)
    p.add_argument("--batch-size", type=int, default=0)
    p.add_argument("--val-every", type=int, default=0)
    p.add_argument("--plateau-metric", default="train",
                   choices=["train", "val"])
    p.add_argument("--data", default="linear", choices=["linear", "sine"])
    p.add_argument("--model", default="linear", choices=["linear", "mlp"])
    p.add_argument("--width", type=int, default=16)
    args = p.parse_args()
    if args.total is None:
        args.total = args.epochs
    torch.set_num_threads(1)

    rows = train(args)
    with_val = rows[0][3] is not None
    print("epoch,lr,loss" + (",val_loss" if with_val else ""))
    for epoch, lr, loss, val in rows:
        print(f"{epoch},{lr!r},{loss!r}" + (f",{val!r}" if with_val else ""))


if __name__ == "__main__":
    main()
# [/listing]
