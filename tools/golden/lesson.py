#!/usr/bin/python3
"""Golden data for lesson 3.2 (schedulers, lesson program, graders), from real PyTorch.

Run with Debian's interpreter (the one that has torch 1.13):

    /usr/bin/python3 tools/golden/lesson.py

It rewrites tests/golden/3.2/. Every expected number comes from torch itself:
the training curves from the program of docs/pytorch-reference-program.md
(extended with the lesson program's book flags), the lr sequences from
torch.optim.lr_scheduler stepped on a dummy optimizer. Float32 losses are
written as repr() of their exact double, lr values as repr() of the double.

Files:
  cases.csv         one row per case: id, kind, the lesson program's flags
                    (args) and each setting as its own column, the grader test
                    that uses it (empty: fidelity only), and for plateau runs
                    the smallest relative margin of an improvement decision
  curve/ID.csv      kind curve: epoch,lr,loss[,val_loss] (lesson --csv)
  replay/ID.csv     kind replay: epoch,metric,lr (lesson --metrics FILE); for
                    schedules that ignore the metric the metric column is 0;
                    then torch's state at the start of the epoch: last_epoch,
                    best, num_bad_epochs, cooldown_counter (empty where the
                    scheduler has no such attribute). A case with interleave 1
                    is stepped alternately with the case before it (two
                    schedulers of one kind alive at once)
  mistakes.csv      case,hint,lr: the lr sequence (space separated) that a
                    known mistake produces on that case (every replay case and
                    every graded curve). The graders match a wrong submission
                    against these to name its mistake. They are made by the
                    buggy Python models below (torch has no bugs to order); on
                    a plateau curve the buggy model sets the rate of a real
                    torch training run, whose losses it then watches. Only
                    kept when they differ from torch's sequence.
  meta.csv          torch package, CPU capability, threads, script
"""

import math
import os
import re
import shutil
import sys
import warnings

import torch
from torch import nn
from torch.optim import SGD, lr_scheduler as S

sys.dont_write_bytecode = True   # no __pycache__ next to the scripts
import goldenlib  # noqa: E402  (sets torch.set_num_threads(1))
# Stepping a scheduler on an optimizer that never stepped (the lr-only
# sequences) makes torch warn; the warning does not change any number.
warnings.filterwarnings("ignore", message=re.escape("Detected call of `lr_scheduler.step()`"))

OUT = goldenlib.golden_dir("3.2")

# The lesson program's defaults (the post's values); cases list what differs.
DEFAULTS = dict(schedule="constant", lr=0.1, epochs=100, seed=0, samples=200,
                step_size=50, gamma=None, mode="min", factor=0.5, patience=10,
                threshold=1e-4, threshold_mode="rel", cooldown=0, min_lr=0.0, eps=1e-8,
                warmup=10, total=None, batch_size=0, val_every=0, plateau_metric="train",
                data="linear", model="linear", width=16, momentum=0.0, interleave=0)
COLUMNS = ["id", "kind", "test", "schedule", "lr", "epochs", "seed", "samples", "step_size",
           "gamma", "mode", "factor", "patience", "threshold", "threshold_mode", "cooldown",
           "min_lr", "eps", "warmup", "total", "batch_size", "val_every", "plateau_metric",
           "data", "model", "width", "momentum", "interleave", "margin", "file", "args"]
# The scheduler's public state at the start of each epoch, as torch holds it
# (replay files; empty where the scheduler has no such attribute).
STATE = ["last_epoch", "best", "num_bad_epochs", "cooldown_counter"]


def settings(**kw):
    s = dict(DEFAULTS)
    s.update(kw)
    if s["gamma"] is None:
        s["gamma"] = 0.95 if s["schedule"] == "exponential" else 0.1
    if s["total"] is None:
        s["total"] = s["epochs"]
    return s


def args_of(s, kind):
    """The lesson program's flags for a case (every setting spelled out)."""
    a = ["--schedule", s["schedule"], "--lr", repr(s["lr"])]
    if kind == "curve":
        a += ["--epochs", str(s["epochs"]), "--seed", str(s["seed"]), "--samples", str(s["samples"])]
        if s["batch_size"]:
            a += ["--batch-size", str(s["batch_size"])]
        if s["val_every"]:
            a += ["--val-every", str(s["val_every"])]
        if s["data"] != "linear":
            a += ["--data", s["data"]]
        if s["model"] != "linear":
            a += ["--model", s["model"], "--width", str(s["width"])]
        if s["momentum"]:
            a += ["--momentum", repr(s["momentum"])]
    sch = s["schedule"]
    if sch == "step":
        a += ["--step-size", str(s["step_size"]), "--gamma", repr(s["gamma"])]
    elif sch == "exponential":
        a += ["--gamma", repr(s["gamma"])]
    elif sch == "plateau":
        a += ["--mode", s["mode"], "--factor", repr(s["factor"]), "--patience", str(s["patience"]),
              "--threshold", repr(s["threshold"]), "--threshold-mode", s["threshold_mode"],
              "--cooldown", str(s["cooldown"]), "--min-lr", repr(s["min_lr"]), "--eps", repr(s["eps"])]
        if kind == "curve" and s["val_every"]:
            a += ["--plateau-metric", s["plateau_metric"]]
    elif sch == "warmup_cosine":
        a += ["--warmup", str(s["warmup"]), "--total", str(s["total"]), "--min-lr", repr(s["min_lr"])]
    return " ".join(a)


