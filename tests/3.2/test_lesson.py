#!/usr/bin/env python3
"""test-lesson: the kit proves lesson 3.2's program and graders.

Run by `make test-lesson` (mk/lesson.mk), from the repository root:
  - the reference passes every grader (student and instructor editions);
  - the untouched stubs compile without warnings, run, and fail every scheduler;
  - the stubs equal the reference outside the BEGIN/END SOLUTION regions;
  - every mutant (tests/3.2/mutants/*.patch, one real mistake each) fails its
    own scheduler only, with the hint its header names; a failed training
    curve names a mistake that its lr tests name (not just [differs]);
  - every correct variant (tests/3.2/variants/*.patch) passes everything;
  - every crash fixture (tests/3.2/fixtures/*.patch) fails its scheduler with
    the message its header names, and the other schedulers still pass;
  - the hidden checks (instructor edition) carry at least half of every
    scheduler's points, and for 30 grading seeds every mutant fails the same
    hidden checks (at least one), the reference and the variants none;
  - the grader's CLI, results.json and --only behave as documented;
  - the lesson program rejects bad input with one line and exit status 2;
  - fidelity: the reference build's --csv / --metrics output equals every
    PyTorch golden file of tests/golden/3.2 (bit-exact is the target, 1e-6
    relative the floor); the figures are printed.
Appends "lesson <passed> <failed>" to the summary file.

Mutants, correct variants and crash fixtures are unified diffs against the
reference, so the one mistake (or the one different way of being right) is
what a reader sees. NAME.patch starts with its metadata, plain lines before
the first "---" (patch ignores them):
    <what the mistake or the variant is, one line>
    expect-fail: <the scheduler that must fail>   (mutants, fixtures)
    expect-hint: <hint id>                        (mutants)
    expect-message: <text>                        (fixtures)
then the output of `diff -u --label a/solutions/3.2/schedulers.c --label
b/solutions/3.2/schedulers.c solutions/3.2/schedulers.c CHANGED.c`, where
CHANGED.c is the reference with the one mistake (both paths name the
reference, from the repository root: `patch -p1 --dry-run < NAME.patch`
checks it there). GNU patch applies it to the reference, without fuzz, into
<build>/<flavour>/3.2/catalogue/<mutants|variants|fixtures>/NAME/schedulers.c,
which is graded as a submission folder; a patch that no longer applies is a
failure that names the entry and patch's own message.
"""

import argparse
import concurrent.futures
import csv
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile

ROOT = os.getcwd()
RESULTS = []
# How a grader names a second mistake that fits as well: "or [id]: ...".
SECOND_HINT = re.compile(r"or \[([a-z0-9-]+)\]")


def record(ok, what, detail=""):
    RESULTS.append(ok)
    print(f"  {'ok  ' if ok else 'FAIL'} {what}" + (f": {detail}" if detail and not ok else ""))
    if detail and ok and os.environ.get("V") == "1":
        print(f"       {detail}")


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


class Kit:
    def __init__(self, args):
        self.make = shlex.split(args.make)
        self.build = args.build
        self.flavour = args.flavour
        self.lesson = args.lesson
        self.out = os.path.join(args.build, args.flavour, args.lesson)

    def key(self, submission):
        return submission.rstrip("/").replace("/", "_")

    def build_grader(self, submission, edition="student"):
        """make grader; returns (binary path or None, make output)."""
        r = run(self.make + ["--no-print-directory", "grader", f"LESSON={self.lesson}",
                             f"SUBMISSION={submission}", f"EDITION={edition}"])
        binary = os.path.join(self.out, self.key(submission))
        if edition == "instructor":
            binary = os.path.join(binary, "instructor")
        binary = os.path.join(binary, "grader")
        return (binary if r.returncode == 0 else None), r.stdout + r.stderr

    def grade(self, submission, edition="student", extra=(), env=None):
        """Builds and runs a grader; returns (exit status, results.json dict, stdout)."""
        binary, log = self.build_grader(submission, edition)
        if not binary:
            return None, None, log
        with tempfile.TemporaryDirectory() as tmp:
            js = os.path.join(tmp, "results.json")
            r = run([binary, "--json", js, "--plots", os.path.join(tmp, "plots"), *extra],
                    env=env)
            data = json.load(open(js)) if os.path.exists(js) else None
        return r.returncode, data, r.stdout + r.stderr


