"""kit.py: what the batch grader needs to know about the kit it grades with.

The kit is the repository this file lives in. Everything here reads it and
never writes it: the lesson's declarations (lessons/<L>/lesson.mk), the hash
of every file that goes into a grader binary (so that an unchanged
submission graded by an unchanged kit is not graded again), the check groups
of its catalogue, and where make puts the judge and the runner kit, which
`make grader-prereqs` builds.
"""

import hashlib
import os
import re

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# What goes into a grader or its verdict: change any of it and every
# submission is graded again. build/ and the class fixtures are not inputs.
GRADER_INPUTS = ['Makefile', 'mk', 'common', 'lessons/{L}', 'solutions/{L}', 'tests/{L}', 'tests/golden/{L}',
                 'tools/grade']
NOT_INPUTS = ('mutants', 'variants', 'fixtures', '__pycache__')


def lesson_vars(lesson):
    """The plain `NAME := value` lines of lessons/<L>/lesson.mk, as a dict."""
    values = {}
    path = os.path.join(ROOT, 'lessons', lesson, 'lesson.mk')
    with open(path) as f:
        for line in f:
            match = re.match(r'^([A-Z_]+)\s*:?=\s*(.*?)\s*$', line)
            if match:
                values[match.group(1)] = match.group(2)
    return values


def check_groups(lesson):
    """(required, bonus): the check groups of the lesson's one catalogue of
    checks (tests/<L>/checks.tsv), each in its order of first appearance."""
    required, bonus = [], []
    with open(os.path.join(ROOT, 'tests', lesson, 'checks.tsv')) as f:
        rows = [line.rstrip('\n').split('\t') for line in f if line.strip() and not line.startswith('#')]
    header = rows[0]
    for row in rows[1:]:
        record = dict(zip(header, row))
        target = bonus if record['bonus'] == 'yes' else required
        if record['group'] not in target:
            target.append(record['group'])
    return required, bonus


def student_file(lesson):
    """The one file a student submits (STUDENT_FILES in lesson.mk)."""
    files = lesson_vars(lesson).get('STUDENT_FILES', '').split()
    if len(files) != 1:
        raise SystemExit(f'grade: lessons/{lesson}/lesson.mk must name exactly one STUDENT_FILES '
                         f'(it names {files or "none"})')
    return files[0]


def inputs_digest(lesson):
    """sha256 over the path and bytes of every grader input, in a fixed order."""
    digest = hashlib.sha256()
    for pattern in GRADER_INPUTS:
        top = os.path.join(ROOT, pattern.format(L=lesson))
        paths = []
        if os.path.isfile(top):
            paths = [top]
        for folder, dirs, files in os.walk(top):
            dirs[:] = sorted(d for d in dirs if d not in NOT_INPUTS)
            # The kit's own test scripts (tests/<L>/*.py) build no grader, and
            # no document (*.md, such as tools/grade/README.md) changes a grade.
            paths += [os.path.join(folder, name) for name in sorted(files)
                      if not name.endswith(('.pyc', '.md')) and not (name.endswith('.py') and pattern.startswith('tests'))]
        for path in paths:
            digest.update(os.path.relpath(path, ROOT).encode() + b'\0')
            with open(path, 'rb') as f:
                digest.update(hashlib.sha256(f.read()).digest())
    return digest.hexdigest()


def submission_key(student_bytes, kit_digest, grading_seed, settings):
    """What decides a grade: the student's file, the kit, the secret seed and
    the limits. The seed is hashed, never stored."""
    digest = hashlib.sha256()
    for part in (student_bytes, kit_digest.encode(), (grading_seed or '').encode(),
                 repr(sorted(settings.items())).encode()):
        digest.update(hashlib.sha256(part).digest())
    return digest.hexdigest()


def prereqs_command(lesson, edition='instructor'):
    """What every submission's grading shares: the judge and the runner kit."""
    return ['make', '--no-print-directory', '-s', '-C', ROOT, 'grader-prereqs', f'LESSON={lesson}',
            f'EDITION={edition}']


def judge_path(lesson, edition='instructor'):
    """The judge make builds (mk/lesson.mk, JUDGE_BIN; flavour opt)."""
    return os.path.join(ROOT, 'build', 'opt', lesson, f'judge-{edition}', 'judge')


def runner_kit_path(lesson):
    """The runner kit make builds (mk/lesson.mk, RUNNER_KIT)."""
    return os.path.join(ROOT, 'build', 'opt', lesson, 'runner-kit')


def secret_paths(lesson):
    """What no grading user may ever read: the reference solutions, the
    hidden checks' source and the judge that contains both."""
    paths = [judge_path(lesson), os.path.join(ROOT, 'tests', lesson, 'hidden.c')]
    solutions = os.path.join(ROOT, 'solutions', lesson)
    if os.path.isdir(solutions):
        paths += [os.path.join(solutions, name) for name in sorted(os.listdir(solutions))]
    return [p for p in paths if os.path.exists(p)]


def make_environment():
    """The environment for the make that builds a grader: ours, minus the
    outer make's jobserver (its pipe is not ours to use) and any SANITIZE
    (graders for marks are the optimised build)."""
    env = {k: v for k, v in os.environ.items()
           if k not in ('MAKEFLAGS', 'MFLAGS', 'MAKELEVEL', 'MAKEOVERRIDES', 'SANITIZE')}
    env['LC_ALL'] = 'C'
    return env
