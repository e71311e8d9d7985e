#!/usr/bin/env python3
"""book_numbers.py: the book's runs, every number the text quotes, and its claims.

One program, one evaluator. `make book` runs

    book_numbers.py build --bin LESSON_BINARY --runs book/3.2/runs \
        --claims book/3.2/claims --md book/3.2/3.2.md --work build/book/3.2

which

1. runs the lesson program once per line of the run list and keeps each
   run's CSV in WORK/data/NAME.csv (a group of runs, one per seed or per
   rate, in WORK/data/NAME/VALUE.csv plus a per-epoch summary NAME.csv);
2. computes the numbers the text quotes (per run, per group, per
   comparison, the Hessian of the data) into WORK/numbers.tsv, one
   KEY<TAB>VALUE line each, sorted;
3. evaluates every expression the text writes as {{=EXPRESSION}} and adds it
   to numbers.tsv under the key `=EXPRESSION` (whitespace removed), so that
   book/lua/numbers.lua only looks values up: expressions are evaluated
   here and nowhere else;
4. checks every claim of the claims file against those numbers into
   WORK/claims.log, and fails (exit 1, the failures on stderr) if one does
   not hold.

`book_numbers.py claims --numbers WORK/numbers.tsv --claims FILE` re-checks the
claims alone (the tests use it).

The run list (book/LESSON/runs), one entry a line, `#` starts a comment:

    set KEY VALUE            a setting of the analysis (quoted as set.KEY)
    NAME FLAGS...            one run: `lesson FLAGS --csv`
    NAME FLAGS {A..B} ...    a group: one run per value of the range
                             (integers A..B, or A..B..STEP with decimals)
    compare A B STAT         paired differences A - B of STAT over the
                             members both groups share (same seed: same
                             data, same initial weights)

Expressions (claims and {{=...}}): numbers, keys of numbers.tsv, + - * / **
(or ^), parentheses, abs exp log sqrt min max. Claims are
`ID LHS OP RHS SENTENCE`, LHS and RHS expressions without spaces, OP one
of < <= > >= == !=.

The keys, per run NAME (epochs counted from 0, as in the CSV):
  NAME.epochs, NAME.initial_loss, NAME.final_loss, NAME.min_loss,
  NAME.min_loss_epoch, NAME.tail_loss (mean over the last `tail` epochs),
  NAME.band (sd of the loss from epoch `band_from` on), NAME.reach (first
  epoch with loss <= `target`, -1: never), NAME.falls (1 if the loss falls
  in every epoch), NAME.last_gain (the last epoch that
  ReduceLROnPlateau counts as an improvement, relative threshold `gain`), NAME.initial_lr, NAME.final_lr, NAME.min_lr, NAME.lr_sum,
  NAME.gamma (lr1/lr0), NAME.first_drop, NAME.drop_factor, NAME.drops,
  NAME.drop_gap_min, NAME.drop_gap_max, NAME.growth, NAME.diverged,
  NAME.shrink_min, NAME.shrink_max (prod |1 - eta_t lambda|), NAME.excess
  (final loss - lstar), NAME.loss_at_E (the loss of epoch E, for E in the
  setting `loss_at`), and with validation the same with _val: NAME.final_val,
  NAME.min_val, NAME.tail_val, NAME.band_val, ...
Per group G and per-run statistic S: G.S.mean, G.S.sd (sample sd), G.S.min,
  G.S.max, G.S.median, G.S.argmin (the member value with the smallest S),
  G.n, G.first, G.last.
Per comparison (and data/A_vs_B.S.csv: member,diff; data/A_vs_B.curve.csv:
  per epoch, the paired difference's mean, p10 and p90 of loss and val_loss): A_vs_B.S.mean, .sd, .se (sd / sqrt n), .median, .max,
  .wins (members where A < B), .n.
From the run named `dataset` (--data-csv): samples, hessian.*, lambda_max,
  lambda_min, lr_bound = 2/lambda_max, lr_best = 2/(lambda_max+lambda_min),
  condition, lstar (the least-squares minimum of the training loss) and
  w_star, b_star. The sweep (runs sweep_*): sweep.count,
  sweep.largest_converging, sweep.smallest_diverging, and data/sweep.csv.
Settings: set.KEY; commands: cmd.NAME (a group's range shows as $VAR, the
  flag's name: --seed {0..29} is --seed $seed).
"""

