#!/usr/bin/env python3
"""check_book.py: the tests of the lesson's book (make test-book).

Run after `make book-files` has built the book. Every check prints one line,
PASS or FAIL (with what to fix), or SKIP with the reason; the totals go to
the test summary as "book PASSED FAILED". Exit status 1 if anything failed.

Checks, in order:
  lint      the Markdown: sections present and in order, 1-4 exercises each
            with a solution listing, no HTML tags, $ and $$ balanced, every
            claim and figure wired up, typed Python, uv (not pip)
  listings  every listing resolves to its marker, and appears in the HTML
  failures  the filters and the build fail on a missing marker, a missing
            file, an unknown placeholder, an unknown claim, a false claim
  numbers   every placeholder has a value, values match the runs' CSV files
  claims    every comparison the text makes holds for the runs
  html      MathML, every image embedded, nothing fetched from the network
  pdf       page count, every section heading, vector figures, fonts embedded
  student   the student edition: no line of the reference solution (a scan
            that finds every one in the full edition), every section, the
            stub and one note per withheld listing, the same numbers and
            figures as the full edition, commands that run the student's code
  browser   headless Chromium loads each edition's HTML at 1280 and 390 px:
            no element overflows (no code block, table or formula cut off,
            no sideways scroll); a control page with a too-wide element fails
  latex     the PDF's LaTeX log has no overfull line
  figures   figure text is at least 9 pt in the PDF and 9 px on a 390 px phone
  pytorch   the PyTorch listings' script reproduces the kit's runs
  repro     a second build elsewhere gives the same bytes (both editions)
"""

from __future__ import annotations

import argparse
import ast
import base64
import csv
import html
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Callable, Optional

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(Path(__file__).resolve().parent))
import browser  # noqa: E402  (headless Chromium: what overflows at a given width)
import reference_lines  # noqa: E402  (the tests' scan for the reference solution)

# The sections the series asks for, in order: (pattern on the heading, what it is).
SECTIONS: list[tuple[str, str]] = [
    (r"^Introduction\b", "a brief introduction"),
    (r"^ELI5\b", "an ELI5 explanation"),
    (r"^Mathematical foundations\b", "the mathematical foundations"),
    (r"^In depth\b", "the in-depth explanation"),
    (r"^Demonstrations\b", "demonstrations with code"),
    (r"^Exercises\b", "the exercises"),
    (r"^Summary\b", "a summary"),
    (r"^Key takeaways\b", "the key takeaways"),
    (r"^(Checklist|Quiz)", "a checklist or quiz"),
    (r"^What's next\b", "the pointer to the next lesson"),
]


class Results:
    def __init__(self) -> None:
        self.passed = 0
        self.failed = 0

    def check(self, ok: bool, what: str, fix: str = "") -> bool:
        if ok:
            self.passed += 1
            print(f"PASS {what}")
        else:
            self.failed += 1
            print(f"FAIL {what}" + (f": {fix}" if fix else ""))
        return ok

    def skip(self, what: str, why: str) -> None:
        print(f"SKIP {what}: {why}")


def run(cmd: list[str], **kw: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, cwd=ROOT, text=True, capture_output=True, **kw)  # type: ignore[call-overload]


# --- the Markdown ------------------------------------------------------------------

def strip_front_matter(text: str) -> str:
    if text.startswith("---\n"):
        end = text.index("\n---\n", 4)
        return "\n" * text[: end + 5].count("\n") + text[end + 5:]
    return text


def split_fences(text: str) -> tuple[str, list[str]]:
    """The prose with fenced code blocks blanked out, and the code blocks' headers."""
    prose, headers, in_fence, fence = [], [], False, ""
    for line in text.split("\n"):
        m = re.match(r"^(`{3,}|~{3,})(.*)$", line)
        if not in_fence and m:
            in_fence, fence = True, m.group(1)
            headers.append(m.group(2).strip())
            prose.append("")
        elif in_fence and line.startswith(fence) and line.strip() == fence:
            in_fence = False
            prose.append("")
        else:
            prose.append("" if in_fence else line)
    return "\n".join(prose), headers


def headings(prose: str) -> list[tuple[int, str]]:
    out = []
    for line in prose.split("\n"):
        m = re.match(r"^(#{1,6})\s+(.*?)\s*(\{.*\})?\s*$", line)
        if m:
            out.append((len(m.group(1)), m.group(2)))
    return out


def include_blocks(md: str) -> list[tuple[str, str]]:
    """(file, marker) of every ```{... include="F" listing="N"} block."""
    return re.findall(r'include="([^"]+)"\s+listing="([^"]+)"', md)


def marker_region(path: Path, name: str) -> Optional[list[str]]:
    """The lines of listing `name` in path (None if absent or unclosed), found
    independently of book/lua/listing.lua."""
    lines = path.read_text().split("\n")
    open_re = re.compile(r"^\s*(//|#)\s*\[listing\s+([\w.\-]+)\]\s*$")
    close_re = re.compile(r"^\s*(//|#)\s*\[/listing\]\s*$")
    starts = [i for i, l in enumerate(lines) if (m := open_re.match(l)) and m.group(2) == name]
    if len(starts) != 1:
        return None
    depth, body = 1, []
    for line in lines[starts[0] + 1:]:
        if open_re.match(line):
            depth += 1
        elif close_re.match(line):
            depth -= 1
            if depth == 0:
                return body
        else:
            body.append(line)
    return None


# Sections that report runs, and words that compare or generalise.
RESULT_SECTIONS = r"(In depth|Demonstrations|Exercises|Summary|Key takeaways|Checklist)"
COMPARATIVE = (r"\b(lower|higher|beats?|wins?|helps?|ends|faster|slower|fires|stalls|better|worse|best"
               r"|every seed|never|always|cannot)\b")