def apply_patch(kit, patch_path):
    """Applies a catalogue patch to the reference into the build folder.
    Returns (submission folder or None, patch's messages)."""
    kind = os.path.basename(os.path.dirname(patch_path))
    name = os.path.basename(patch_path)[:-len(".patch")]
    folder = os.path.join(kit.out, "catalogue", kind, name)
    os.makedirs(folder, exist_ok=True)
    target = os.path.join(folder, "schedulers.c")
    fresh = target + ".new"
    reference = f"solutions/{kit.lesson}/schedulers.c"
    r = run(["patch", "--batch", "--silent", "--fuzz=0", "--reject-file=-", "--no-backup-if-mismatch",
             f"--output={fresh}", reference, patch_path])
    if r.returncode != 0:
        for stale in (fresh, target):   # never grade an earlier copy
            if os.path.exists(stale):
                os.remove(stale)
        return None, f"{patch_path} no longer applies to {reference}: " + (r.stdout + r.stderr).strip()
    # An unchanged copy keeps its time stamp, so make does not rebuild it.
    if os.path.exists(target) and open(target, "rb").read() == open(fresh, "rb").read():
        os.remove(fresh)
    else:
        os.replace(fresh, target)
    return folder, ""


def header_field(path, field):
    m = re.search(rf"{field}:\s*(.+?)\s*$", open(path).read(), re.M)
    return m.group(1) if m else None


def failed_tests(data):
    return [t for t in data["tests"] if t["status"] != "passed"]


# --------------------------------------------------------------------------

def test_reference(kit):
    print("reference and stubs")
    ref = f"solutions/{kit.lesson}"
    status, data, out = kit.grade(ref)
    ok = status == 0 and data and not failed_tests(data)
    record(ok, "the reference passes every grader (student edition)",
           out[-2000:] if not ok else f"score {data['score']}/{data['max_score']}")
    # The student object's compile lists every file it read (-MD, system
    # headers too) next to the object, for the instructor tools.
    out_dir = os.path.join(kit.out, kit.key(ref))
    deps_path = os.path.join(out_dir, "schedulers.deps")
    deps = open(deps_path).read() if os.path.exists(deps_path) else ""
    wanted = [os.path.join(out_dir, "schedulers.o") + ":", os.path.join(out_dir, "src", "schedulers.c"),
              f"lessons/{kit.lesson}/schedulers.h", "common/sched.h", "/math.h"]
    record(os.path.exists(os.path.join(out_dir, "schedulers.o")) and all(w in deps for w in wanted),
           f"the student object's compile writes {deps_path} (its file, the kit's headers, system headers)",
           f"missing {[w for w in wanted if w not in deps]} in: {deps[:600]}")
    env = dict(os.environ)
    for seed in ["1", "20260101", "987654321"]:
        env["GRADING_SEED"] = seed
        status, data, out = kit.grade(ref, "instructor", env=env)
        ok = status == 0 and data and not failed_tests(data) and any(
            t["extra_data"]["hidden"] for t in data["tests"])
        record(ok, f"the reference passes the instructor edition with GRADING_SEED={seed}", out[-2000:])
    check_points(data)
    check_catalogue(kit, data)
    env.pop("GRADING_SEED")
    status, data, out = kit.grade(ref, "instructor", env=env)
    record(status == 2 and "GRADING_SEED" in out and data is not None,
           "the instructor edition refuses to run without GRADING_SEED (and still writes results.json)",
           out)


def test_points(test):
    """A test's points (a bonus test's max_score is 0: it scores on top)."""
    return max(test["max_score"], test["score"])


def check_points(data):
    """The reference's instructor results: 44 points + 4 bonus, the hidden
    checks at least half of every scheduler's points."""
    tests = (data or {}).get("tests", [])
    total = sum(test_points(t) for t in tests if not t["extra_data"]["bonus"])
    bonus = sum(test_points(t) for t in tests if t["extra_data"]["bonus"])
    record(total == 44 and bonus == 4 and data["max_score"] == 44,
           "the instructor edition grades 44 points plus a bonus of 4", f"{total} + {bonus}")
    shares = {}
    for t in tests:
        s = shares.setdefault(t["extra_data"]["scheduler"], [0, 0])
        s[0] += test_points(t) if t["extra_data"]["hidden"] else 0
        s[1] += test_points(t)
    short = {k: v for k, v in shares.items() if 2 * v[0] < v[1]}
    record(shares and not short, "hidden checks carry at least half of every scheduler's points ("
           + ", ".join(f"{k} {h}/{n}" for k, (h, n) in shares.items()) + ")", f"short: {short}")


