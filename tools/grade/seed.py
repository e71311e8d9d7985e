"""seed.py: the course's secret GRADING_SEED, one rule for every tool.

The hidden checks draw their parameter sets from GRADING_SEED. When it is
not given, `make grade` and `make gradescope` both use the one kept in
build/grade/<L>/grading-seed (GRADE_OUT), made from os.urandom on first use
and readable by its owner only: a local regrade and the Gradescope bundle
made from the same kit therefore draw the same hidden checks.
"""

import hashlib
import os


class BadSeed(ValueError):
    pass


def check(given):
    if not given.isdigit() or int(given) >= 2 ** 64:
        raise BadSeed(f'GRADING_SEED must be a whole number below 2^64, got {given!r}')
    return given


def course_seed(out_dir):
    """(seed, True when it was made now) of <out_dir>/grading-seed."""
    path = os.path.join(out_dir, 'grading-seed')
    try:
        with open(path) as f:
            return check(f.read().strip()), False
    except FileNotFoundError:
        pass
    os.makedirs(out_dir, exist_ok=True)
    seed = str(int.from_bytes(os.urandom(8), 'little'))
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, 'w') as f:
        f.write(seed + '\n')
    return seed, True


def fingerprint(seed):
    """A short name for a seed that does not give it away."""
    return hashlib.sha256(f'kit-grading-seed:{seed}'.encode()).hexdigest()[:12]