# Sentences that compare but state a definition, a rule or what code does.
NOT_RESULTS = [
    r"^None of this means that no schedule can help here",                  # leads into the two-step claims
    r"^The two-step schedule of",                                            # its settings
    r"^Bottom: each seed's difference step decay minus constant rate",       # how to read a panel
    r"^\*\*The rule of this post",                                           # the rule itself
    r"^Once the validation loss sits at its noise floor",                    # PyTorch's rule, restated
    r"^The five schedules:",                                                 # their settings
    r"^Is a schedule better than simply",                                    # a question
    r"^Epoch 0 never decays",                                                # what StepLR's code does
    r"^Implement `ReduceLROnPlateau`",                                       # the exercise
    r"^It is strict, and measured from the best value",                      # what the code does
    r"^`init` starts `best` at the worst",                                   # what the code does
    r"^Whether a schedule helps depends",                                    # the summary's topic sentence
    r"^- \[ \]",                                                             # the checklist
    r"^(\d\. )?Why does `ReduceLROnPlateau\(patience=10\)` never fire",      # a quiz question
    r"^Its numbers are the page's bit for bit",                               # tests/explorer checks it
]


def comparative_sentences_without_claim(body: str) -> list[str]:
    found = []
    for sec in re.split(r"^# ", body, flags=re.M):
        if not re.match(RESULT_SECTIONS, sec):
            continue
        text = re.sub(r"```.*?```", "", sec, flags=re.S)
        text = re.sub(r"\$\$.*?\$\$", "$$", text, flags=re.S)
        text = re.sub(r"\[[^\]]*\]\{\.claim[^}]*\}", "<CLAIM>", text, flags=re.S)
        for para in re.split(r"\n\s*\n", text):
            if para.lstrip().startswith(("|", "#", ":::")):
                continue
            for sentence in re.split(r"(?<=[.!?])\s+", re.sub(r"\s+", " ", para).strip()):
                if (re.search(COMPARATIVE, sentence, re.I) and "<CLAIM>" not in sentence
                        and not any(re.match(p, sentence) for p in NOT_RESULTS)):
                    found.append(sentence[:80])
    return found


def check_lint(r: Results, md_path: Path, claims_path: Path, figures_dir: Path, py_path: Path) -> None:
    md = md_path.read_text()
    body = strip_front_matter(md)
    prose, fence_headers = split_fences(body)

    r.check(re.search(r'^title:\s*"?\S', md, re.M) is not None, "lint: the front matter has a title",
            f"add `title:` to the YAML block of {md_path}")
    r.check("Learn the Training Loop" in md, "lint: the series name 'Learn the Training Loop' appears",
            "name the series in the subtitle")

    # Sections present and in order.
    tops = [h for lvl, h in headings(prose) if lvl == 1]
    positions = []
    for pattern, what in SECTIONS:
        idx = next((i for i, h in enumerate(tops) if re.search(pattern, h)), None)
        r.check(idx is not None, f"lint: section '{what}' present",
                f"add a top-level heading matching /{pattern}/ to {md_path}")
        positions.append(idx if idx is not None else -1)
    found = [p for p in positions if p >= 0]
    r.check(found == sorted(found), "lint: sections in the series' order",
            "order: " + ", ".join(w for _, w in SECTIONS) + f"; found: {tops}")

    # Exercises: 1 to 4, each with at least one solution listing from solutions/.
    raw_sections = re.split(r"^# ", body, flags=re.M)
    ex_raw = next((s for s in raw_sections if s.startswith("Exercises")), "")
    exercises = re.split(r"^## ", ex_raw, flags=re.M)[1:]
    r.check(1 <= len(exercises) <= 4, f"lint: {len(exercises)} exercises (the series asks for 1 to 4)",
            "write between one and four `## Exercise N: ...` sections under # Exercises")
    for ex in exercises:
        title = ex.split("\n", 1)[0].strip()
        sols = [f for f, _ in include_blocks(ex) if f.startswith("solutions/")]
        r.check(bool(sols), f"lint: '{title}' shows its full solution from the reference solutions",
                'add a ```{.c include="solutions/..." listing="..."} block to the exercise')

    # No HTML tags in the Markdown (prose, with code and math taken out).
    no_code = re.sub(r"`[^`\n]*`", "", prose)
    no_math = re.sub(r"\$\$.*?\$\$", "", no_code, flags=re.S)
    no_math = re.sub(r"\$[^$\n]*\$", "", no_math)
    tags = re.findall(r"</?[A-Za-z][A-Za-z0-9-]*(\s[^<>]*)?/?>|<!--", no_math)
    tag_text = re.findall(r"(</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>|<!--)", no_math)
    r.check(not tags, "lint: no HTML tags in the Markdown", f"remove {tag_text[:3]}")

    # Math delimiters balanced: $$ in pairs, and inline $ in pairs per paragraph.
    no_code_math = re.sub(r"`[^`\n]*`", "", prose)
    r.check(no_code_math.count("$$") % 2 == 0, "lint: $$ display-math delimiters balanced",
            f"{no_code_math.count('$$')} $$ delimiters: one is unclosed")
    without_display = re.sub(r"\$\$.*?\$\$", "", no_code_math, flags=re.S)
    bad = [p.strip()[:60] for p in re.split(r"\n\s*\n", without_display)
           if len(re.findall(r"(?<!\\)\$", p)) % 2]
    r.check(not bad, "lint: inline $ math delimiters balanced in every paragraph",
            f"odd number of $ in: {bad[:2]}")

    # Claims: every claim is in the text, every mark names a claim.
    claim_ids = [l.split()[0] for l in claims_path.read_text().split("\n")
                 if l.strip() and not l.lstrip().startswith("#")]
    refs: set[str] = set()
    for m in re.finditer(r"\{\.claim ref=(?:\"([^\"]+)\"|([^\s}]+))\}", md):
        refs.update((m.group(1) or m.group(2)).replace(",", " ").split())
    missing = [c for c in claim_ids if c not in refs]
    unknown = sorted(refs - set(claim_ids))
    r.check(not missing, f"lint: every claim of {claims_path.name} is marked in the text",
            f"mark the sentence [..]{{.claim ref=ID}} or drop the claim: {missing}")
    r.check(not unknown, "lint: every claim mark names a claim", f"unknown: {unknown}")

    # Every comparative sentence about the runs carries a claim mark (and so a
    # test), unless it is one of NOT_RESULTS, which say what code or a
    # definition does, not what a run showed.
    unclaimed = comparative_sentences_without_claim(body)
    r.check(not unclaimed, "lint: every comparative sentence about the runs is marked as a claim",
            f"mark [..]{{.claim ref=ID}} (and add the claim) or rewrite: {unclaimed[:3]}")
    planted = comparative_sentences_without_claim(body + "\n# Summary\n\nStep decay ends lower than the constant.\n")
    r.check("Step decay ends lower than the constant." in planted,
            "lint: (control) an unmarked comparative sentence is caught")

    # Figures: every figure the text shows has a script; every script is shown.
    shown = set(re.findall(r"\]\(fig/([\w.-]+)\)", md))
    scripts = {p.stem for p in figures_dir.glob("*.gp")}
    r.check(shown <= scripts, "lint: every figure in the text has a gnuplot script",
            f"no {figures_dir}/NAME.gp for {sorted(shown - scripts)}")
    r.check(scripts <= shown, "lint: every gnuplot script is shown in the text",
            f"unused: {sorted(scripts - shown)}")
    r.check(len(shown) >= 5, f"lint: {len(shown)} figures (loss, lr, sweep, mini-batch, plateau at least)")

    # The PyTorch side: typed Python, installed with uv.
    r.check(re.search(r"\buv (add|run|pip)\b", body) is not None, "lint: install instructions use uv",
            "show `uv add torch` / `uv run`")
    r.check(re.search(r"(?<!uv )\bpip install\b", body) is None, "lint: no bare `pip install` (the series uses uv)")
    py_blocks = [h for h in fence_headers if re.search(r"\.python\b", h)]
    untyped_blocks = [h for h in py_blocks if "include=" not in h]
    r.check(not untyped_blocks, "lint: every Python listing comes from the typed, tested script",
            f"replace inline Python blocks with include= blocks: {untyped_blocks[:2]}")
    tree = ast.parse(py_path.read_text())
    untyped = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            args = node.args.args + node.args.kwonlyargs
            if node.returns is None or any(a.annotation is None for a in args):
                untyped.append(node.name)
    r.check(not untyped, f"lint: every function in {py_path.name} has type hints",
            f"annotate: {untyped}")
    whats_next = next((s for s in raw_sections if s.startswith("What's next")), "")
    r.check("3.3" in whats_next and re.search(r"initiali[sz]ation", whats_next, re.I) is not None,
            "lint: the last section points to lesson 3.3, weight initialisation")