def read_catalogue(lesson):
    """The rows of tests/<L>/checks.tsv (the one catalogue of checks)."""
    with open(f"tests/{lesson}/checks.tsv") as f:
        return list(csv.DictReader((line for line in f if not line.startswith("#")), delimiter="\t"))


def check_catalogue(kit, data):
    """The judge, the golden data and make all follow the catalogue."""
    rows = read_catalogue(kit.lesson)
    graded = [(t["extra_data"]["id"], test_points(t), t["extra_data"]["scheduler"], t["extra_data"]["bonus"],
               t["extra_data"]["hidden"]) for t in (data or {}).get("tests", [])]
    listed = [(r["id"], int(r["points"]), r["group"], r["bonus"] == "yes", r["visibility"] == "hidden")
              for r in rows]
    record(graded == listed, "the instructor edition grades the catalogue's checks, in its order, "
                             "with its points, groups, bonus and visibility", f"{graded} != {listed}")
    cases = list(csv.DictReader(open(f"tests/golden/{kit.lesson}/cases.csv")))
    tagged = {}
    for c in cases:
        if c["test"]:
            tagged.setdefault(c["test"], []).append(c["id"])
    wanted = {r["id"]: r["cases"].split() for r in rows if r["visibility"] == "public"}
    record(tagged == wanted, "the golden cases are tagged with the catalogue's checks (make golden)",
           f"{tagged} != {wanted}")
    sys.path.insert(0, "tools/grade")
    import kit as grade_kit
    groups = lambda bonus: list(dict.fromkeys(r["group"] for r in rows if (r["bonus"] == "yes") == bonus))
    record(grade_kit.check_groups(kit.lesson) == (groups(False), groups(True)) and
           "LESSON_REQUIRED" not in open(f"lessons/{kit.lesson}/lesson.mk").read(),
           "the batch tools take the check groups from the catalogue (and lesson.mk no longer names them)")


def test_stubs(kit, cflags):
    stub = f"lessons/{kit.lesson}"
    r = run(["cc", *shlex.split(cflags), "-Werror", f"-I{stub}", "-c", f"{stub}/schedulers.c",
             "-o", os.devnull])
    record(r.returncode == 0, "the stubs compile without a warning (-Werror)", r.stderr)
    r = run([sys.executable, "tools/stub/make_stub.py", "--lesson", kit.lesson, "--check"])
    record(r.returncode == 0, "the committed stub is the one tools/stub/make_stub.py generates "
                              "from the reference", r.stderr)
    lines = open(f"{stub}/schedulers.c").read().splitlines()
    first_todo = next((i + 1 for i, line in enumerate(lines) if "TODO:" in line), None)
    record(first_todo is not None and first_todo <= 30,
           f"the stub's first TODO is on its first screen (line {first_todo} of {len(lines)})")
    status, data, out = kit.grade(stub)
    by_sched = {}
    for t in (data or {}).get("tests", []):
        by_sched.setdefault(t["extra_data"]["scheduler"], []).append(t)
    ok = status == 1 and by_sched and all(
        all(t["status"] == "failed" for t in tests) for tests in by_sched.values())
    record(ok, f"the stubs fail every test of every scheduler ({', '.join(sorted(by_sched))})", out[-2000:])
    # The stubs leave every rate at 0: each failure says so, and offers no
    # second mistake that does not explain a rate of 0 (such as a decay at epoch 0).
    tests = (data or {}).get("tests", [])
    wrong = [f"{t['name']}: hint {t['extra_data'].get('hint')}, second hints {SECOND_HINT.findall(t['output'])}"
             for t in tests if t["extra_data"].get("hint") != "lr-zero" or SECOND_HINT.search(t["output"])]
    record(tests and not wrong, "the stubs: every failure hints [lr-zero], with no second hint", "; ".join(wrong))
    plots = "plot: " in out
    record(plots, "a failure prints the path of its overlay plot", out[-1500:])
    r = run(["make", "--no-print-directory", "run", f"SUBMISSION={stub}", "ARGS=--epochs 3"])
    record(r.returncode == 0 and "constant" in r.stdout, "the lesson program runs with the stubs",
           r.stdout + r.stderr)


def grade_patch(kit, patch_path, extra=()):
    """Applies a catalogue patch (mutant, variant, fixture) and grades the result.
    Returns (name, status, results dict, output, failure); failure is the
    (ok, what, detail) to report when the patch no longer applies or the
    grader wrote no results, else None."""
    kind = os.path.basename(os.path.dirname(patch_path))[:-1]   # mutant, variant, fixture
    name = os.path.basename(patch_path)[:-len(".patch")]
    path, why = apply_patch(kit, patch_path)
    if path is None:
        return name, None, None, "", (False, f"{kind} {name}: its patch applies to the reference", why)
    status, data, out = kit.grade(path, extra=extra)
    failure = (False, f"{kind} {name}", f"no results: {out[-1500:]}") if data is None else None
    return name, status, data, out, failure