from __future__ import annotations

import argparse
import ast
import csv
import math
import operator
import re
import shutil
import statistics
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

# A number, or a key (keys may hold dots and digits: sweep_0.97.initial_lr).
TOKEN = re.compile(r"(?P<num>(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)|(?P<key>[A-Za-z_][\w.]*\w|[A-Za-z_])")
RANGE = re.compile(r"^\{(-?\d+(?:\.\d+)?)\.\.(-?\d+(?:\.\d+)?)(?:\.\.(\d+(?:\.\d+)?))?\}$")
FUNCTIONS: dict[str, Callable[..., float]] = {
    "abs": abs, "exp": math.exp, "log": math.log, "sqrt": math.sqrt, "min": min, "max": max}


def fail(msg: str) -> None:
    print(f"book: {msg}", file=sys.stderr)
    sys.exit(1)


# --- the evaluator: the one place expressions are computed ---------------------------

BINARY: dict[type, Callable[[float, float], float]] = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
    ast.Div: operator.truediv, ast.Pow: operator.pow}


def evaluate(expr: str, values: dict[str, float]) -> float:
    """The value of EXPR over the numbers; KeyError names an unknown key."""
    names: dict[str, str] = {}

    def swap(m: re.Match[str]) -> str:
        key = m.group("key")
        if key is None or key in FUNCTIONS:
            return m.group(0)
        if key in FUNCTIONS:
            return key
        names[f"_k{len(names)}"] = key
        return f"_k{len(names) - 1}"

    # Keys such as sweep_0.97.initial_lr are not Python names: swap them out.
    code = TOKEN.sub(swap, expr.replace("^", "**"))
    tree = ast.parse(code, mode="eval")

    def walk(node: ast.AST) -> float:
        if isinstance(node, ast.Expression):
            return walk(node.body)
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
            return float(node.value)
        if isinstance(node, ast.Name) and node.id in names:
            key = names[node.id]
            if key not in values:
                raise KeyError(key)
            return values[key]
        if isinstance(node, ast.BinOp) and type(node.op) in BINARY:
            return BINARY[type(node.op)](walk(node.left), walk(node.right))
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            v = walk(node.operand)
            return -v if isinstance(node.op, ast.USub) else v
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                and node.func.id in FUNCTIONS and not node.keywords):
            return float(FUNCTIONS[node.func.id](*(walk(a) for a in node.args)))
        raise ValueError(f"'{ast.unparse(node)}' is not arithmetic over the numbers")

    return walk(tree)


COMPARE: dict[str, Callable[[float, float], bool]] = {
    "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
    "==": operator.eq, "!=": operator.ne}