# --- listings ----------------------------------------------------------------------------

def check_listings(r: Results, md_path: Path, html_text: str) -> None:
    blocks = include_blocks(md_path.read_text())
    r.check(bool(blocks), f"listings: {len(blocks)} listings pulled from source files")
    plain = html.unescape(re.sub(r"<[^>]+>", "", html_text))
    for path, name in blocks:
        f = ROOT / path
        if not r.check(f.is_file(), f"listings: {path} exists", "the book cuts a listing from it"):
            continue
        region = marker_region(f, name)
        if not r.check(region is not None and any(l.strip() for l in region),
                       f"listings: [listing {name}] in {path} is present once, closed and not empty",
                       f"add `// [listing {name}]` ... `// [/listing]` (or #) around the code"):
            continue
        assert region is not None
        first = next(l.strip() for l in region if l.strip() and "SOLUTION" not in l)
        r.check(first in plain, f"listings: the HTML shows [listing {name}] ({first[:40]!r})",
                "the listing filter did not replace the block")


def pandoc_filter_run(md: str, tmp: Path, numbers: Path, claims: Path,
                      edition: str = "full") -> subprocess.CompletedProcess[str]:
    src = tmp / "probe.md"
    src.write_text(md)
    return run(["pandoc", "--from=markdown", "--to=html5", "--lua-filter=book/lua/edition.lua",
                "--lua-filter=book/lua/listing.lua", "--lua-filter=book/lua/numbers.lua",
                f"--metadata=numbers-file:{numbers}", f"--metadata=claims-file:{claims}",
                f"--metadata=edition:{edition}", str(src), "-o", str(tmp / "probe.html")])