def check_mutant(kit, patch_path):
    sched = header_field(patch_path, "expect-fail")
    hint = header_field(patch_path, "expect-hint")
    name, status, data, out, failure = grade_patch(kit, patch_path)
    if failure:
        return failure
    failed = failed_tests(data)
    scheds = {t["extra_data"]["scheduler"] for t in failed}
    hints = {t["extra_data"]["hint"] for t in failed}
    for t in failed:   # a second matching mistake is named in the output as "or [id]"
        hints.update(SECOND_HINT.findall(t["output"]))
    required = sched != "warmup_cosine"
    # A failed training curve names a mistake its lr tests name (the golden
    # data has the mistakes' rates on the graded curves), never just [differs].
    def named(test):
        return {test["extra_data"]["hint"], *SECOND_HINT.findall(test["output"])}
    curves = [t for t in failed if t["extra_data"]["id"].endswith("/curve")]
    lr_hints = set().union(*(named(t) for t in failed if t not in curves))
    curves_ok = all(t["extra_data"]["hint"] != "differs" and named(t) & lr_hints for t in curves)
    ok = failed and scheds == {sched} and hint in hints and curves_ok and \
        (status == 1 if required else status == 0)
    detail = f"status {status}, failed schedulers {sorted(scheds)}, hints {sorted(hints)}; " \
             f"curve hints {[sorted(named(t)) for t in curves]}, lr-test hints {sorted(lr_hints)}"
    what = f"mutant {name}: fails {sched} only, hint [{hint}]" + \
        (", its curve failure names a mistake of its lr tests" if curves else "")
    return ok, what, detail


def check_variant(kit, patch_path):
    name, status, data, out, failure = grade_patch(kit, patch_path)
    if failure:
        return failure
    ok = status == 0 and not failed_tests(data)
    return ok, f"variant {name} passes everything", out[-2000:]


def check_fixture(kit, patch_path):
    sched = header_field(patch_path, "expect-fail")
    message = header_field(patch_path, "expect-message")
    name, status, data, out, failure = grade_patch(kit, patch_path, extra=["--timeout", "1"])
    if failure:
        return failure
    failed = failed_tests(data)
    scheds = {t["extra_data"]["scheduler"] for t in failed}
    first = next((t for t in data["tests"] if t["extra_data"]["scheduler"] == sched), None)
    if kit.flavour == "san" and message.startswith("crashed with signal"):
        # AddressSanitizer catches the signal, reports it and exits 1 itself.
        message = "a sanitizer stopped it"
    ok = scheds == {sched} and first is not None and message in first["output"] and status == 1
    return ok, f"fixture {name}: {sched} fails with \"{message}\", the others pass", \
        f"failed {sorted(scheds)}; {first['output'][:300] if first else ''}"


def test_catalogues(kit, jobs):
    print("mutants, variants and crash fixtures")
    base = f"tests/{kit.lesson}"
    work = []
    counts = {}
    # every catalogue entry is NAME.patch against the reference
    for kind, fn in [("mutants", check_mutant), ("variants", check_variant),
                     ("fixtures", check_fixture)]:
        d = os.path.join(base, kind)
        entries = [os.path.join(d, n) for n in sorted(os.listdir(d))] if os.path.isdir(d) else []
        entries = [e for e in entries if e.endswith(".patch")]
        counts[kind] = len(entries)
        work += [(fn, e) for e in entries]
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        for ok, what, detail in pool.map(lambda w: w[0](kit, w[1]), work):
            record(ok, what, detail)
    record(counts["mutants"] >= 20 and counts["variants"] >= 5,
           f"catalogue sizes: {counts['mutants']} mutants, {counts['variants']} variants, "
           f"{counts['fixtures']} crash fixtures")


HIDDEN_SEEDS = range(1, 31)


