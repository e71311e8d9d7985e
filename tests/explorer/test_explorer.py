#!/usr/bin/env python3
"""test_explorer.py: the browser test of the post's live explorer (make test-explorer).

The explorer (book/explorer/) runs the kit's core, compiled to WebAssembly, in
the HTML edition. This test opens build/book/3.2.html in Debian's headless
Chromium, has the page run a list of settings through its own controls (the
URL hash #explorer={...}, see book/explorer/explorer.js), reads the curves the
page computed out of the dumped DOM, and compares them with the native
reference build's `lesson ... --csv` for the same flags: every lr, loss and
val_loss value must be the same double. WebAssembly computes the same IEEE
operations (float and double + - * / and sqrt exactly rounded; fmaf is
wasi-libc's correctly rounded software fma; the core's own tanh, sin and
log are float code; the initialisation's one pow() gives glibc's bits, as the
runs show), with one exception: cos(), which only warm-up + cosine calls (the
randn path that also calls it needs fewer than 16 samples). glibc's and musl's cos are both within an ulp of the true value but
not always the same ulp, so those rates may differ in their last bits (at
most 1e-14 relative allowed, the largest printed); the losses barely notice,
as the SGD step rounds the rate to float.

Then the page itself: the explorer replaces the static figure, pins a second curve, marks a diverging run; the embedded module holds
compiled code only and the student edition embeds the same bytes; the
explorer stays within its size budget.

Every check prints PASS or FAIL; the totals go to the summary as
"explorer PASSED FAILED". The redraw time of a 100-epoch linear run is
measured and printed, never asserted (--bench prints only that).
--shots DIR takes the screenshots (1280 and 390 px wide) of three states.
"""

from __future__ import annotations

import argparse
import base64
import csv
import html
import io
import json
import math
import re
import shutil
import struct
import subprocess
import sys
import urllib.parse
from pathlib import Path
from typing import Optional

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "book"))
import browser  # noqa: E402  (tests/book/browser.py)
from check_book import Results  # noqa: E402  (the book tests' PASS/FAIL counter)

ROOT = Path(__file__).resolve().parents[2]
SIZE_BUDGET = 200 * 1024   # bytes the explorer may add to the HTML

# Settings as the lesson program's flags (without "--"): the page sets its
# controls from them, the native program gets them as arguments.
CASES: list[dict[str, str]] = [
    {"schedule": "constant"},
    {"schedule": "constant", "lr": "1.2"},                        # past the bound: diverges
    {"schedule": "constant", "lr": "10", "epochs": "150"},        # overflows to inf, then nan
    {"schedule": "constant", "lr": "0.0003", "epochs": "30"},
    {"schedule": "step", "step-size": "20", "gamma": "0.5"},
    {"schedule": "exponential", "gamma": "0.9", "lr": "0.8"},
    {"schedule": "plateau", "lr": "0.5", "patience": "3", "threshold": "0.01"},
    {"schedule": "plateau", "batch-size": "10", "val-every": "5", "plateau-metric": "val"},
    {"schedule": "plateau", "val-every": "2", "factor": "0.2", "cooldown": "2", "min-lr": "0.01",
     "patience": "2", "threshold": "0.05", "lr": "0.9"},
    {"schedule": "warmup_cosine", "warmup": "10", "total": "100", "min-lr": "0.001"},
    {"schedule": "warmup_cosine", "warmup": "5", "total": "60", "epochs": "80", "lr": "0.7"},
    {"schedule": "warmup_cosine", "warmup": "0", "lr": "1.5", "epochs": "40"},
    {"schedule": "exponential", "batch-size": "1", "seed": "7", "epochs": "20", "lr": "0.05"},
    {"schedule": "constant", "model": "mlp", "lr": "0.05", "epochs": "60"},
    {"schedule": "plateau", "model": "mlp", "batch-size": "20", "val-every": "3", "seed": "3",
     "epochs": "80", "lr": "0.3", "patience": "4"},
    {"schedule": "warmup_cosine", "model": "mlp", "lr": "0.2", "epochs": "50", "total": "50", "warmup": "5"},
]
# Settings the lesson program refuses: the page must refuse them too.
REFUSED: list[dict[str, str]] = [
    {"schedule": "warmup_cosine", "warmup": "50", "total": "40"},
    {"schedule": "plateau", "plateau-metric": "val"},
]
# The three states of the screenshots (and of the page checks).
STATES = {
    "diverging": {"pin": {"schedule": "constant", "lr": "0.9"}, "set": {"schedule": "constant", "lr": "1.2"}},
    "plateau": {"set": {"schedule": "plateau", "batch-size": "10", "val-every": "5", "plateau-metric": "val"}},
    "pinned": {"pin": {"schedule": "step", "lr": "0.3"},
               "set": {"schedule": "warmup_cosine", "lr": "0.3", "warmup": "10", "min-lr": "0.001"}},
}