def check_failures(r: Results, args: argparse.Namespace, numbers: Path, claims: Path) -> None:
    with tempfile.TemporaryDirectory(prefix="book-neg-", dir=ROOT / args.build) as d:
        tmp = Path(d)
        ok = pandoc_filter_run('```{.c include="solutions/3.2/schedulers.c" listing="step-decay"}\n```\n',
                               tmp, numbers, claims)
        r.check(ok.returncode == 0, "failures: (control) a good listing builds", ok.stderr.strip()[:200])

        cases: list[tuple[str, str, str]] = [
            ('```{.c include="solutions/3.2/schedulers.c" listing="no-such-marker"}\n```\n',
             "no-such-marker", "a missing marker"),
            ('```{.c include="solutions/3.2/no-such-file.c" listing="step-decay"}\n```\n',
             "no-such-file.c", "a missing file"),
            ("The loss is {{constant.no_such_number}}.\n", "constant.no_such_number", "an unknown placeholder"),
            ("The loss is {{=constant.final_loss * no_such_key}}.\n", "no_such_key", "an unknown key in an expression"),
            ("[A sentence]{.claim ref=no-such-claim}.\n", "no-such-claim", "an unknown claim"),
        ]
        for md, needle, what in cases:
            res = pandoc_filter_run(md, tmp, numbers, claims)
            r.check(res.returncode != 0 and needle in res.stderr,
                    f"failures: the filters stop on {what}, naming it",
                    f"exit {res.returncode}, stderr: {res.stderr.strip()[:200]!r}")
        # The student edition cuts the stub: a marker the stub lacks stops it,
        # naming the stub; an unknown edition stops the filters.
        res = pandoc_filter_run('```{.c include="solutions/3.2/schedulers.c" listing="no-such-marker"}\n```\n',
                                tmp, numbers, claims, edition="student")
        r.check(res.returncode != 0 and "lessons/3.2/schedulers.c" in res.stderr and "no-such-marker" in res.stderr,
                "failures: the student edition stops on a marker the stub lacks, naming the stub",
                f"exit {res.returncode}, stderr: {res.stderr.strip()[:200]!r}")
        res = pandoc_filter_run("Text.\n", tmp, numbers, claims, edition="teacher")
        r.check(res.returncode != 0 and "teacher" in res.stderr, "failures: the filters stop on an unknown edition",
                f"exit {res.returncode}, stderr: {res.stderr.strip()[:200]!r}")

        # The whole build stops on a missing marker (make, not just the filter).
        bad = tmp / "bad.md"
        bad.write_text(md_path_text(args).replace('listing="step-decay"', 'listing="step-decay-gone"', 1))
        res = run(["make", "--no-print-directory", "book-files", f"LESSON={args.lesson}",
                   f"BOOK_MD={bad}", f"BOOK_WORK={tmp}/work", f"BOOK_HTML={tmp}/bad.html",
                   f"BOOK_PDF={tmp}/bad.pdf"])
        r.check(res.returncode != 0 and "step-decay-gone" in res.stderr and not (tmp / "bad.html").exists(),
                "failures: `make book` fails on a missing listing marker, with the marker's name",
                f"exit {res.returncode}; stderr: {res.stderr.strip()[-300:]!r}")

        # The claims checker fails on a claim the runs contradict.
        false_claims = tmp / "claims"
        false_claims.write_text("wrong-way constant.final_loss > step.final_loss The constant rate ends higher.\n")
        res = run([sys.executable, "book/scripts/book_numbers.py", "claims", "--numbers", str(numbers),
                   "--claims", str(false_claims)])
        r.check(res.returncode != 0 and "FAIL claim wrong-way" in res.stdout,
                "failures: the claims checker fails on a false claim", res.stdout.strip()[:200])


def md_path_text(args: argparse.Namespace) -> str:
    return (ROOT / "book" / args.lesson / f"{args.lesson}.md").read_text()


# --- numbers and claims -----------------------------------------------------------------

def read_numbers(path: Path) -> dict[str, str]:
    out = {}
    for line in path.read_text().split("\n"):
        if "\t" in line:
            k, v = line.split("\t", 1)
            out[k] = v
    return out


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open() as f:
        return list(csv.DictReader(f))


def check_numbers(r: Results, args: argparse.Namespace, numbers: dict[str, str], work: Path) -> None:
    md = md_path_text(args)
    placeholders = re.findall(r"\{\{([^{}]*)\}\}", md)
    keys = set()
    for p in placeholders:
        body = re.sub(r":\s*[-+ #0]*\d*\.?\d*[dfgeGE]\s*$", "", p).strip()
        if body.startswith("="):
            keys.update(k for k in re.findall(r"[A-Za-z_][\w.]*[\w]", body[1:])
                        if k not in ("exp", "log", "sqrt", "abs"))
        else:
            keys.add(body)
    missing = sorted(k for k in keys if k not in numbers)
    r.check(not missing, f"numbers: all {len(keys)} keys the text quotes come from the runs",
            f"no value for {missing[:5]}")
    r.check(len(placeholders) >= 40, f"numbers: the text quotes {len(placeholders)} numbers from the runs")

    # The numbers are the runs' own: spot-check against the CSV files.
    data = work / "data"
    for run_name in ("constant", "step", "exponential", "mb_plateau_val"):
        rows = read_csv(data / f"{run_name}.csv")
        r.check(float(numbers[f"{run_name}.final_loss"]) == float(rows[-1]["loss"]),
                f"numbers: {run_name}.final_loss is the last loss of its run",
                f"{numbers.get(run_name + '.final_loss')} vs {rows[-1]['loss']}")
    rows = read_csv(data / "mb_plateau_val.csv")
    first = next((int(x["epoch"]) for x in rows if float(x["lr"]) < float(rows[0]["lr"])), -1)
    r.check(int(float(numbers["mb_plateau_val.first_drop"])) == first,
            "numbers: the epoch the plateau scheduler fires is read from its lr column")

    # The Hessian is computed from the data the full-batch runs train on: the
    # dataset run has the same data flags, and its inputs give lambda_max.
    flag_sets = {numbers[k].replace("--data-csv", "").split().count("--samples")
                 for k in numbers if k.startswith("cmd.")}
    r.check(flag_sets == {0}, "numbers: no run changes --samples, so the dataset run's inputs are every run's",
            "give the dataset run the same --samples as the runs, or split the Hessian per data set")
    xs = [float(row["x"]) for row in read_csv(data / "dataset.csv") if row.get("split", "train") == "train"]
    n = len(xs)
    sxx, sx = sum(x * x for x in xs), sum(xs)
    h = (2 * sxx / n, 2 * sx / n, 2.0)
    half, det = (h[0] + h[2]) / 2, h[0] * h[2] - h[1] ** 2
    lam = half + (half * half - det) ** 0.5
    got = float(numbers["lambda_max"])
    r.check(abs(got - lam) <= 1e-12 * lam, f"numbers: lambda_max = {got:.6g} (independent computation {lam:.6g})")
    lin = max(2 * sum((-1 + 2 * i / (n - 1)) ** 2 for i in range(n)) / n, 2.0)
    r.check(abs(got - lin) <= 1e-6 * lin, "numbers: lambda_max agrees with the linspace(-1, 1, n) formula",
            f"{got!r} vs {lin!r}: the dataset is not the lesson's inputs")