def hidden_failures(kit, submission, ids, seeds):
    """{seed: the ids among `ids` that fail} for the instructor judge on
    submission. Each check runs alone (--only ID), with the plain runner only:
    the hidden checks compare rates, the sanitizer runner adds nothing here
    but time. Returns (failures, errors)."""
    binary, log = kit.build_grader(submission, "instructor")
    if not binary:
        return {}, [f"no instructor grader: {log[-800:]}"]
    # mk/lesson.mk's layout: the edition's judge, the submission's runner.
    judge = os.path.join(kit.out, "judge-instructor", "judge")
    runner = os.path.join(kit.out, kit.key(submission), "runner")
    failures, errors = {}, []
    with tempfile.TemporaryDirectory() as tmp:
        js = os.path.join(tmp, "r.json")
        for seed in seeds:
            env = dict(os.environ, GRADING_SEED=str(seed))
            failures[seed] = set()
            for test_id in ids:
                r = run([judge, "--runner", runner, "--only", test_id, "--json", js, "--plots", tmp],
                        env=env)
                data = json.load(open(js)) if os.path.exists(js) else None
                tests = (data or {}).get("tests", [])
                if r.returncode not in (0, 1) or len(tests) != 1:
                    errors.append(f"seed {seed} {test_id}: exit {r.returncode} {r.stderr[-300:]}")
                elif tests[0]["status"] != "passed":
                    failures[seed].add(test_id)
    return failures, errors


def test_hidden_seeds(kit, jobs):
    """Whether a catalogued mistake is caught must not depend on the seed:
    every mutant fails the same hidden checks of its scheduler for each of 30
    seeds (and at least one); the reference and every variant pass them all."""
    print(f"hidden checks over {len(HIDDEN_SEEDS)} grading seeds")
    status, data, out = kit.grade(f"solutions/{kit.lesson}", "instructor",
                                  env=dict(os.environ, GRADING_SEED="1"))
    hidden = {}
    for t in (data or {}).get("tests", []):
        if t["extra_data"]["hidden"]:
            hidden.setdefault(t["extra_data"]["scheduler"], []).append(t["extra_data"]["id"])
    record(len(hidden) == 5 and len(hidden.get("plateau", [])) == 3,
           f"hidden checks: {sum(len(v) for v in hidden.values())} (plateau 3, one per other scheduler)",
           f"{hidden} {out[-800:]}")
    every_id = [i for ids in hidden.values() for i in ids]
    base = f"tests/{kit.lesson}"
    work = [(f"solutions/{kit.lesson}", None, every_id, "the reference")]
    for kind in ("mutants", "variants"):
        d = os.path.join(base, kind)
        for n in sorted(os.listdir(d)):
            if n.endswith(".patch"):
                path = os.path.join(d, n)
                sched = header_field(path, "expect-fail")
                work.append((path, sched, hidden.get(sched, []) if sched else every_id, kind[:-1]))

    def one(entry):
        path, sched, ids, kind = entry
        name = "" if kind == "the reference" else os.path.basename(path)[:-len(".patch")]
        folder = path
        if kind != "the reference":
            folder, why = apply_patch(kit, path)
            if folder is None:
                return False, f"{kind} {name}: its patch applies", why
        failures, errors = hidden_failures(kit, folder, ids, HIDDEN_SEEDS)
        patterns = {frozenset(f) for f in failures.values()}
        caught = sorted(next(iter(patterns))) if len(patterns) == 1 else None
        if kind == "mutant":
            ok = not errors and caught is not None and len(caught) >= 1
            fails = ", ".join(caught) if caught else "no hidden check" if caught == [] else \
                "different hidden checks for different seeds"
            what = f"mutant {name}: fails {fails} (the same for every seed, at least one)"
        else:
            ok = not errors and caught == []
            what = f"{kind}{' ' + name if name else ''}: passes its {len(ids)} hidden checks for every seed"
        detail = "; ".join(errors[:3]) or ", ".join(
            f"seed {s}: {sorted(f)}" for s, f in sorted(failures.items())[:6])
        return ok, what, detail

    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        for ok, what, detail in pool.map(one, work):
            record(ok, what, detail)