# --------------------------------------------------------------------------
# torch: schedulers and the training program
# --------------------------------------------------------------------------

def warmup_cosine_factor(W, T, m):
    """The bonus schedule's LambdaLR factor (lessons/3.2/schedulers.h)."""
    def f(e):
        if e < W:
            return (e + 1) / W
        if e < T:
            return m + (1 - m) * (1 + math.cos(math.pi * (e - W) / (T - W))) / 2
        return m
    return f


def make_scheduler(opt, s):
    sch = s["schedule"]
    if sch == "constant":
        return None
    if sch == "step":
        return S.StepLR(opt, step_size=s["step_size"], gamma=s["gamma"])
    if sch == "exponential":
        return S.ExponentialLR(opt, gamma=s["gamma"])
    if sch == "plateau":
        return S.ReduceLROnPlateau(opt, mode=s["mode"], factor=s["factor"], patience=s["patience"],
                                   threshold=s["threshold"], threshold_mode=s["threshold_mode"],
                                   cooldown=s["cooldown"], min_lr=s["min_lr"], eps=s["eps"])
    if sch == "warmup_cosine":
        return S.LambdaLR(opt, warmup_cosine_factor(s["warmup"], s["total"], s["min_lr"] / s["lr"]))
    raise ValueError(sch)


def torch_state(sched):
    """The public state of a torch scheduler, as text per STATE field ("" when absent)."""
    def field(name):
        v = getattr(sched, name, None) if sched is not None else None
        return "" if v is None else repr(float(v)) if name == "best" else str(int(v))
    return [field(name) for name in STATE]


class TorchReplay:
    """A torch scheduler on a dummy optimizer, stepped one metric at a time."""

    def __init__(self, s):
        self.s = s
        self.opt = SGD([torch.zeros(1, requires_grad=True)], lr=s["lr"])
        self.sched = make_scheduler(self.opt, s)
        self.lrs, self.states = [], []

    def step(self, m):
        self.lrs.append(self.opt.param_groups[0]["lr"])
        self.states.append(torch_state(self.sched))
        if self.s["schedule"] == "plateau":
            self.sched.step(m)
        elif self.sched is not None:
            self.sched.step()


def torch_replays(runs):
    """Replays [(settings, metrics)] stepped alternately, epoch by epoch (one
    run: alone); returns each run's (lrs, states)."""
    replays = [TorchReplay(s) for s, _ in runs]
    for e in range(max(len(m) for _, m in runs)):
        for r, (_, metrics) in zip(replays, runs):
            if e < len(metrics):
                r.step(metrics[e])
    return [(r.lrs, r.states) for r in replays]


def torch_lrs(s, metrics):
    """The lr in effect for each metric, stepping a torch scheduler on a dummy optimizer."""
    return torch_replays([(s, metrics)])[0][0]