def check_claims(r: Results, numbers_path: Path, claims_path: Path) -> None:
    res = run([sys.executable, "book/scripts/book_numbers.py", "claims", "--numbers", str(numbers_path),
               "--claims", str(claims_path)])
    lines = [l for l in res.stdout.split("\n") if l.startswith(("PASS", "FAIL"))]
    for line in lines:
        status, rest = line.split(" ", 1)
        r.check(status == "PASS", rest if status == "PASS" else rest.split(":", 1)[0],
                rest.split(":", 1)[1].strip() if ":" in rest else "")
    r.check(res.returncode == 0 and bool(lines), f"claims: the checker accepts all {len(lines)} claims",
            res.stderr.strip()[:200])


# --- the outputs ----------------------------------------------------------------------------

def check_html(r: Results, html_text: str, n_figures: int, label: str = "html") -> None:
    r.check(html_text.count("<math") >= 20, f"{label}: math is MathML ({html_text.count('<math')} <math> elements)",
            "build with pandoc --mathml")
    imgs = re.findall(r"<img\b[^>]*>", html_text)
    srcs = [re.search(r'\bsrc="([^"]*)"', i) for i in imgs]
    not_embedded = [s.group(1)[:60] if s else "(no src)" for s in srcs if not s or not s.group(1).startswith("data:")]
    r.check(len(imgs) == n_figures, f"{label}: {len(imgs)} images for {n_figures} figures")
    r.check(not not_embedded, f"{label}: every image is embedded as a data: URI", f"not embedded: {not_embedded[:3]}")
    svgs_ok = True
    for s in srcs:
        if s and s.group(1).startswith("data:image/svg+xml;base64,"):
            svg = base64.b64decode(s.group(1).split(",", 1)[1]).decode()
            svgs_ok &= "<svg" in svg and ("epoch" in svg or "learning rate" in svg)
        else:
            svgs_ok = False
    r.check(svgs_ok, f"{label}: every image is a gnuplot SVG with labelled axes")
    external = re.findall(r"<(?:img|script|link|iframe|source|video|audio|object|embed)\b[^>]*\b(?:src|href|data)=\"(?:https?:)?//[^\"]*\"",
                          html_text)
    r.check(not external, f"{label}: no resource fetched from the network (img, script, link, ...)",
            f"external: {external[:3]}")
    # The one script is the live explorer's (book/explorer, tested by tests/explorer): inline, no src.
    scripts = re.findall(r"<script\b[^>]*>", html_text)
    r.check(all("src=" not in s for s in scripts) and len(scripts) == 2 and 'id="lr-explorer"' in html_text,
            f"{label}: no scripts but the explorer's two inline ones (its module and its code)", f"found {scripts[:4]}")
    r.check(re.search(r"url\(\s*['\"]?(https?:)?//", html_text) is None and "@import" not in html_text,
            f"{label}: the CSS loads nothing from the network")
    r.check('id="TOC"' in html_text, f"{label}: a table of contents")
    r.check('name="viewport"' in html_text and "@media" in html_text,
            f"{label}: a viewport and media queries (phone and print)")
    r.check("{{" not in html_text, f"{label}: no placeholder left", "a {{...}} survived the numbers filter")
    code = " ".join(re.findall(r"<pre\b.*?</pre>", html_text, flags=re.S))
    r.check("BEGIN SOLUTION" not in code and "END SOLUTION" not in code,
            f"{label}: listings without the kit's BEGIN/END SOLUTION lines")


def check_pdf(r: Results, pdf: Path, md: str, n_figures: int, label: str = "pdf") -> None:
    info = run(["pdfinfo", str(pdf)]).stdout
    pages = int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1)) if "Pages:" in info else 0
    r.check(10 <= pages <= 45, f"{label}: {pages} pages (sane range 10-45)")
    text = run(["pdftotext", "-layout", str(pdf), "-"]).stdout
    flat = re.sub(r"\s+", " ", text.replace("\u2019", "'"))
    prose, _ = split_fences(strip_front_matter(md))
    for lvl, h in headings(prose):
        if lvl > 2:
            continue
        plain = re.sub(r"[*_`]", "", re.sub(r"\$[^$]*\$", "", h)).replace("\u2013", "-").strip()
        words = re.sub(r"\s+", " ", plain.replace("\u2013", "–"))
        found = words in flat or words.replace("–", "-") in flat.replace("–", "-")
        r.check(found, f"{label}: heading '{plain}' in the text (pdftotext)", "the PDF lacks this section")
    r.check("{{" not in text, f"{label}: no placeholder left")
    images = run(["pdfimages", "-list", str(pdf)]).stdout.strip().split("\n")[2:]
    r.check(not [l for l in images if l.strip()], f"{label}: figures are vector (no raster images)",
            f"{len(images)} raster images")
    fonts = run(["pdffonts", str(pdf)]).stdout.strip().split("\n")[2:]
    not_emb = []
    for line in fonts:
        t = line.split()
        flags = [i for i in range(len(t) - 2) if all(x in ("yes", "no") for x in t[i:i + 3])]
        if flags and t[flags[0]] == "no":  # columns emb, sub, uni: emb first
            not_emb.append(t[0])
    r.check(bool(fonts) and not not_emb, f"{label}: all {len(fonts)} fonts embedded", f"not embedded: {not_emb}")
    figs = text.count("Figure ")
    r.check(figs >= n_figures, f"{label}: {n_figures} figure captions", f"found {figs}")