def test_grader_cli(kit):
    print("grader command line")
    binary, _ = kit.build_grader(f"solutions/{kit.lesson}")
    binary = os.path.abspath(binary)
    with tempfile.TemporaryDirectory() as tmp:
        js = os.path.join(tmp, "r.json")
        r = run([binary, "--only", "step", "--json", js, "--plots", tmp], cwd=tmp)
        data = json.load(open(js))
        ok = r.returncode == 0 and {t["extra_data"]["scheduler"] for t in data["tests"]} == {"step"}
        record(ok, "--only step runs the step tests only, from any working directory", r.stdout)
        fields = {"name", "score", "max_score", "status", "output", "visibility", "extra_data"}
        ok = all(fields <= set(t) for t in data["tests"]) and {"score", "max_score", "tests"} <= set(data)
        record(ok, "results.json has Gradescope's fields (score, max_score, tests[] ...)")
        r = run([binary, "--only", "step/lr-edges", "--json", js, "--plots", tmp])
        data = json.load(open(js))
        record(r.returncode == 0 and len(data["tests"]) == 1, "--only step/lr-edges runs one test")
        r = run([binary, "--only", "nosuch"])
        record(r.returncode == 2 and r.stderr.count("\n") == 1, "--only with an unknown name: one line, exit 2", r.stderr)
        env = dict(os.environ, KIT_GOLDEN_DIR=os.path.join(tmp, "missing"))
        r = run([binary, "--json", js, "--plots", tmp], env=env)
        data = json.load(open(js))
        ok = r.returncode == 2 and data["tests"] and all(t["status"] == "failed" for t in data["tests"])
        record(ok, "KIT_GOLDEN_DIR is honoured; a missing golden folder: exit 2, results.json still written",
               r.stderr)
        env = dict(os.environ, CK_RUN_SUITE="exponential")
        r = run([binary, "--json", js, "--plots", tmp], env=env)
        data = json.load(open(js))
        record(r.returncode == 0 and {t["extra_data"]["scheduler"] for t in data["tests"]} == {"exponential"},
               "CK_RUN_SUITE selects a scheduler, as with any Check runner")
    r = run(kit.make + ["--no-print-directory", "check", f"LESSON={kit.lesson}",
                        f"SUBMISSION=solutions/{kit.lesson}", "ONLY=plateau"])
    ok = r.returncode == 0 and "plateau/basic" in r.stdout and "step/" not in r.stdout
    record(ok, "make check ONLY=plateau grades one scheduler", r.stdout[-1500:])
    step_early, why = apply_patch(kit, f"tests/{kit.lesson}/mutants/step-early.patch")
    r = run(kit.make + ["--no-print-directory", "check", f"LESSON={kit.lesson}",
                        f"SUBMISSION={step_early or why}"])
    ok = r.returncode != 0 and re.search(r"^Score: \d+/\d+$", r.stdout, re.M) and "decays-early" in r.stdout
    record(ok, "make check on a wrong submission: score line, hint, non-zero exit", r.stdout[-1500:])
    test_console(kit, step_early)
    with tempfile.TemporaryDirectory() as tmp:
        scratch = os.path.join(kit.out, kit.key(tmp))
        with open(os.path.join(tmp, "schedulers.c"), "w") as f:
            f.write(open(f"solutions/{kit.lesson}/schedulers.c").read().replace(
                "s->base.lr = lr;", "s->base.lr = lr", 1))
        r = run(kit.make + ["--no-print-directory", "grader", f"LESSON={kit.lesson}", f"SUBMISSION={tmp}"])
        record(r.returncode != 0 and "error" in r.stderr, "a compile error fails make grader with the compiler's message",
               r.stderr[-800:])
        with open(os.path.join(tmp, "schedulers.c"), "w") as f:
            f.write(open(f"solutions/{kit.lesson}/schedulers.c").read() +
                    "\n#include <stdio.h>\n#include <stdlib.h>\n"
                    "__attribute__((constructor)) static void cheat(void) { puts(\"Score: 44/44\"); exit(0); }\n")
        # Code before main runs in the runner only: it can print what it likes
        # and exit, the judge still decides from the traces it reads.
        status, data, out = kit.grade(tmp)
        record(status == 1 and data is not None and data["score"] == 0 and "Score: 0/" in out,
               "a constructor that prints a full score and exits scores 0 (it runs in the runner, not the judge)",
               out[-800:])
        subprocess.run(["rm", "-rf", scratch])   # only the scratch submission's build folder