def curve(s, plateau_bug=None):
    """The reference program (docs/pytorch-reference-program.md) with the book's flags.

    Returns rows (epoch, lr, loss[, val_loss]) and, for plateau runs, the
    metrics its scheduler was stepped with. With plateau_bug (a plateau run)
    PlateauModel(s, plateau_bug) sets the rate instead of torch's scheduler:
    a wrong ReduceLROnPlateau changes the losses it then watches, so its
    rates on a training curve are only known by training with it."""
    torch.manual_seed(s["seed"])
    n = s["samples"]
    X = torch.linspace(-1, 1, n).unsqueeze(1)
    if s["data"] == "linear":
        y = 2 * X + 1 + 0.2 * torch.randn_like(X)
    else:
        y = torch.sin(3 * X) + 0.1 * torch.randn_like(X)
    k = s["val_every"]
    if k > 1:
        is_val = torch.arange(n) % k == k - 1
        Xt, yt, Xv, yv = X[~is_val], y[~is_val], X[is_val], y[is_val]
    else:
        Xt, yt, Xv, yv = X, y, None, None
    if s["model"] == "linear":
        model = nn.Linear(1, 1)
    else:
        model = nn.Sequential(nn.Linear(1, s["width"]), nn.Tanh(), nn.Linear(s["width"], 1))
    opt = SGD(model.parameters(), lr=s["lr"], momentum=s["momentum"])
    sched = make_scheduler(opt, s)
    buggy = PlateauModel(s, plateau_bug) if plateau_bug else None
    mse = nn.MSELoss()
    n_train = Xt.shape[0]
    B = s["batch_size"]
    rows, metrics = [], []
    for epoch in range(s["epochs"]):
        lr_used = opt.param_groups[0]["lr"]
        if B == 0 or B >= n_train:
            batches = [None]
        else:
            perm = torch.randperm(n_train)
            batches = [perm[i:i + B] for i in range(0, n_train, B)]
        losses = []
        for idx in batches:
            xb, yb = (Xt, yt) if idx is None else (Xt[idx], yt[idx])
            opt.zero_grad()
            loss = mse(model(xb), yb)
            loss.backward()
            opt.step()
            losses.append(loss.item())      # loss before this batch's update
        train_loss = sum(losses) / len(losses)
        row = [epoch, lr_used, train_loss]
        val_loss = None
        if Xv is not None:
            with torch.no_grad():
                val_loss = mse(model(Xv), yv).item()   # weights at the end of the epoch
            row.append(val_loss)
        rows.append(row)
        if s["schedule"] == "plateau":
            metric = val_loss if (s["plateau_metric"] == "val" and val_loss is not None) else train_loss
            metrics.append(metric)
            if buggy:
                buggy.step(metric)
                opt.param_groups[0]["lr"] = buggy.lr
            else:
                sched.step(metric)
        elif sched is not None:
            sched.step()
    return rows, metrics


def plateau_margin(s, metrics):
    """Smallest relative distance between a metric and the improvement bound
    it was compared with: how far a not bit-exact core is from flipping a
    decision of ReduceLROnPlateau."""
    best = math.inf if s["mode"] == "min" else -math.inf
    margin = math.inf
    for m in metrics:
        if s["mode"] == "min":
            bound = best * (1 - s["threshold"]) if s["threshold_mode"] == "rel" else best - s["threshold"]
            better = m < bound
        else:
            bound = best * (s["threshold"] + 1) if s["threshold_mode"] == "rel" else best + s["threshold"]
            better = m > bound
        if math.isfinite(bound) and bound != 0 and m != bound:   # exact ties decide alike
            margin = min(margin, abs(m - bound) / abs(bound))
        if better:
            best = m
    return margin


# --------------------------------------------------------------------------
# Mistake models: what a known bug does to the lr sequence (hint ids are the
# graders', tests/3.2/hints.c). Each takes the settings and the metrics.
# --------------------------------------------------------------------------