def edition_div_lines(md: str, edition: str) -> list[str]:
    """The first line of each `::: {.EDITION-edition}` div of the Markdown."""
    return re.findall(r"^:::+ *\{\." + edition + r"-edition\}\n(.+)$", md, flags=re.M)


def check_student(r: Results, args: argparse.Namespace, md: str, full_html: str, n_figures: int) -> None:
    student_html_path, student_pdf_path = ROOT / args.student_html, ROOT / args.student_pdf
    student_html = student_html_path.read_text()
    texts = {"HTML": reference_lines.html_text(student_html_path),
             "PDF": reference_lines.pdf_text(student_pdf_path)}
    full_texts = {"HTML": reference_lines.html_text(ROOT / args.html),
                  "PDF": reference_lines.pdf_text(ROOT / args.pdf)}

    # No line of the reference solution; the same scan finds every one in the full post.
    telling = reference_lines.telling_lines(ROOT, args.lesson)
    r.check(len(telling) >= 10, f"student: {len(telling)} telling lines of the reference solution to look for")
    for kind in ("HTML", "PDF"):
        seen = reference_lines.leaked(full_texts[kind], telling)
        r.check(len(seen) == len(telling), f"student: (control) the scan finds all {len(telling)} reference lines "
                f"in the full post's {kind}", f"missed: {[l for l in telling if l not in seen][:3]}")
        found = reference_lines.leaked(texts[kind], telling)
        r.check(not found, f"student: the student edition's {kind} shows no line of the reference solution",
                f"{len(found)} shown, e.g. {found[:2]}")

    # Every section, in both outputs.
    prose, _ = split_fences(strip_front_matter(md))
    titles = [h for lvl, h in headings(prose) if lvl <= 2]
    squeezed = {kind: reference_lines.squeeze(text.replace("\u2019", "'")) for kind, text in texts.items()}
    missing = {kind: [h for h in titles if reference_lines.squeeze(re.sub(r"[*_`]", "", h)) not in flat]
               for kind, flat in squeezed.items()}
    r.check(not missing["HTML"] and not missing["PDF"], f"student: all {len(titles)} section headings in the HTML and PDF",
            f"missing: {missing}")

    # Each withheld listing: the stub's region, then the note, once.
    withheld = [(f, name) for f, name in include_blocks(md) if f.startswith("solutions/")]
    note = "Reference solution withheld."
    r.check(bool(withheld), f"student: {len(withheld)} listings cut from solutions/ are withheld")
    for kind in ("HTML", "PDF"):
        count = texts[kind].count(note)
        r.check(count == len(withheld), f"student: the {kind} has one note per withheld listing ({count})",
                f"{count} notes for {len(withheld)} listings")
        r.check(note not in full_texts[kind], f"student: the full post's {kind} has no withheld note")
    r.check(student_html.count('class="note withheld"') == len(withheld),
            "student: each note is a styled block of its own (class note withheld)")
    html_flat = squeezed["HTML"]
    for f, name in withheld:
        stub = f.replace("solutions/", "lessons/", 1)
        region = marker_region(ROOT / stub, name) or []
        code = [l for l in region if l.strip() and "SOLUTION" not in l]
        caption = reference_lines.squeeze(f"{stub}, lines")
        shown = bool(code) and all(reference_lines.squeeze(l) in html_flat for l in code)
        r.check(shown and caption in html_flat and f"(listing{name})" in html_flat,
                f"student: [listing {name}] shows the stub from {stub}, captioned with its path",
                "edition.lua did not send the listing to the stub")

    # The same numbers and figures as the full post: they come from the reference runs.
    def parts(page: str, pattern: str) -> list[str]:
        return re.findall(pattern, page, flags=re.S)
    for what, pattern in (("figures", r"<img\b[^>]*>"), ("tables", r"<table\b.*?</table>"),
                          ("formulas", r"<math\b.*?</math>")):
        mine, theirs = parts(student_html, pattern), parts(full_html, pattern)
        r.check(bool(mine) and mine == theirs, f"student: the same {len(mine)} {what} as the full post",
                f"{len(mine)} against {len(theirs)}")
    def prose_numbers(page: str) -> list[str]:
        """The decimal numbers of the prose (the quoted results), in order."""
        page = re.sub(r"<(pre|code|math|style|nav)\b.*?</\1>", " ", page, flags=re.S)
        return re.findall(r"(?<![\w.])\d+\.\d+(?:e[-+]?\d+)?", html.unescape(re.sub(r"<[^>]+>", " ", page)))
    quoted = prose_numbers(full_html)
    r.check(len(quoted) >= 40 and prose_numbers(student_html) == quoted,
            f"student: the text quotes the same {len(quoted)} numbers, in the same order, as the full post")

    # What only one edition says, and commands that run the student's code.
    for edition, inside, outside in (("student", texts["HTML"], full_texts["HTML"]),
                                     ("full", full_texts["HTML"], texts["HTML"])):
        lines = [reference_lines.squeeze(re.sub(r"[`*]", "", l)) for l in edition_div_lines(md, edition)]
        ok = bool(lines) and all(l in reference_lines.squeeze(inside) and l not in reference_lines.squeeze(outside)
                                 for l in lines)
        r.check(ok, f"student: the {len(lines)} {edition}-edition passages appear in that edition only")
    r.check("edition" not in " ".join(re.findall(r'class="([^"]*)"', student_html + full_html)),
            "student: no edition div left in either HTML")
    r.check("SUBMISSION=solutions/" in full_texts["HTML"] and "SUBMISSION=solutions/" not in texts["HTML"],
            "student: commands run the student's schedulers, not solutions/ (which the edition lacks)")
    check_html(r, student_html, n_figures, label="student html")
    check_pdf(r, student_pdf_path, md, n_figures, label="student pdf")


