#!/usr/bin/python3
"""make_stub.py: the student's schedulers.c, generated from the reference.

    tools/stub/make_stub.py [--lesson 3.2] [--check]

Writes lessons/<L>/schedulers.c from solutions/<L>/schedulers.c: every
region between "// BEGIN SOLUTION" and "// END SOLUTION" gets the TODO of
its function (TODOS below, the one place a TODO is written), the
reference's header becomes the student's short one; the book's
"// [listing NAME]" markers stay (the student edition of the book shows the
stub's listings). So the two files cannot drift apart: change the reference, run this, commit both.
With --check it writes nothing and exits 1 when the committed stub is not
the generated one (make test-lesson runs it).
"""

import argparse
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

HEADER = {"3.2": """\
/* schedulers.c: your learning-rate schedulers (lesson 3.2). Fill in every
 * TODO, in order; schedulers.h states the rules. The numbers must be
 * PyTorch's: multiply the current rate step by step, as torch does, and
 * compare with the same strict < and >. `make check` grades this file. */
"""}

# The body of each solution region in the stub, by the function it is in.
# Each compiles without a warning and leaves the rate at 0.
TODOS = {"3.2": {
    "constant_init": """\
    s->base.lr = 0.0;   /* TODO: epoch 0 uses the rate passed in, lr. */
""",
    "step_decay_step": """\
    /* TODO: implement StepLR's step (see the comment above this function).
     * Count the epoch in s->last_epoch, and when the new epoch is a multiple
     * of s->step_size multiply self->lr by s->gamma. */
    (void)s;
""",
    "step_decay_init": """\
    s->base.lr = 0.0;   /* TODO: epoch 0 uses the rate passed in, lr. */
""",
    "exponential_step": """\
    /* TODO: implement ExponentialLR's step: count the epoch in s->last_epoch
     * and multiply self->lr by s->gamma. */
    (void)s;
""",
    "exponential_init": """\
    s->base.lr = 0.0;   /* TODO: epoch 0 uses the rate passed in, lr. */
""",
    "plateau_is_better": """\
    /* TODO: return 1 when metric is better than s->best by more than the
     * threshold (the four cases above: o->mode, o->threshold_mode,
     * o->threshold), 0 otherwise. */
    (void)s;
    (void)o;
    (void)metric;
    return 0;
""",
    "plateau_step": """\
    /* TODO: the three parts above, using plateau_is_better(s, metric),
     * s->best, s->num_bad_epochs, s->cooldown_counter and the options in o. */
    (void)plateau_is_better;
    (void)s;
    (void)o;
    (void)metric;
""",
    "plateau_init": """\
    s->base.lr = 0.0;   /* TODO: epoch 0 uses the rate passed in, lr. */
    s->best = 0.0;      /* TODO: +INFINITY in min mode, -INFINITY in max mode. */
""",
    "warmup_cosine_factor": """\
    /* TODO (bonus): return factor(e) from the formula above. */
    (void)s;
    (void)e;
    (void)pi;
    return 0.0;
""",
    "warmup_cosine_step": """\
    /* TODO (bonus): count the epoch in s->last_epoch and set self->lr to
     * self->initial_lr * warmup_cosine_factor(s, s->last_epoch). */
    (void)warmup_cosine_factor;
    (void)s;
""",
    "warmup_cosine_init": """\
    s->base.lr = 0.0;   /* TODO (bonus): lr * factor(0). */
""",
}}

REGION = re.compile(r"// BEGIN SOLUTION\n.*?// END SOLUTION\n", re.S)
FUNCTION = re.compile(r"^(?:static )?\w+\s+\*?(\w+)\(", re.M)


def stub_of(reference, lesson):
    todos = TODOS[lesson]
    used = []

    def region(m):
        before = reference[:m.start()]
        name = FUNCTION.findall(before)[-1]
        if name not in todos:
            raise SystemExit(f"make_stub: no TODO for the solution region in {name}")
        used.append(name)
        indent = before[before.rfind("\n") + 1:]
        return "// BEGIN SOLUTION\n" + todos[name] + indent + "// END SOLUTION\n"

    text = REGION.sub(region, reference)
    unused = set(todos) - set(used)
    if unused:
        raise SystemExit(f"make_stub: TODOs for regions the reference lacks: {sorted(unused)}")
    # The reference's header comment becomes the student's.
    text = re.sub(r"\A/\*.*?\*/\n", lambda m: HEADER[lesson], text, count=1, flags=re.S)
    return text


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--lesson", default="3.2")
    p.add_argument("--check", action="store_true")
    args = p.parse_args()
    reference = open(os.path.join(ROOT, "solutions", args.lesson, "schedulers.c")).read()
    path = os.path.join(ROOT, "lessons", args.lesson, "schedulers.c")
    stub = stub_of(reference, args.lesson)
    if args.check:
        same = os.path.exists(path) and open(path).read() == stub
        if not same:
            print(f"{path} is not what tools/stub/make_stub.py generates: run it and commit", file=sys.stderr)
        sys.exit(0 if same else 1)
    with open(path, "w") as f:
        f.write(stub)


if __name__ == "__main__":
    main()