# --- the browser ---------------------------------------------------------------------------

def chromium(url: str, *extra: str) -> str:
    """Chromium's --dump-dom of url (or whatever extra asks for), with a fresh
    profile: the book tests' one way of starting it (tests/book/browser.py)."""
    return browser.run([*extra, url], timeout=180).stdout


def page_url(html_path: Path, plan: Optional[dict[str, object]] = None) -> str:
    url = html_path.resolve().as_uri()
    return url + ("#explorer=" + urllib.parse.quote(json.dumps(plan)) if plan is not None else "")


def run_plan(html_path: Path, plan: dict[str, object]) -> tuple[dict[str, object], str]:
    """The page's results for plan (explorer.js writes them into the DOM), and the DOM."""
    dom = chromium(page_url(html_path, plan), "--virtual-time-budget=60000", "--dump-dom")
    # The element the script adds at the end of the body (its source, earlier
    # in the page, names it too).
    found = re.findall(r'<pre id="lr-explorer-results" hidden="">(\{.*?)</pre>', dom, re.S)
    if not found:
        return {"ok": False, "error": "no results in the page (the explorer did not start)"}, dom
    return json.loads(html.unescape(found[-1])), dom


# --- the native reference ---------------------------------------------------------------------

def native(bin_path: Path, flags: dict[str, str]) -> subprocess.CompletedProcess[str]:
    args = [str(bin_path)]
    for flag, value in flags.items():
        args += [f"--{flag}", value]
    return subprocess.run(args + ["--csv"], capture_output=True, text=True)


def same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or a == b


def ulps(a: float, b: float) -> int:
    """How many doubles apart a and b are (both finite, same sign)."""
    ia, ib = (struct.unpack("<q", struct.pack("<d", x))[0] for x in (a, b))
    return abs(ia - ib)


def difference(expected: float, got: float) -> float:
    """The relative difference (0 for the same double; inf for nan against a number)."""
    if same(expected, got):
        return 0.0
    if math.isnan(expected) or math.isnan(got) or math.isinf(expected) or math.isinf(got):
        return math.inf
    return abs(got - expected) / (abs(expected) or 1.0)