BROWSER_WIDTHS = (1280, 390)


def check_browser(r: Results, args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="book-browser-", dir=ROOT / args.build) as d:
        work = Path(d)
        full = (ROOT / args.html).read_text()
        # Control: a page with one element wider than a phone is caught.
        wide = browser.measure(full, 390, work, extra_body='<div id="too-wide" style="width:900px">x</div>')
        r.check(any(e["element"] == "div#too-wide" for e in wide["elements"]),
                "browser: (control) a 900 px element is reported at 390 px", str(wide["elements"][:2]))
        for label, path in (("html", args.html), ("student html", args.student_html)):
            page = (ROOT / path).read_text()
            for width in BROWSER_WIDTHS:
                rep = browser.measure(page, width, work)
                r.check(rep["viewport"] == width, f"browser: {label} laid out {rep['viewport']} px wide (asked {width})")
                r.check(rep["page_width"] <= width, f"browser: {label} at {width} px: no sideways scroll",
                        f"the page is {rep['page_width']} px wide")
                r.check(not rep["elements"], f"browser: {label} at {width} px: no element overflows",
                        "; ".join(f"{e['element']} ({e['scroll_width']} > {e['client_width']} px, right {e['right']}): "
                                  f"{e['text'][:50]!r}" for e in rep["elements"][:4]))


def check_latex_log(r: Results, args: argparse.Namespace) -> None:
    for job in (args.lesson, f"{args.lesson}-student"):
        log = (ROOT / args.work / f"{job}.log").read_text(errors="replace")
        bad = re.findall(r"^(Overfull \\hbox \(([\d.]+)pt too wide\).*)$", log, re.M)
        r.check(not bad, f"latex: {job}.log has no overfull line ({len(bad)})",
                "; ".join(b[0] for b in bad[:3]))


def check_figure_text(r: Results, work: Path) -> None:
    """Every figure's smallest text: >= 9 pt in the PDF figure (shown at its
    own size: narrower than the text column), >= 9 px when the SVG is
    scaled to a 390 px phone's column."""
    column_390 = 390 - 2 * 0.8 * 16   # the phone's reading column (book.css: body padding 0.8rem)
    for fig in sorted((work / "fig").glob("*.svg")):
        svg = fig.read_text()
        size = re.search(r'<svg[^>]*\bviewBox="[\d.]+ [\d.]+ ([\d.]+) ', svg, re.S)
        width = float(size.group(1)) if size else float("inf")
        sizes = [float(x) for x in re.findall(r"font-size=\"([\d.]+)\"", svg)]
        sizes += [float(x) for x in re.findall(r"font-size:\s*([\d.]+)", svg)]
        smallest = min(sizes) if sizes else 0.0
        shown = smallest * min(1.0, column_390 / width)
        r.check(shown >= 9, f"figures: {fig.stem}.svg text is {shown:.1f} px on a 390 px phone (>= 9)",
                f"smallest font {smallest} px in a {width:.0f} px wide SVG")
        pdf = fig.with_suffix(".pdf")
        res = run(["pdftotext", "-bbox", str(pdf), "-"])
        # A word's box is its font's ascent + descent tall (about 1.2 times
        # the size). Rotated words (the y labels) swap the box's sides: for a
        # word of several letters the font's side is the shorter one, for a
        # single letter the longer one.
        boxes = []
        for x0, y0, x1, y1, word in re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" '
                                                r'yMax="([\d.]+)">([^<]*)</word>', res.stdout):
            w, h = float(x1) - float(x0), float(y1) - float(y0)
            boxes.append(((max(w, h) if len(html.unescape(word)) == 1 else min(w, h)) / 1.2, word))
        pt, word = min(boxes) if boxes else (0.0, "")
        pdf_width = float(re.search(r"Page size:\s+([\d.]+)", run(["pdfinfo", str(pdf)]).stdout).group(1))
        r.check(pt >= 8.9 and pdf_width <= 6.5 * 72, f"figures: {pdf.stem}.pdf text is about {pt:.1f} pt "
                f"in a {pdf_width / 72:.1f} in wide figure (>= 9 pt, shown at its size)", f"smallest: {word!r}")