def test_console(kit, step_early):
    """make check's console: the first failing scheduler in full, every other
    on one line; VERBOSE=1 everything; colour only on a terminal without NO_COLOR."""
    # Two wrong schedulers: step (first in the lesson's order) and plateau.
    both = os.path.join(kit.out, "catalogue", "console", "step-and-plateau")
    os.makedirs(both, exist_ok=True)
    shutil.copy(os.path.join(step_early, "schedulers.c"), os.path.join(both, "schedulers.c"))
    r = run(["patch", "--batch", "--silent", "--fuzz=0", "--no-backup-if-mismatch",
             os.path.join(both, "schedulers.c"), f"tests/{kit.lesson}/mutants/plateau-no-eps.patch"])
    check = kit.make + ["--no-print-directory", "check", f"LESSON={kit.lesson}", f"SUBMISSION={both}"]
    out = run(check).stdout
    lines = out.splitlines()
    ok = r.returncode == 0 and "  FAIL  step/lr-post" in out and "  FAIL  plateau/" not in out and \
        any(re.match(r"^plateau +\d+/\d+ +first failing: plateau/\S+ \[ignores-eps\]$", x) for x in lines) and \
        any(re.match(r"^constant +2/2 +all passed$", x) for x in lines) and "\033[" not in out
    record(ok, "make check: the first failing scheduler (step) in full, plateau on one line with its "
               "first failing check and hint, passing ones on one line, no colour in a pipe", out[-1500:])
    verbose = run(check + ["VERBOSE=1"]).stdout
    record("  FAIL  plateau/eps" in verbose and "  PASS  constant/lr" in verbose,
           "make check VERBOSE=1 shows every check", verbose[-800:])
    grader = os.path.join(kit.out, kit.key(both), "grader")
    def on_terminal(env):
        import pty
        master, slave = pty.openpty()
        p = subprocess.Popen([grader, "--only", "step"], stdout=slave, stderr=slave, env=env)
        os.close(slave)
        chunks = []
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break
            if not chunk:
                break
            chunks.append(chunk)
        p.wait()
        os.close(master)
        return b"".join(chunks).decode(errors="replace")
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    coloured, plain = on_terminal(env), on_terminal(dict(env, NO_COLOR="1"))
    record("\033[1;31mFAIL" in coloured and "FAIL" in plain and "\033[" not in plain,
           "colour on a terminal, none with NO_COLOR", repr(coloured[:300]) + repr(plain[:300]))


BAD_INPUTS = [
    ["--schedule", "cosine"], ["--lr", "-0.1"], ["--lr", "abc"], ["--gamma", "0"],
    ["--gamma", "-1"], ["--factor", "1"], ["--factor", "1.5"], ["--step-size", "0"],
    ["--epochs", "0"], ["--samples", "1"], ["--patience", "-1"], ["--threshold-mode", "x"],
    ["--mode", "up"], ["--val-every", "1"], ["--plateau-metric", "val"], ["--nosuch"],
    ["--lr"], ["extra"], ["--schedule", "plateau", "--metrics", "/nonexistent/metrics.txt"],
    ["--metrics", "x.txt"], ["--schedule", "warmup_cosine", "--warmup", "20", "--total", "10"], ["--momentum", "1"],
]


def test_lesson_program(kit, lesson):
    print("lesson program")
    bad = []
    for args in BAD_INPUTS:
        r = run([lesson, *args])
        lines = r.stderr.strip().split("\n")
        if r.returncode != 2 or len(lines) != 1 or not lines[0].startswith("lesson: ") or r.stdout:
            bad.append(f"{args}: exit {r.returncode}, stderr {r.stderr!r}")
    record(not bad, f"{len(BAD_INPUTS)} bad inputs: one line on stderr, exit 2", "; ".join(bad))
    with tempfile.TemporaryDirectory() as tmp:
        m = os.path.join(tmp, "m.txt")
        open(m, "w").write("1.0\n0.5\nabc\n")
        r = run([lesson, "--schedule", "plateau", "--metrics", m])
        record(r.returncode == 2 and "line 3" in r.stderr, "a malformed metrics file names its line", r.stderr)
    r = run([lesson])
    ok = r.returncode == 0 and all(s in r.stdout for s in ["constant", "step", "exponential", "plateau", "final loss"])
    record(ok, "the default run prints the comparison table", r.stdout[:500])
    r = run([lesson, "--csv"])
    ok = r.returncode == 0 and r.stdout.startswith("schedule,epoch,lr,loss\n") and r.stdout.count("\n") == 401
    record(ok, "--csv without --schedule: long format, 4 x 100 rows")
    # A diverged run reaches NaN with the sign bit set (glibc prints "-nan"):
    # every CSV writes "nan", the same bytes Python's repr writes.
    outputs = [run([lesson, "--lr", "3.0", "--samples", "7", "--csv"]).stdout,
               run([lesson, "--lr", "50", "--val-every", "4", "--csv"]).stdout,
               run([lesson, "--schedule", "constant", "--lr", "3.0", "--samples", "7", "--csv"]).stdout]
    with tempfile.TemporaryDirectory() as tmp:
        m = os.path.join(tmp, "m.txt")
        open(m, "w").write("1.0\n-nan\nnan\n")
        outputs.append(run([lesson, "--schedule", "plateau", "--metrics", m]).stdout)
    ok = all(re.search(r",nan(,|$)", out, re.M) and "-nan" not in out for out in outputs)
    record(ok, "diverged runs and NaN metrics: CSV writes nan, never -nan",
           "; ".join(out[-200:] for out in outputs))
    # The human-readable tables print the same NaN the same way.
    tables = [run([lesson, "--lr", "5"]).stdout,
              run([lesson, "--schedule", "step", "--lr", "50", "--val-every", "4"]).stdout]
    ok = all(re.search(r"\snan\s", out) and "-nan" not in out for out in tables)
    record(ok, "diverged runs: the comparison and one-run tables print nan, never -nan",
           "; ".join(out[-300:] for out in tables))
    r = run([lesson, "--help"])
    record(r.returncode == 0 and "--schedule" in r.stdout and "--metrics" in r.stdout, "--help lists the flags")
    for path in [f"lessons/{kit.lesson}/main.c", f"solutions/{kit.lesson}/schedulers.c"]:
        text = open(path).read()
        opens = re.findall(r"^\s*// \[listing ([a-z0-9-]+)\]$", text, re.M)
        closes = re.findall(r"^\s*// \[/listing\]$", text, re.M)
        record(opens and len(opens) == len(closes) and len(set(opens)) == len(opens),
               f"{path}: {len(opens)} balanced, unique listing markers ({', '.join(opens)})")