def check_fidelity(r: Results, args: argparse.Namespace, page: dict[str, object]) -> None:
    cases = page.get("cases") or []
    r.check(len(cases) == len(CASES) + len(REFUSED), f"fidelity: the page ran all {len(CASES) + len(REFUSED)} settings",
            str(page.get("error", "")))
    values = 0
    worst = (0.0, "")
    exact_cases = 0
    cos_worst = [0, 0.0]   # warm-up + cosine: the rates' ulps, the losses' relative difference
    for flags, got in zip(CASES, cases):
        name = " ".join(f"--{k} {v}" for k, v in flags.items())
        res = native(args.bin, flags)
        if not r.check(res.returncode == 0 and "error" not in got, f"fidelity: {name}: both runs complete",
                       res.stderr.strip() or str(got.get("error"))):
            continue
        shown = {k: got["settings"].get(k) for k in flags}
        r.check(shown == flags, f"fidelity: {name}: the page's controls hold these settings", f"got {shown}")
        rows = list(csv.DictReader(io.StringIO(res.stdout)))
        columns = ["lr", "loss"] + (["val_loss"] if "val_loss" in rows[0] else [])
        mismatches = []
        lr_ulps = 0
        loss_worst = 0.0
        for col in columns:
            for e, row in enumerate(rows):
                expected, value = float(row[col]), float(got[col][e])
                values += 1
                d = difference(expected, value)
                if d == 0:
                    continue
                mismatches.append(f"epoch {e} {col}: native {row[col]} page {got[col][e]}")
                if col == "lr":
                    lr_ulps = max(lr_ulps, ulps(expected, value))
                else:
                    loss_worst = max(loss_worst, d)
                if d > worst[0]:
                    worst = (d, f"{name}, epoch {e} {col}")
        exact_cases += not mismatches
        if flags["schedule"] != "warmup_cosine":
            r.check(not mismatches, f"fidelity: {name}: {len(rows)} epochs x {len(columns)} columns, the same doubles",
                    "; ".join(mismatches[:3]))
        else:
            # The one operation that is not the same: cos() of the cosine
            # factor, glibc's natively, musl's (wasi-libc) in the page; both
            # are within an ulp of the true value, not always the same ulp.
            # Near the end of the cosine, 1 + cos(x) cancels, so one ulp of
            # cos is a few ulps of the rate: allowed up to 1e-14 relative. The
            # step rounds the rate to float, so the losses rarely notice.
            lr_rel = max([difference(float(row["lr"]), float(got["lr"][e])) for e, row in enumerate(rows)])
            cos_worst[0] = max(cos_worst[0], lr_ulps)
            cos_worst[1] = max(cos_worst[1], loss_worst)
            r.check(lr_rel <= 1e-14 and loss_worst <= 1e-6,
                    f"fidelity: {name}: {len(rows)} epochs x {len(columns)} columns, "
                    f"{len(mismatches)} values differ: rates by at most {lr_ulps} ulp (cos), "
                    f"losses by at most {loss_worst:.3g} (relative)",
                    "; ".join(mismatches[:3]))
    figure = (f"{exact_cases} of {len(CASES)} runs bit-identical, {values} values compared, "
              f"largest relative difference {worst[0]:g}" + (f" ({worst[1]})" if worst[1] else "") +
              f"; warm-up + cosine rates differ by at most {cos_worst[0]} ulp (musl's cos against glibc's), "
              f"their losses by at most {cos_worst[1]:.3g} (relative)")
    print(f"fidelity: {figure}")
    args.fidelity = figure

    # The settings the lesson program refuses.
    for flags, got in zip(REFUSED, cases[len(CASES):]):
        name = " ".join(f"--{k} {v}" for k, v in flags.items())
        res = native(args.bin, flags)
        r.check(res.returncode == 2 and "error" in got,
                f"fidelity: {name}: refused by both (lesson: {res.stderr.strip()[:60]!r}; page: {got.get('error')!r})")

    # The cases must exercise what they are there for.
    by_name = {json.dumps(f, sort_keys=True): c for f, c in zip(CASES, cases) if "error" not in c}
    def case(i: int) -> dict[str, list[str]]:
        return by_name.get(json.dumps(CASES[i], sort_keys=True), {"lr": [], "loss": []})
    losses = [float(v) for v in case(1)["loss"]]
    r.check(bool(losses) and losses[-1] > 1e3 * losses[0], "fidelity: the run past the bound diverges")
    r.check(any(math.isnan(float(v)) or math.isinf(float(v)) for v in case(2)["loss"]),
            "fidelity: lr 10 overflows (inf/nan values compared too)")
    plateau_lr = [float(v) for v in case(7)["lr"]]
    r.check(len(set(plateau_lr)) > 1, "fidelity: the plateau watching the validation loss fires")
    r.check(case(13)["loss"] != [] and len(set(case(13)["loss"])) > 1, "fidelity: the MLP trains")


# --- the page ---------------------------------------------------------------------------