def check_pytorch(r: Results, args: argparse.Namespace, numbers: dict[str, str], work: Path) -> None:
    torch_py = "/usr/bin/python3"
    probe = subprocess.run([torch_py, "-c", "import torch"], capture_output=True) if os.path.exists(torch_py) else None
    if probe is None or probe.returncode != 0:
        r.skip("pytorch: the PyTorch script against the kit", "no PyTorch for /usr/bin/python3 (make golden installs it)")
        return
    script = ROOT / "book" / args.lesson / "py" / "lr_schedules.py"
    for run_name in ("constant", "step", "exponential", "plateau", "warmup_cosine", "two_step", "mb_step",
                     "mb_plateau_val", "mlp_cosine"):
        # A group of runs over seeds: its seed 0 (data/NAME/0.csv).
        group = "$seed" in numbers[f"cmd.{run_name}"]
        flags = numbers[f"cmd.{run_name}"].replace("$seed", "0").split()
        res = subprocess.run([torch_py, str(script), *flags], cwd=ROOT, text=True, capture_output=True)
        if not r.check(res.returncode == 0, f"pytorch: lr_schedules.py {' '.join(flags)} runs", res.stderr.strip()[-200:]):
            continue
        theirs = list(csv.DictReader(res.stdout.splitlines()))
        ours = read_csv(work / "data" / (f"{run_name}/0.csv" if group else f"{run_name}.csv"))
        worst, where = 0.0, ""
        for a, b in zip(theirs, ours):
            for col in b:
                if col == "epoch":
                    continue
                x, y = float(a[col]), float(b[col])
                rel = abs(x - y) / max(abs(x), 1e-30)
                if rel > worst:
                    worst, where = rel, f"epoch {b['epoch']} {col}: torch {x!r}, kit {y!r}"
        r.check(len(theirs) == len(ours) and worst <= 1e-6,
                f"pytorch: {run_name} matches the kit (worst relative difference {worst:.1e})", where)


def check_repro(r: Results, args: argparse.Namespace) -> None:
    out = Path(args.build) / "book" / "repro"
    shutil.rmtree(ROOT / out, ignore_errors=True)
    places = [f"BOOK_WORK={out}/{args.lesson}", f"BOOK_HTML={out}/{args.lesson}.html",
              f"BOOK_PDF={out}/{args.lesson}.pdf", f"BOOK_STUDENT_HTML={out}/{args.lesson}-student.html",
              f"BOOK_STUDENT_PDF={out}/{args.lesson}-student.pdf"]
    for edition in ("full", "student"):
        res = run(["make", "--no-print-directory", "book-files", f"LESSON={args.lesson}",
                   f"BOOK_EDITION={edition}", *places])
        if not r.check(res.returncode == 0, f"repro: a second build of the {edition} edition in another folder succeeds",
                       res.stderr.strip()[-300:]):
            return
    outputs = [("html", args.html, f"{args.lesson}.html"), ("pdf", args.pdf, f"{args.lesson}.pdf"),
               ("student HTML", args.student_html, f"{args.lesson}-student.html"),
               ("student PDF", args.student_pdf, f"{args.lesson}-student.pdf")]
    for kind, mine, theirs in outputs:
        a = (ROOT / mine).read_bytes()
        b = (ROOT / out / theirs).read_bytes()
        r.check(a == b, f"repro: the {kind.upper() if kind in ('html', 'pdf') else kind} is byte-identical across builds",
                "something time- or path-dependent leaks into the output (SOURCE_DATE_EPOCH, figure metadata)")
    shutil.rmtree(ROOT / out, ignore_errors=True)


def main() -> int:
    p = argparse.ArgumentParser(description="tests of the lesson's book")
    p.add_argument("--lesson", required=True)
    p.add_argument("--build", default="build")
    p.add_argument("--work", required=True)
    p.add_argument("--html", required=True)
    p.add_argument("--pdf", required=True)
    p.add_argument("--student-html", required=True)
    p.add_argument("--student-pdf", required=True)
    p.add_argument("--bin", required=True)
    p.add_argument("--summary")
    p.add_argument("--quick", action="store_true", help="skip the slow checks (pytorch, repro)")
    args = p.parse_args()

    r = Results()
    src = ROOT / "book" / args.lesson
    md_path = src / f"{args.lesson}.md"
    claims_path = src / "claims"
    work = ROOT / args.work
    numbers_path = work / "numbers.tsv"
    numbers = read_numbers(numbers_path)
    html_text = (ROOT / args.html).read_text()
    n_figures = len(set(re.findall(r"\]\(fig/([\w.-]+)\)", md_path.read_text())))

    steps: list[tuple[str, Callable[[], None]]] = [
        ("lint", lambda: check_lint(r, md_path, claims_path, src / "figures", src / "py" / "lr_schedules.py")),
        ("listings", lambda: check_listings(r, md_path, html_text)),
        ("failures", lambda: check_failures(r, args, numbers_path, claims_path)),
        ("numbers", lambda: check_numbers(r, args, numbers, work)),
        ("claims", lambda: check_claims(r, numbers_path, claims_path)),
        ("html", lambda: check_html(r, html_text, n_figures)),
        ("pdf", lambda: check_pdf(r, ROOT / args.pdf, md_path.read_text(), n_figures)),
        ("student", lambda: check_student(r, args, md_path.read_text(), html_text, n_figures)),
        ("browser", lambda: check_browser(r, args)),
        ("latex", lambda: check_latex_log(r, args)),
        ("figures", lambda: check_figure_text(r, work)),
    ]
    if not args.quick:
        steps += [("pytorch", lambda: check_pytorch(r, args, numbers, work)),
                  ("repro", lambda: check_repro(r, args))]
    for name, step in steps:
        try:
            step()
        except Exception as e:  # a crashing check is a failing check, with its reason
            r.check(False, f"{name}: the checks ran", f"{type(e).__name__}: {e}")

    print(f"test-book: {r.passed} passed, {r.failed} failed")
    if args.summary:
        Path(args.summary).parent.mkdir(parents=True, exist_ok=True)
        with open(args.summary, "a") as f:
            f.write(f"book {r.passed} {r.failed}\n")
    return 1 if r.failed else 0


if __name__ == "__main__":
    sys.exit(main())