def test_fidelity(kit, lesson, fidelity):
    print("fidelity against PyTorch (tests/golden/%s)" % kit.lesson)
    golden = f"tests/golden/{kit.lesson}"
    cases = list(csv.DictReader(open(os.path.join(golden, "cases.csv"))))
    exact_cases = exact_linear = 0
    worst = mlp_worst = 0.0
    values = exact_values = 0
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        for c in cases:
            gfile = os.path.join(golden, c["file"])
            args = c["args"].split()
            if c["kind"] == "replay":
                mfile = os.path.join(tmp, "metrics.txt")
                with open(gfile) as f:
                    rows = list(csv.DictReader(f))
                open(mfile, "w").write("".join(r["metric"] + "\n" for r in rows))
                cmd = [lesson, *args, "--metrics", mfile]
            else:
                cmd = [lesson, *args, "--csv"]
            r = run(cmd)
            out = os.path.join(tmp, "got.csv")
            open(out, "w").write(r.stdout)
            f = run([fidelity, gfile, out])
            m = re.match(r"exact (\d+)/(\d+) max_rel (\S+)", f.stdout)
            if r.returncode != 0 or f.returncode != 0 or not m:
                failures.append(f"{c['id']}: {r.stderr.strip()} {f.stdout.strip()}")
                continue
            e, n, rel = int(m.group(1)), int(m.group(2)), float(m.group(3))
            values += n
            exact_values += e
            exact_cases += e == n
            exact_linear += e == n and c["model"] != "mlp"
            worst = max(worst, rel)
            if c["model"] == "mlp":
                mlp_worst = max(mlp_worst, rel)
    record(not failures, f"{len(cases)} golden cases within 1e-6 relative (the floor)", "; ".join(failures[:5]))
    # Bit-exact is the target. The linear model is exact in the core; the MLP
    # goes through tanh, where the core's last bits may differ from torch's.
    linear_cases = [c for c in cases if c["model"] != "mlp"]
    record(exact_linear == len(linear_cases),
           f"bit-exact: {exact_cases}/{len(cases)} cases ({exact_linear}/{len(linear_cases)} "
           f"with the linear model), {exact_values}/{values} values; max relative difference "
           f"{worst:.3g} (MLP cases: {mlp_worst:.3g})")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--make", default="make")
    p.add_argument("--build", default="build")
    p.add_argument("--flavour", default="opt")
    p.add_argument("--lesson", default="3.2")
    p.add_argument("--summary")
    p.add_argument("--cflags", default="-std=c11 -Wall -Wextra -pedantic -ffp-contract=off -Icommon")
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    args = p.parse_args()
    kit = Kit(args)
    lesson = os.path.join(kit.out, kit.key(f"solutions/{kit.lesson}"), "lesson")
    fidelity = os.path.join(kit.out, "tools", "fidelity")

    test_reference(kit)
    test_stubs(kit, args.cflags)
    test_catalogues(kit, args.jobs)
    test_hidden_seeds(kit, args.jobs)
    test_grader_cli(kit)
    test_lesson_program(kit, lesson)
    test_fidelity(kit, lesson, fidelity)

    passed = sum(RESULTS)
    failed = len(RESULTS) - passed
    if args.summary:
        with open(args.summary, "a") as f:
            f.write(f"lesson {passed} {failed}\n")
    print(f"test-lesson: {passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
