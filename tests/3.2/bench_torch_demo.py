#!/usr/bin/python3
"""The lesson program's default run in PyTorch (docs/pytorch-reference-program.md):
four schedules, 100 epochs, 200 samples, each re-seeded. Prints
"train_ms X" (the four trainings, best of 5) and "process_ms Y" (since the
interpreter started, import torch included). For bench-lesson only."""
import time

T_START = time.perf_counter()
import torch                                   # noqa: E402
from torch import nn                           # noqa: E402
from torch.optim import SGD, lr_scheduler as S  # noqa: E402

torch.set_num_threads(1)


def curve(schedule, seed=0, n=200, lr=0.1, epochs=100):
    torch.manual_seed(seed)
    X = torch.linspace(-1, 1, n).unsqueeze(1)
    y = 2 * X + 1 + 0.2 * torch.randn_like(X)
    model = nn.Linear(1, 1)
    opt = SGD(model.parameters(), lr=lr)
    sched = {"constant": lambda: None,
             "step": lambda: S.StepLR(opt, step_size=50, gamma=0.1),
             "exponential": lambda: S.ExponentialLR(opt, gamma=0.95),
             "plateau": lambda: S.ReduceLROnPlateau(opt, patience=10, factor=0.5)}[schedule]()
    rows = []
    for epoch in range(epochs):
        lr_used = opt.param_groups[0]["lr"]
        opt.zero_grad()
        loss = nn.MSELoss()(model(X), y)
        loss.backward()
        opt.step()
        rows.append((epoch, lr_used, loss.item()))
        if schedule == "plateau":
            sched.step(loss.item())
        elif sched is not None:
            sched.step()
    return rows


def demo():
    return [curve(s) for s in ["constant", "step", "exponential", "plateau"]]


demo()   # warm-up
best = min((lambda t0: (demo(), time.perf_counter() - t0)[1])(time.perf_counter()) for _ in range(5))
print(f"train_ms {best * 1000:.3f}")
print(f"process_ms {(time.perf_counter() - T_START) * 1000:.1f}")