def svg(dom: str, ident: str) -> str:
    m = re.search(rf'<svg id="{ident}".*?</svg>', dom, re.S)
    return m.group(0) if m else ""


def check_page(r: Results, args: argparse.Namespace) -> None:
    page, dom = run_plan(args.html, {})
    r.check(page.get("ok") is True, "page: the explorer starts from file:// (WebAssembly instantiated)",
            str(page.get("error")))
    r.check(re.search(r'<div id="lr-explorer" class="explorer">', dom) is not None,
            "page: the explorer is shown")
    r.check(re.search(r'class="explorer-fallback" hidden', dom) is not None,
            "page: the static figure is hidden once the explorer runs")
    for ident in ("ex-plot-lr", "ex-plot-loss"):
        r.check('class="ex-line ex-now"' in svg(dom, ident), f"page: {ident} draws the current run")
    r.check("stability bound" in svg(dom, "ex-plot-lr") and "L* =" in svg(dom, "ex-plot-loss"),
            "page: the stability bound and L* are marked")
    r.check("(log scale)" in svg(dom, "ex-plot-loss"), "page: the loss, spanning decades, is on a log scale")
    r.check("(log scale)" not in svg(dom, "ex-plot-lr"), "page: a constant rate (and its bound, a decade up) is on a linear scale")
    r.check(re.search(r'<figcaption id="ex-plot-loss-desc">[^<]*Training loss from', dom) is not None and
            'aria-labelledby="ex-plot-loss-desc"' in dom and 'role="status"' in dom,
            "page: the plots have text for screen readers and the status line is live")
    r.check("make run LESSON=3.2 SUBMISSION=solutions/3.2" in dom, "page: the plot's text gives the lesson command")
    labels_ok = all(re.search(rf'<label[^>]*>[^<]*<input[^>]*name="{n}"', dom) or
                    re.search(rf'<label for="(ex-{n})"', dom)
                    for n in ("epochs", "batch-size", "seed", "patience", "warmup"))
    r.check(labels_ok and re.search(r'<label for="ex-lr">', dom) is not None, "page: every control has a label")

    page, dom = run_plan(args.html, STATES["diverging"])
    loss_svg = svg(dom, "ex-plot-loss")
    r.check('class="ex-line ex-pinned"' in loss_svg and 'class="ex-line ex-now"' in loss_svg,
            "page: a pinned curve is drawn next to the current one")
    r.check('ex-escape' in loss_svg and 'ex-status ex-diverged' in dom,
            "page: the diverging run leaves the plot with a marker and the status says so")
    page, dom = run_plan(args.html, STATES["plateau"])
    r.check("(log scale)" in svg(dom, "ex-plot-lr") and "ex-now-val" in svg(dom, "ex-plot-loss"),
            "page: a plateau that fires puts the rate on a log scale; the validation loss is drawn")

    # Timing: measured, printed, never asserted.
    page, _ = run_plan(args.html, {"time": 100})
    t = page.get("redraw_ms") or {}
    args.redraw = (f"redraw of a 100-epoch linear run (the core's run + the two SVG plots + layout): "
                   f"median {t.get('median', float('nan')):.2f} ms, min {t.get('min', float('nan')):.2f}, "
                   f"max {t.get('max', float('nan')):.2f} over {t.get('runs', 0)} redraws")
    print(f"timing: {args.redraw}")


# --- the files ---------------------------------------------------------------------------

def wasm_sections(data: bytes) -> list[int]:
    """The section ids of a WebAssembly module (0: a custom section, such as names or debug info)."""
    ids = []
    pos = 8
    while pos < len(data):
        ids.append(data[pos])
        pos += 1
        size = shift = 0
        while True:
            byte = data[pos]
            pos += 1
            size |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                break
        pos += size
    return ids