def step_mistakes(s, metrics):
    E, b, g, k = len(metrics), s["lr"], s["gamma"], s["step_size"]
    def seq(f):
        return [f(e) for e in range(E)]
    def rec(decays):  # repeated multiplication at the epochs where decays(e) is true
        out, lr = [], b
        for e in range(E):
            if e > 0 and decays(e):
                lr *= g
            out.append(lr)
        return out
    return [
        ("decays-at-epoch-0", rec(lambda e: (e - 1) % k == 0)),
        ("decays-early", rec(lambda e: (e + 1) % k == 0)),
        ("decays-late", rec(lambda e: e > 1 and (e - 1) % k == 0)),
        ("decays-every-epoch", rec(lambda e: True)),
        ("closed-form-exponent", seq(lambda e: b * g ** (e / k))),
        ("multiplies-initial-lr", seq(lambda e: b * g if e >= k else b)),
        ("wrong-factor", seq(lambda e: b / g ** (e // k))),
        ("wrong-factor", seq(lambda e: b * (1 - g) ** (e // k))),
    ]


def exponential_mistakes(s, metrics):
    E, b, g = len(metrics), s["lr"], s["gamma"]
    return [
        ("decays-at-epoch-0", [b * g ** (e + 1) for e in range(E)]),
        ("decays-early", [b if e == 0 else b * g ** (e + 1) for e in range(E)]),
        ("decays-late", [b * g ** max(e - 1, 0) for e in range(E)]),
        ("multiplies-initial-lr", [b if e == 0 else b * g for e in range(E)]),
        ("wrong-factor", [b * (1 - g) ** e for e in range(E)]),
        ("wrong-factor", [b / g ** e for e in range(E)]),
    ]


class PlateauModel:
    """ReduceLROnPlateau in plain Python with one optional bug, stepped one
    metric at a time (so it can drive a training run: curve(s, bug)). With
    bug=None it must equal torch (checked in main); the bugs are the graders'
    hint ids."""

    def __init__(self, s, bug=None):
        self.s, self.bug = s, bug
        self.mode_max = s["mode"] == "max" and bug != "mode-max-inverted"
        self.rel = (s["threshold_mode"] == "rel") != (bug == "threshold-mode")
        self.thr = 0.0 if bug == "ignores-threshold" else s["threshold"]
        self.best = -math.inf if self.mode_max else math.inf
        if bug == "best-init":
            self.best = 0.0
        if bug == "mode-max-inverted" and s["mode"] == "max":
            self.best = -math.inf
        self.lr, self.bad, self.cool, self.prev = s["lr"], 0, 0, None

    def step(self, m):
        o, bug = self.s, self.bug
        ref = self.prev if (bug == "compares-previous" and self.prev is not None) else self.best
        if self.mode_max:
            bound = ref * (self.thr + 1) if self.rel else ref + self.thr
            better = m >= bound if bug == "non-strict-improvement" else m > bound
        else:
            bound = ref * (1 - self.thr) if self.rel else ref - self.thr
            better = m <= bound if bug == "non-strict-improvement" else m < bound
        self.prev = m
        if better:
            if bug != "best-not-updated":
                self.best = m
            if bug != "no-reset-on-improvement":
                self.bad = 0
        else:
            self.bad += 1
        if self.cool > 0 and bug != "ignores-cooldown" and not (bug == "cooldown-only-bad-epochs" and better):
            self.cool -= 1
            if bug != "cooldown-counts-bad":
                self.bad = 0
        limit = o["patience"] + (1 if bug == "patience-late" else 0)
        fire = self.bad >= limit if bug == "patience-ge" else self.bad > limit
        if fire:
            base = o["lr"] if bug == "multiplies-initial-lr" else self.lr
            new = base * o["factor"]
            if bug != "ignores-min-lr":
                new = max(new, o["min_lr"])
            change = new if bug == "eps-on-new-lr" else self.lr - new
            if bug == "ignores-eps" or change > o["eps"]:
                self.lr = new
            self.cool = o["cooldown"]
            if bug != "no-reset-bad-epochs":
                self.bad = 0


def plateau_model(s, metrics, bug=None):
    """The lr in effect for each metric under PlateauModel(s, bug)."""
    model = PlateauModel(s, bug)
    out = []
    for m in metrics:
        out.append(model.lr)
        model.step(m)
    return out


PLATEAU_BUGS = ["patience-ge", "patience-late", "no-reset-bad-epochs", "ignores-cooldown",
                "cooldown-counts-bad", "ignores-min-lr", "ignores-eps", "compares-previous",
                "threshold-mode", "ignores-threshold", "mode-max-inverted",
                "non-strict-improvement", "no-reset-on-improvement", "best-not-updated",
                "best-init", "multiplies-initial-lr", "eps-on-new-lr", "cooldown-only-bad-epochs"]


def plateau_mistakes(s, metrics):
    return [(bug, plateau_model(s, metrics, bug)) for bug in PLATEAU_BUGS]


def warmup_mistakes(s, metrics):
    W, T, b = s["warmup"], s["total"], s["lr"]
    m = s["min_lr"] / b
    def seq(f):
        try:
            return [b * f(e) for e in range(len(metrics))]
        except ZeroDivisionError:      # a mistake that needs a warm-up (W > 0)
            return None
    def cos_part(e, start, length):
        return m + (1 - m) * (1 + math.cos(math.pi * (e - start) / length)) / 2
    return [
        ("warmup-off-by-one", seq(lambda e: e / W if e < W else (cos_part(e, W, T - W) if e < T else m))),
        ("warmup-off-by-one", seq(lambda e: (e + 1) / W if e <= W else (cos_part(e, W, T - W) if e < T else m))),
        ("cosine-wrong-period", seq(lambda e: (e + 1) / W if e < W else (cos_part(e, W, T) if e < T else m))),
        ("cosine-wrong-period", seq(lambda e: (e + 1) / W if e < W else (cos_part(e, 0, T) if e < T else m))),
        ("no-floor-after-total", seq(lambda e: (e + 1) / W if e < W else cos_part(e, W, T - W))),
        ("warmup-ignores-min-lr", seq(lambda e: (e + 1) / W if e < W else
                                      ((1 + math.cos(math.pi * (e - W) / (T - W))) / 2 if e < T else m))),
    ]


def shared_counter_rates(runs):
    """The rates of a check's runs when the epoch counter is one file-scope
    static (state-outside-struct). The judge gives all the runs of a check to
    one runner process, in cases.csv order, a run with interleave 1 stepped
    alternately with the one before (tests/3.2/cases.c, lessons/3.2/runner.c),
    and each run is stepped once per epoch, so the static counts them all.
    runs: [(settings, epochs, interleave)] of one step or warm-up check;
    returns one lr sequence per run."""
    counter = 0
    out = [None] * len(runs)
    def stepper(s):
        state = {"lr": s["lr"]}
        if s["schedule"] == "warmup_cosine":
            f = warmup_cosine_factor(s["warmup"], s["total"], s["min_lr"] / s["lr"])
            state["lr"] = s["lr"] * f(0)
        def step(c):
            if s["schedule"] == "step":
                if c % s["step_size"] == 0:
                    state["lr"] *= s["gamma"]
            else:
                state["lr"] = s["lr"] * f(c)
        return state, step
    i = 0
    while i < len(runs):
        group = [i, i + 1] if i + 1 < len(runs) and runs[i + 1][2] else [i]
        steppers = {j: stepper(runs[j][0]) for j in group}
        seqs = {j: [] for j in group}
        for e in range(max(runs[j][1] for j in group)):
            for j in group:
                if e < runs[j][1]:
                    state, step = steppers[j]
                    seqs[j].append(state["lr"])
                    counter += 1
                    step(counter)
        for j in group:
            out[j] = seqs[j]
        i += len(group)
    return out


MISTAKES = {"step": step_mistakes, "exponential": exponential_mistakes,
            "plateau": plateau_mistakes, "warmup_cosine": warmup_mistakes}


def constant_mistakes(s, metrics):
    return [("wrong-start", [0.1 if s["lr"] != 0.1 else 0.05] * len(metrics))]


MISTAKES["constant"] = constant_mistakes


# --------------------------------------------------------------------------
# The cases
# --------------------------------------------------------------------------

def flat(n, v=1.0):
    return [v] * n


def replay_cases():
    """(id, settings, metrics): lr sequences from fixed metrics.
    Plateau metric sequences are built with clear margins (no decision closer
    than 1e-5 relative), so float and double, recursive and closed-form
    implementations all decide alike."""
    c = []
    zeros = lambda n: [0.0] * n
    # constant
    for lr in [0.1, 0.05, 1.2]:
        c.append((f"constant_lr{lr}", settings(schedule="constant", lr=lr), zeros(100)))
    # step decay: the post's values and edge cases
    c.append(("step_post", settings(schedule="step", step_size=50, gamma=0.1), zeros(200)))
    c.append(("step_s7_g0.5", settings(schedule="step", lr=0.05, step_size=7, gamma=0.5), zeros(60)))
    c.append(("step_s1_g0.9", settings(schedule="step", step_size=1, gamma=0.9), zeros(40)))
    c.append(("step_s10_g1", settings(schedule="step", step_size=10, gamma=1.0), zeros(40)))
    c.append(("step_s3_g0.3", settings(schedule="step", lr=1.0, step_size=3, gamma=0.3), zeros(30)))
    c.append(("step_s200_g0.1", settings(schedule="step", step_size=200, gamma=0.1), zeros(100)))
    c.append(("step_s2_g2", settings(schedule="step", lr=0.001, step_size=2, gamma=2.0), zeros(20)))
    # long past the first decay: 100 decays, each from the current rate
    c.append(("step_s4_g0.7_long", settings(schedule="step", lr=1.0, step_size=4, gamma=0.7), zeros(400)))
    # two StepLRs alive at once, stepped alternately: a counter kept outside
    # the struct (a file-scope static) counts both
    c.append(("step_pair_s5", settings(schedule="step", step_size=5, gamma=0.5), zeros(40)))
    c.append(("step_pair_s4_interleaved", settings(schedule="step", step_size=4, gamma=0.9, interleave=1), zeros(40)))
    # exponential
    c.append(("exponential_post", settings(schedule="exponential", gamma=0.95), zeros(200)))
    c.append(("exponential_g0.5", settings(schedule="exponential", lr=1.0, gamma=0.5), zeros(60)))
    c.append(("exponential_g1", settings(schedule="exponential", gamma=1.0), zeros(30)))
    c.append(("exponential_g1.05", settings(schedule="exponential", lr=0.01, gamma=1.05), zeros(50)))
    c.append(("exponential_g0.99", settings(schedule="exponential", lr=0.3, gamma=0.99), zeros(300)))
    # plateau
    P = lambda **kw: settings(schedule="plateau", **kw)
    dec_then_flat = [1.0 * 0.8 ** e for e in range(12)] + [0.8 ** 11 * (1 + 0.01 * (e % 3)) for e in range(38)]
    c.append(("plateau_flat_p3", P(patience=3, factor=0.5), flat(40)))
    c.append(("plateau_dec_flat_p4", P(patience=4, factor=0.5), dec_then_flat))
    # long past the first reduction: 66 cuts, until the default eps stops them
    c.append(("plateau_flat_p2_long", P(patience=2, factor=0.8), flat(200)))
    # two plateaus alive at once, stepped alternately (state outside the struct)
    c.append(("plateau_pair_p3", P(patience=3, factor=0.5), flat(30)))
    c.append(("plateau_pair_p1_c1_interleaved", P(patience=1, factor=0.5, cooldown=1, interleave=1), flat(30)))
    c.append(("plateau_flat_p0", P(patience=0, factor=0.1), flat(30)))
    c.append(("plateau_flat_p1", P(patience=1, factor=0.5), flat(25)))
    improving_every_3 = [1.0 * 0.9 ** (e // 3) for e in range(40)]
    c.append(("plateau_improve3_p2", P(patience=2, factor=0.5), improving_every_3))
    c.append(("plateau_improve3_p1", P(patience=1, factor=0.5), improving_every_3))
    c.append(("plateau_flat_p3_c2", P(patience=3, factor=0.5, cooldown=2), flat(40)))
    c.append(("plateau_flat_p1_c3", P(patience=1, factor=0.5, cooldown=3), flat(40)))
    c.append(("plateau_flat_p0_c1", P(patience=0, factor=0.5, cooldown=1), flat(20)))
    # improvements during cooldown: cooldown counts every epoch, good or bad
    c.append(("plateau_improve_in_cooldown", P(patience=1, factor=0.5, cooldown=3),
              flat(3) + [0.9, 0.8, 0.7] + flat(24, 0.7)))
    c.append(("plateau_flat_minlr", P(patience=0, factor=0.5, min_lr=0.001), flat(20)))
    c.append(("plateau_flat_minlr_p2", P(lr=1.0, patience=2, factor=0.1, min_lr=0.003), flat(30)))
    c.append(("plateau_flat_eps", P(patience=0, factor=0.1, eps=1e-3), flat(15)))
    c.append(("plateau_flat_p0_default_eps", P(patience=0, factor=0.1), flat(15)))
    # the deciding value between `old - new > eps` and `new > eps`: a small
    # cut of a rate above eps (skipped), a big cut to a rate below eps (made)
    c.append(("plateau_eps_small_cut", P(lr=0.01, patience=0, factor=0.9, eps=0.002), flat(25)))
    c.append(("plateau_eps_big_cut", P(lr=0.01, patience=1, factor=0.1, eps=0.005), flat(12)))
    oscillating = [1.0] + [1.05 if e % 2 else 1.02 for e in range(1, 40)]
    c.append(("plateau_oscillating", P(patience=3, factor=0.5), oscillating))
    slow = [1.0 * (1 - 4e-5) ** e for e in range(40)]
    c.append(("plateau_slow_rel", P(patience=3, factor=0.5, threshold=1e-4), slow))
    dips = [1.0, 0.5, 0.25] + [0.3 + 0.05 * (e % 2) for e in range(27)]
    c.append(("plateau_dips", P(patience=2, factor=0.5), dips))
    drop04 = [10.0 - 0.04 * e for e in range(40)]
    c.append(("plateau_drop_rel", P(patience=1, factor=0.5, threshold=0.01, threshold_mode="rel"), drop04))
    c.append(("plateau_drop_abs", P(patience=1, factor=0.5, threshold=0.01, threshold_mode="abs"), drop04))
    c.append(("plateau_flat_abs_thr0", P(patience=2, factor=0.5, threshold=0.0, threshold_mode="abs"), flat(20)))
    c.append(("plateau_big_threshold", P(patience=2, factor=0.5, threshold=0.1), [1.0 * 0.95 ** e for e in range(30)]))
    rising = [0.5, 0.6, 0.7, 0.75, 0.78] + [0.78 - 0.01 * (e % 2) for e in range(35)]
    c.append(("plateau_max_rising", P(mode="max", patience=3, factor=0.5), rising))
    c.append(("plateau_max_abs", P(mode="max", patience=2, factor=0.5, threshold=0.05, threshold_mode="abs"),
              [0.1 * e for e in range(10)] + [0.9 + 0.03 * (e % 2) for e in range(20)]))
    c.append(("plateau_max_flat", P(mode="max", patience=1, factor=0.2, cooldown=1), flat(20, 3.0)))
    # the sign quirk of 'rel' with negative metrics (docs/pytorch-semantics.md 1.5)
    c.append(("plateau_negflat_min_rel", P(patience=1, factor=0.5), flat(20, -1.0)))
    c.append(("plateau_negflat_max_rel", P(mode="max", patience=1, factor=0.5), flat(20, -1.0)))
    c.append(("plateau_negflat_min_abs", P(patience=1, factor=0.5, threshold_mode="abs"), flat(20, -1.0)))
    # warm-up + cosine (bonus)
    W = lambda **kw: settings(schedule="warmup_cosine", **kw)
    c.append(("warmup_w10_t100", W(warmup=10, total=100), zeros(120)))
    c.append(("warmup_w5_t40_min", W(lr=0.5, warmup=5, total=40, min_lr=0.01), zeros(50)))
    c.append(("warmup_w0_t30", W(warmup=0, total=30, min_lr=0.001), zeros(35)))
    c.append(("warmup_pair_w4_t20", W(warmup=4, total=20), zeros(30)))
    c.append(("warmup_pair_w6_t30_interleaved", W(lr=0.2, warmup=6, total=30, interleave=1), zeros(30)))
    c.append(("warmup_w1_t2", W(warmup=1, total=2), zeros(5)))
    return c


def curve_cases():
    """(id, settings): training curves. Grader checks use the ones
    whose plateau decisions have clear margins (see cases.csv margin)."""
    c = []
    # the post's demo, every schedule
    c.append(("demo_constant", settings(schedule="constant")))
    c.append(("demo_step", settings(schedule="step")))
    c.append(("demo_exponential", settings(schedule="exponential")))
    c.append(("demo_plateau", settings(schedule="plateau")))
    c.append(("demo_warmup_cosine", settings(schedule="warmup_cosine")))
    # seeds and sizes (under 16, not a multiple of 16), learning rates
    c.append(("constant_seed1_n37", settings(schedule="constant", seed=1, samples=37)))
    c.append(("constant_seed7_n10_lr0.5", settings(schedule="constant", seed=7, samples=10, lr=0.5)))
    c.append(("constant_seed2_n3", settings(schedule="constant", seed=2, samples=3, epochs=40)))
    c.append(("constant_seed0_n16", settings(schedule="constant", samples=16, epochs=50)))
    c.append(("constant_diverge_lr1.2", settings(schedule="constant", lr=1.2)))
    c.append(("constant_diverge_lr1.2_n37", settings(schedule="constant", lr=1.2, seed=3, samples=37)))
    c.append(("step_seed1_n37_s10", settings(schedule="step", seed=1, samples=37, step_size=10, gamma=0.5)))
    c.append(("step_seed42_n10_s1", settings(schedule="step", seed=42, samples=10, step_size=1, gamma=0.97, lr=0.3)))
    c.append(("step_lr1.2_s20", settings(schedule="step", lr=1.2, step_size=20, gamma=0.5)))
    c.append(("exponential_seed1_n37_g0.9", settings(schedule="exponential", seed=1, samples=37, gamma=0.9)))
    c.append(("exponential_seed5_n100_lr0.5", settings(schedule="exponential", seed=5, samples=100, lr=0.5, gamma=0.97)))
    c.append(("plateau_p2_thr0.01", settings(schedule="plateau", patience=2, threshold=0.01)))
    c.append(("plateau_p1_thr0.05_c2_min", settings(schedule="plateau", patience=1, threshold=0.05, cooldown=2, min_lr=0.01, seed=1, samples=37)))
    c.append(("plateau_p0_abs", settings(schedule="plateau", patience=0, threshold=1e-3, threshold_mode="abs", factor=0.1, samples=50, seed=4)))
    c.append(("plateau_long_p5", settings(schedule="plateau", patience=5, epochs=300)))
    c.append(("warmup_seed1_n37", settings(schedule="warmup_cosine", seed=1, samples=37, warmup=5, total=60, min_lr=0.001, lr=0.5)))
    # the book's flags: mini-batches, a validation split, the MLP, momentum
    c.append(("minibatch_constant_b16", settings(schedule="constant", batch_size=16)))
    c.append(("minibatch_step_b32", settings(schedule="step", batch_size=32, step_size=30, gamma=0.3)))
    c.append(("minibatch_n37_b8", settings(schedule="exponential", samples=37, batch_size=8, seed=2)))
    c.append(("val5_constant", settings(schedule="constant", val_every=5)))
    c.append(("val5_plateau_val", settings(schedule="plateau", val_every=5, batch_size=16, plateau_metric="val", patience=3, threshold=0.01, lr=0.05, epochs=150)))
    c.append(("val4_plateau_train", settings(schedule="plateau", val_every=4, patience=2, threshold=0.01)))
    c.append(("sine_mlp_constant", settings(schedule="constant", data="sine", model="mlp", width=16, lr=0.1, epochs=200)))
    c.append(("sine_mlp_step_mom", settings(schedule="step", data="sine", model="mlp", width=8, lr=0.05, momentum=0.9, step_size=60, gamma=0.5, epochs=200)))
    c.append(("momentum_constant", settings(schedule="constant", momentum=0.9, lr=0.05)))
    return c


def curve_mistakes(s, epochs):
    """(hint, lr sequence) of each known mistake on a training run. Only
    ReduceLROnPlateau watches the run, so only its mistakes need a training
    run each; the others' rates ignore the metric."""
    if s["schedule"] != "plateau":
        return MISTAKES[s["schedule"]](s, [0.0] * epochs)
    return [(bug, [r[1] for r in curve(s, bug)[0]]) for bug in PLATEAU_BUGS]


def mistake_rows(cid, lrs, found):
    """mistakes.csv rows of case cid: the mistakes whose sequence is not torch's."""
    rows = []
    for hint, seq in found:
        if seq is None or all(math.isclose(a, b, rel_tol=1e-9, abs_tol=0) for a, b in zip(seq, lrs)):
            continue        # this mistake does not show on this case
        rows.append([cid, hint, " ".join("%.12g" % v for v in seq)])
    return rows


def case_row(cid, kind, test, s, margin, file):
    row = dict(s)
    row.update(id=cid, kind=kind, test=test or "", margin="" if margin is None else margin,
               file=file, args=args_of(s, kind))
    return [row[k] for k in COLUMNS]


def checks_of_cases():
    """{case id: the check that grades it}, from the catalogue tests/3.2/checks.tsv."""
    import csv
    path = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                        "tests", "3.2", "checks.tsv")
    with open(path) as f:
        rows = csv.DictReader((line for line in f if not line.startswith("#")), delimiter="\t")
        check_of = {}
        for row in rows:
            for cid in row["cases"].split() if row["visibility"] == "public" else []:
                assert cid not in check_of, (cid, "in two checks")
                check_of[cid] = row["id"]
    return check_of


def golden_rates(cases):
    """(id, lr column) of every case written so far, read back from its file."""
    import csv
    for row in cases:
        r = dict(zip(COLUMNS, row))
        with open(os.path.join(OUT, r["file"])) as f:
            yield r["id"], [line["lr"] for line in csv.DictReader(f)]


def main():
    goldenlib.warn_unless_avx2("lesson.py")
    if os.path.isdir(OUT):
        shutil.rmtree(OUT)
    os.makedirs(os.path.join(OUT, "curve"))
    os.makedirs(os.path.join(OUT, "replay"))
    cases, mistakes = [], []

    check_of = checks_of_cases()
    known = {c[0] for c in replay_cases()} | {c[0] for c in curve_cases()}
    assert not set(check_of) - known, ("checks.tsv names cases nobody makes", set(check_of) - known)
    replays = [(cid, check_of.get(cid), s, m) for cid, s, m in replay_cases()]
    for i, (cid, test, s, metrics) in enumerate(replays):
        pair = [(replays[i - 1][2], replays[i - 1][3])] if s["interleave"] else []
        lrs, states = torch_replays(pair + [(s, metrics)])[-1]
        if s["schedule"] == "plateau":
            assert plateau_model(s, metrics) == lrs, cid       # the model is torch
            margin = plateau_margin(s, metrics)
            assert margin > 1e-5, (cid, margin)
        else:
            margin = None
        file = f"replay/{cid}.csv"
        goldenlib.write_csv(os.path.join(OUT, file), ["epoch", "metric", "lr"] + STATE,
                  [[e, repr(float(m)), repr(lr)] + st
                   for e, (m, lr, st) in enumerate(zip(metrics, lrs, states))])
        cases.append(case_row(cid, "replay", test, dict(s, epochs=len(metrics)), margin, file))
        mistakes += mistake_rows(cid, lrs, MISTAKES[s["schedule"]](s, metrics))
        if s["interleave"]:
            assert replays[i - 1][1] == test and replays[i - 1][2]["schedule"] == s["schedule"], cid

    for cid, s in curve_cases():
        test = check_of.get(cid)
        rows, metrics = curve(s)
        margin = plateau_margin(s, metrics) if s["schedule"] == "plateau" else None
        if test and margin is not None:
            assert margin > 1e-5, (cid, margin)
        header = ["epoch", "lr", "loss"] + (["val_loss"] if s["val_every"] > 1 else [])
        file = f"curve/{cid}.csv"
        goldenlib.write_csv(os.path.join(OUT, file), header,
                  [[r[0]] + [repr(float(v)) for v in r[1:]] for r in rows])
        cases.append(case_row(cid, "curve", test, s, margin, file))
        if test:
            lrs = [r[1] for r in rows]
            mistakes += mistake_rows(cid, lrs, curve_mistakes(s, len(rows)))

    # A counter kept in a static, for the checks of the schedules that count epochs.
    by_test = {}
    for row in cases:
        r = dict(zip(COLUMNS, row))
        if r["test"] and r["schedule"] in ("step", "warmup_cosine"):
            by_test.setdefault(r["test"], []).append(r)
    lr_of = {cid: [float(x) for x in seq] for cid, seq in golden_rates(cases)}
    for test, rows in by_test.items():
        runs = [(settings(**{k: r[k] for k in DEFAULTS if k != "epochs"}, epochs=r["epochs"]),
                 int(r["epochs"]), r["interleave"]) for r in rows]
        for r, seq in zip(rows, shared_counter_rates(runs)):
            mistakes += mistake_rows(r["id"], lr_of[r["id"]], [("state-outside-struct", seq)])

    goldenlib.write_csv(os.path.join(OUT, "cases.csv"), COLUMNS, cases)
    goldenlib.write_csv(os.path.join(OUT, "mistakes.csv"), ["case", "hint", "lr"], mistakes)
    goldenlib.write_meta(OUT, __file__)
    print(f"lesson golden: {len(cases)} cases, {len(mistakes)} mistake sequences -> {OUT}")


if __name__ == "__main__":
    main()