def check_claims(values: dict[str, float], claims_path: Path) -> tuple[list[str], int]:
    """One PASS/FAIL line per claim, and the number of failures."""
    lines, failed, seen = [], 0, set()
    for no, raw in enumerate(claims_path.read_text().split("\n"), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        words = line.split(None, 4)
        if len(words) < 5:
            lines.append(f"FAIL claims line {no}: expected ID LHS OP RHS SENTENCE, got: {raw}")
            failed += 1
            continue
        cid, lhs, op, rhs, sentence = words
        if cid in seen:
            lines.append(f"FAIL claim {cid}: the ID is used twice (claims line {no}); IDs must be unique")
            failed += 1
            continue
        seen.add(cid)
        if op not in COMPARE:
            lines.append(f"FAIL claim {cid}: unknown operator '{op}' (use < <= > >= == !=)")
            failed += 1
            continue
        try:
            a, b = evaluate(lhs, values), evaluate(rhs, values)
        except KeyError as e:
            lines.append(f"FAIL claim {cid}: '{e.args[0]}' is not a number the runs produce "
                         "(see numbers.tsv); fix the claim or add the run")
            failed += 1
            continue
        except (ValueError, SyntaxError, ZeroDivisionError) as e:
            lines.append(f"FAIL claim {cid}: {e}")
            failed += 1
            continue
        if COMPARE[op](a, b):
            lines.append(f"PASS claim {cid}: {sentence}")
        else:
            lines.append(f"FAIL claim {cid}: \"{sentence}\" no longer holds: {lhs} = {a:.6g} is not "
                         f"{op} {rhs} = {b:.6g}; the runs stopped supporting this sentence: "
                         "change the text or the runs")
            failed += 1
    passed = sum(l.startswith("PASS") for l in lines)
    lines.append(f"claims: {passed} passed, {failed} failed")
    return lines, failed


def text_expressions(md: str) -> list[str]:
    """The {{=EXPRESSION[:FORMAT]}} placeholders of the text, without the format."""
    out = []
    for spec in re.findall(r"\{\{\s*=([^{}]*)\}\}", md):
        out.append(re.sub(r":\s*[-+ #0]*\d*\.?\d*[dfgeGE]\s*$", "", spec))
    return out


def expression_key(expr: str) -> str:
    """The key numbers.lua looks an expression up by: '=' and no whitespace."""
    return "=" + re.sub(r"\s+", "", expr)


# --- the run list ----------------------------------------------------------------

@dataclass
class Entry:
    name: str
    flags: list[str]
    members: list[str] = field(default_factory=list)   # group: the range's values
    var: str = ""                                       # group: the flag the range feeds


def expand(text: str) -> list[str]:
    m = RANGE.match(text)
    assert m
    a, b, step = m.group(1), m.group(2), m.group(3)
    if step is None and "." not in a + b:
        return [str(i) for i in range(int(a), int(b) + 1)]
    s = float(step or 1)
    count = int(round((float(b) - float(a)) / s)) + 1
    return ["%.10g" % round(float(a) + i * s, 10) for i in range(count)]


def read_run_list(path: Path) -> tuple[dict[str, str], list[Entry], list[tuple[str, str, str]]]:
    settings: dict[str, str] = {}
    entries: list[Entry] = []
    compares: list[tuple[str, str, str]] = []
    for raw in path.read_text().split("\n"):
        words = raw.split("#", 1)[0].split()
        if not words:
            continue
        if words[0] == "set":
            settings[words[1]] = words[2]
        elif words[0] == "compare":
            compares.append((words[1], words[2], words[3]))
        else:
            name = words[0]
            if not re.fullmatch(r"[A-Za-z0-9_.-]+", name):
                fail(f"run name '{name}' in {path}: use letters, digits, '_', '.', '-'")
            entry = Entry(name, words[1:])
            for i, w in enumerate(entry.flags):
                if RANGE.match(w):
                    entry.members = expand(w)
                    entry.var = entry.flags[i - 1].lstrip("-").replace("-", "_") if i else "value"
            entries.append(entry)
    return settings, entries, compares


def member_flags(entry: Entry, value: str) -> list[str]:
    return [value if RANGE.match(w) else w for w in entry.flags]


def shown_command(entry: Entry) -> str:
    return " ".join("$" + entry.var if RANGE.match(w) else w for w in entry.flags)


def run_lesson(binary: str, name: str, flags: list[str], out: Path) -> None:
    res = subprocess.run([binary, *flags, "--csv"], capture_output=True, text=True)
    if res.returncode != 0:
        fail(f"run '{name}' failed: lesson {' '.join(flags)} --csv\n"
             + "".join(f"book:   {l}\n" for l in res.stderr.splitlines()))
    if res.stderr:
        print(f"book: run '{name}' wrote to stderr (lesson {' '.join(flags)} --csv):", file=sys.stderr)
        print(res.stderr, file=sys.stderr, end="")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(res.stdout)


def read_columns(path: Path) -> dict[str, list[float]]:
    with path.open() as f:
        rows = list(csv.DictReader(f))
    if not rows:
        fail(f"{path}: no rows")
    return {k: [float(r[k]) if k != "split" else (1.0 if r[k] == "val" else 0.0) for r in rows]
            for k in rows[0]}


# --- numbers ------------------------------------------------------------------------

def sd(xs: list[float]) -> float:
    m = sum(xs) / len(xs)
    return math.sqrt(sum((x - m) ** 2 for x in xs) / len(xs))


def curve_stats(ys: list[float], kind: str, settings: dict[str, str], out: dict[str, float]) -> None:
    n = len(ys)
    tail = int(settings.get("tail", n))
    tail = n if tail < 1 or tail > n else tail
    start = int(settings.get("band_from", 0))
    start = 0 if start >= n else start
    lo = min(range(n), key=lambda e: ys[e])
    out[f"initial_{kind}"] = ys[0]
    out[f"final_{kind}"] = ys[-1]
    out[f"min_{kind}"] = ys[lo]
    out[f"min_{kind}_epoch"] = lo
    out[f"tail_{kind}"] = sum(ys[n - tail:]) / tail
    out["band" if kind == "loss" else f"band_{kind}"] = sd(ys[start:])
    for e in settings.get("loss_at", "").split(","):
        if e and int(e) < n:
            out[f"{kind}_at_{e}"] = ys[int(e)]


def run_stats(cols: dict[str, list[float]], settings: dict[str, str]) -> dict[str, float]:
    lr, loss = cols["lr"], cols["loss"]
    n = len(loss)
    if n < 2:
        fail(f"a run has {n} epochs; every run needs at least 2")
    s: dict[str, float] = {"epochs": n}
    curve_stats(loss, "loss", settings, s)
    if "val_loss" in cols:
        curve_stats(cols["val_loss"], "val", settings, s)
    target = float(settings.get("target", "nan"))
    s["reach"] = next((e for e in range(n) if loss[e] <= target), -1)
    s["falls"] = 1 if all(b < a for a, b in zip(loss, loss[1:])) else 0
    # The last epoch that counts as an improvement in ReduceLROnPlateau's
    # test (mode min, threshold_mode rel, threshold `gain`): its loss beats
    # `best` by the threshold, and only then does `best` move to it.
    gain = float(settings.get("gain", "1e-4"))
    best, s["last_gain"] = loss[0], 0
    for e in range(1, n):
        if loss[e] < best * (1 - gain):
            best, s["last_gain"] = loss[e], e
    drops = [e for e in range(1, n) if lr[e] < lr[e - 1]]
    gaps = [b - a for a, b in zip(drops, drops[1:])]
    first_drop = next((e for e in range(n) if lr[e] < lr[0]), -1)
    s.update(initial_lr=lr[0], final_lr=lr[-1], min_lr=min(lr), lr_sum=math.fsum(lr),
             gamma=lr[1] / lr[0] if lr[0] else 0, first_drop=first_drop,
             drop_factor=lr[first_drop] / lr[first_drop - 1] if first_drop > 0 else 1,
             drops=len(drops), drop_gap_min=min(gaps) if gaps else -1,
             drop_gap_max=max(gaps) if gaps else -1,
             growth=loss[-1] / loss[0] if loss[0] else 0, diverged=1 if loss[-1] > loss[0] else 0)
    return s


def hessian(cols: dict[str, list[float]], out: dict[str, float]) -> tuple[float, float]:
    """H = (2/n) [[sum x^2, sum x], [sum x, n]] of the training inputs, and L*."""
    train = [i for i, v in enumerate(cols.get("split", [0.0] * len(cols["x"]))) if v == 0.0]
    xs = [cols["x"][i] for i in train]
    ys = [cols["y"][i] for i in train]
    n = len(xs)
    sx, sxx = math.fsum(xs), math.fsum(x * x for x in xs)
    hww, hwb, hbb = 2 * sxx / n, 2 * sx / n, 2.0
    half, det = (hww + hbb) / 2, hww * hbb - hwb * hwb
    root = math.sqrt(half * half - det)
    lmax, lmin = half + root, half - root
    mx, my = sx / n, math.fsum(ys) / n
    w = math.fsum((x - mx) * (y - my) for x, y in zip(xs, ys)) / math.fsum((x - mx) ** 2 for x in xs)
    b = my - w * mx
    out.update({"samples": n, "hessian.sum_x": sx, "hessian.sum_xx": sxx, "hessian.ww": hww,
                "hessian.wb": hwb, "hessian.bb": hbb, "lambda_max": lmax, "lambda_min": lmin,
                "lr_bound": 2 / lmax, "lr_best": 2 / (lmax + lmin), "condition": lmax / lmin,
                "w_star": w, "b_star": b,
                "lstar": math.fsum((w * x + b - y) ** 2 for x, y in zip(xs, ys)) / n})
    return lmin, lmax


def group_stats(name: str, members: list[str], per: dict[str, dict[str, float]], out: dict[str, float]) -> None:
    out[f"{name}.n"] = len(members)
    out[f"{name}.first"] = float(members[0])
    out[f"{name}.last"] = float(members[-1])
    for stat in per[members[0]]:
        xs = [per[m][stat] for m in members]
        out[f"{name}.{stat}.mean"] = statistics.fmean(xs)
        out[f"{name}.{stat}.sd"] = statistics.stdev(xs) if len(xs) > 1 else 0.0
        out[f"{name}.{stat}.min"] = min(xs)
        out[f"{name}.{stat}.max"] = max(xs)
        out[f"{name}.{stat}.median"] = statistics.median(xs)
        out[f"{name}.{stat}.argmin"] = float(members[min(range(len(xs)), key=lambda i: xs[i])])


def percentile(xs: list[float], q: float) -> float:
    s = sorted(xs)
    pos = q * (len(s) - 1)
    lo = int(math.floor(pos))
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (pos - lo)


def write_group_summary(path: Path, runs: list[dict[str, list[float]]]) -> None:
    """epoch, lr (of the first member), and per loss column its mean over
    the members and the 10th and 90th percentiles (the figures' band)."""
    cols = [c for c in ("loss", "val_loss") if c in runs[0]]
    head = ["epoch", "lr"] + [f"{c}_{s}" for c in cols for s in ("mean", "p10", "p90")]
    lines = [",".join(head)]
    for e in range(len(runs[0]["loss"])):
        row = [str(e), "%.17g" % runs[0]["lr"][e]]
        for c in cols:
            xs = [r[c][e] for r in runs]
            row += ["%.17g" % v for v in (statistics.fmean(xs), percentile(xs, 0.1), percentile(xs, 0.9))]
        lines.append(",".join(row))
    path.write_text("\n".join(lines) + "\n")


def write_paired_curves(path: Path, runs_a: list[dict[str, list[float]]],
                        runs_b: list[dict[str, list[float]]]) -> None:
    """Per epoch, the difference A - B of each seed's losses: its mean and
    10th and 90th percentiles over the seeds (the figures' paired band)."""
    diffs = [{c: [x - y for x, y in zip(ra[c], rb[c])] for c in ("loss", "val_loss") if c in ra}
             for ra, rb in zip(runs_a, runs_b)]
    cols = list(diffs[0])
    head = ["epoch"] + [f"{c}_{s}" for c in cols for s in ("mean", "p10", "p90")]
    lines = [",".join(head)]
    for e in range(len(diffs[0]["loss"])):
        row = [str(e)]
        for c in cols:
            xs = [d[c][e] for d in diffs]
            row += ["%.17g" % v for v in (statistics.fmean(xs), percentile(xs, 0.1), percentile(xs, 0.9))]
        lines.append(",".join(row))
    path.write_text("\n".join(lines) + "\n")


def build(args: argparse.Namespace) -> int:
    work = Path(args.work)
    data = work / "data"
    shutil.rmtree(data, ignore_errors=True)
    data.mkdir(parents=True)
    if not Path(args.bin).is_file():
        fail(f"the lesson program {args.bin} is missing; make builds it (mk/lesson.mk)")
    settings, entries, compares = read_run_list(Path(args.runs))
    values: dict[str, float] = {}
    text: dict[str, str] = {f"set.{k}": v for k, v in settings.items()}
    per_run: dict[str, dict[str, float]] = {}
    per_member: dict[str, dict[str, dict[str, float]]] = {}
    curves: dict[str, dict[str, list[float]]] = {}
    group_curves: dict[str, dict[str, dict[str, list[float]]]] = {}
    lam: Optional[tuple[float, float]] = None

    for entry in entries:
        text[f"cmd.{entry.name}"] = shown_command(entry)
        if entry.members:
            runs = []
            for m in entry.members:
                path = data / entry.name / f"{m}.csv"
                run_lesson(args.bin, entry.name, member_flags(entry, m), path)
                runs.append(read_columns(path))
            write_group_summary(data / f"{entry.name}.csv", runs)
            group_curves[entry.name] = dict(zip(entry.members, runs))
            continue
        path = data / f"{entry.name}.csv"
        run_lesson(args.bin, entry.name, entry.flags, path)
        cols = read_columns(path)
        if "x" in cols and "lr" not in cols:
            lam = hessian(cols, values)
        else:
            curves[entry.name] = cols

    def with_curvature(cols: dict[str, list[float]], s: dict[str, float]) -> dict[str, float]:
        if lam:
            lmin, lmax = lam
            s["shrink_min"] = math.prod(abs(1 - eta * lmin) for eta in cols["lr"])
            s["shrink_max"] = math.prod(abs(1 - eta * lmax) for eta in cols["lr"])
            s["excess"] = s["final_loss"] - values["lstar"]
        return s

    for name, cols in curves.items():
        per_run[name] = with_curvature(cols, run_stats(cols, settings))
        values.update({f"{name}.{k}": v for k, v in per_run[name].items()})
    for name, members in group_curves.items():
        stats = {m: with_curvature(cols, run_stats(cols, settings)) for m, cols in members.items()}
        per_member[name] = stats
        group_stats(name, list(stats), stats, values)
    for a, b, stat in compares:
        if a not in per_member or b not in per_member:
            fail(f"compare {a} {b}: both must be groups of runs (a range such as --seed {{0..29}})")
        common = [m for m in per_member[a] if m in per_member[b]]
        d = [per_member[a][m][stat] - per_member[b][m][stat] for m in common]
        key = f"{a}_vs_{b}.{stat}"
        write_paired_curves(data / f"{a}_vs_{b}.curve.csv", [group_curves[a][m] for m in common],
                            [group_curves[b][m] for m in common])
        (data / f"{a}_vs_{b}.{stat}.csv").write_text(
            "member,diff\n" + "".join("%s,%.17g\n" % (m, x) for m, x in zip(common, d)))
        sdev = statistics.stdev(d) if len(d) > 1 else 0.0
        values.update({f"{key}.mean": statistics.fmean(d), f"{key}.sd": sdev,
                       f"{key}.se": sdev / math.sqrt(len(d)), f"{key}.wins": sum(x < 0 for x in d),
                       f"{key}.median": statistics.median(d), f"{key}.max": max(d),
                       f"{key}.n": len(d)})

    sweeps = sorted((per_run[n]["initial_lr"], n) for n in per_run if n.startswith("sweep_"))
    if sweeps:
        conv = [r for r, n in sweeps if per_run[n]["final_loss"] < per_run[n]["initial_loss"]]
        div = [r for r, n in sweeps if per_run[n]["final_loss"] >= per_run[n]["initial_loss"]]
        values["sweep.count"] = len(sweeps)
        if conv:
            values["sweep.largest_converging"] = max(conv)
        if div:
            values["sweep.smallest_diverging"] = min(div)
        (data / "sweep.csv").write_text("lr,final_loss,epochs\n" + "".join(
            "%.17g,%.17g,%d\n" % (r, per_run[n]["final_loss"], per_run[n]["epochs"]) for r, n in sweeps))

    for expr in text_expressions(Path(args.md).read_text()):
        try:
            values[expression_key(expr)] = evaluate(expr, values)
        except KeyError as e:
            fail(f"the text's expression {{{{={expr.strip()}}}}} names '{e.args[0]}', "
                 "which no run or setting gives (see numbers.tsv)")
        except (ValueError, SyntaxError, ZeroDivisionError) as e:
            fail(f"the text's expression {{{{={expr.strip()}}}}}: {e}")

    lines = [f"{k}\t{v}" for k, v in text.items()]
    lines += [f"{k}\t{'%d' % v if float(v).is_integer() and abs(v) < 1e15 else '%.17g' % v}"
              for k, v in values.items()]
    (work / "numbers.tsv").write_text("\n".join(sorted(lines)) + "\n")

    log, failed = check_claims({**values, **{k: float(v) for k, v in text.items() if _is_number(v)}},
                               Path(args.claims))
    (work / "claims.log").write_text("\n".join(log) + "\n")
    if failed:
        print("\n".join(l for l in log if not l.startswith("PASS")), file=sys.stderr)
        (work / "numbers.tsv").unlink()
        return 1
    return 0


def _is_number(v: str) -> bool:
    try:
        float(v)
        return True
    except ValueError:
        return False


def read_numbers(path: Path) -> dict[str, float]:
    out = {}
    for line in path.read_text().split("\n"):
        if "\t" in line:
            k, v = line.split("\t", 1)
            if _is_number(v):
                out[k] = float(v)
    return out


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="runs, numbers, expressions and claims")
    for flag in ("--bin", "--runs", "--claims", "--md", "--work"):
        b.add_argument(flag, required=True)
    c = sub.add_parser("claims", help="check the claims against a numbers.tsv")
    c.add_argument("--numbers", required=True)
    c.add_argument("--claims", required=True)
    args = p.parse_args()
    if args.command == "build":
        return build(args)
    log, failed = check_claims(read_numbers(Path(args.numbers)), Path(args.claims))
    print("\n".join(log))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