def check_files(r: Results, args: argparse.Namespace) -> None:
    fragment = args.fragment.read_bytes()
    full = args.html.read_text()
    student = args.student_html.read_text()
    wasm = args.wasm.read_bytes()
    size = len(fragment)
    args.size = f"the explorer adds {size} bytes ({size / 1024:.1f} KiB; the module {len(wasm)} bytes, base64 in the page)"
    print(f"size: {args.size}")
    r.check(size <= SIZE_BUDGET, f"files: the explorer ({size} bytes) fits its budget of {SIZE_BUDGET} bytes")
    r.check(wasm[:4] == b"\0asm" and 0 not in wasm_sections(wasm),
            "files: the module holds compiled code only (no custom sections: no names, no debug info, no source)")
    text = fragment.decode()
    js = Path(ROOT / "book/explorer/explorer.js").read_text()
    module = base64.b64encode(wasm).decode()
    r.check(all(module in page and js in page for page in (full, student)),
            "files: both HTML editions embed the explorer's script and the same module")
    r.check(re.search(r"\b(fetch|XMLHttpRequest|WebSocket|EventSource|importScripts|import)\s*\(", js) is None and
            re.search(r"<(script|link|img)\b[^>]*\b(src|href)=", text) is None,
            "files: the explorer loads nothing (no fetch, no external script)")
    reference = (ROOT / "solutions/3.2/schedulers.c").read_text().splitlines()
    telling = [l.strip() for l in reference if len(l.strip()) > 25 and not l.strip().startswith(("/*", "*", "//"))]
    leaked = [l for l in telling if l in text]
    r.check(bool(telling) and not leaked, "files: no line of the reference schedulers' source is in the explorer",
            f"found: {leaked[:2]}")


# --- screenshots ---------------------------------------------------------------------------

def shots(args: argparse.Namespace, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for width, height in ((1280, 1250), (390, 2100)):
        for name, plan in STATES.items():
            path = out / f"{name}-{width}.png"
            chromium(page_url(args.html, dict(plan, solo=1)), "--virtual-time-budget=10000",
                     f"--window-size={width},{height}", f"--screenshot={path}")
            print(f"shot: {path}")


def main() -> int:
    p = argparse.ArgumentParser(description="the browser test of the post's explorer")
    p.add_argument("--html", type=Path, required=True)
    p.add_argument("--student-html", type=Path, required=True)
    p.add_argument("--fragment", type=Path, required=True)
    p.add_argument("--wasm", type=Path, required=True)
    p.add_argument("--bin", type=Path, required=True)
    p.add_argument("--summary")
    p.add_argument("--bench", action="store_true", help="print the redraw time only")
    p.add_argument("--shots", type=Path, help="write screenshots into this folder")
    args = p.parse_args()
    if shutil.which("chromium") is None:
        print("test-explorer: no chromium (scripts/deps.sh book installs it)", file=sys.stderr)
        return 2
    if args.shots:
        shots(args, args.shots)
        return 0
    if args.bench:
        page, _ = run_plan(args.html, {"time": 200})
        t = page.get("redraw_ms") or {}
        print(f"bench-explorer: redraw of a 100-epoch linear run in headless Chromium (the core's run, "
              f"the two SVG plots, layout): median {t.get('median', float('nan')):.2f} ms, "
              f"min {t.get('min', float('nan')):.2f}, max {t.get('max', float('nan')):.2f}, {t.get('runs', 0)} redraws")
        return 0

    r = Results()
    page, _ = run_plan(args.html, {"cases": CASES + REFUSED})
    for name, step in (("files", lambda: check_files(r, args)),
                       ("fidelity", lambda: check_fidelity(r, args, page)),
                       ("page", lambda: check_page(r, args))):
        try:
            step()
        except Exception as e:  # a crashing check is a failing check, with its reason
            r.check(False, f"{name}: the checks ran", f"{type(e).__name__}: {e}")
    print(f"test-explorer: {r.passed} passed, {r.failed} failed")
    if args.summary:
        Path(args.summary).parent.mkdir(parents=True, exist_ok=True)
        with open(args.summary, "a") as f:
            f.write(f"explorer {r.passed} {r.failed}\n")
    return 1 if r.failed else 0


if __name__ == "__main__":
    sys.exit(main())
