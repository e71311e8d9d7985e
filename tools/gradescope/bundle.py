#!/usr/bin/python3
"""bundle.py: the Gradescope autograder zip for one lesson.

    make gradescope LESSON=3.2 [GRADING_SEED=...]
        -> build/gradescope/3.2-autograder.zip

Gradescope unzips the upload into /autograder/source and wants setup.sh and
run_autograder at the zip's root (not inside a folder). The rest of the zip
is the instructor kit that grading needs: the Makefile and its fragments,
the core, the lesson, its reference solution and graders with their golden
data, scripts/deps.sh and tools/grade. Not packed: build outputs, git, the
book, the grader catalogues (mutants, variants) and the kit's own tests.

The upload stays with the instructor on Gradescope, so the reference
solution may travel in it (the instructor build of the graders needs it for
the hidden checks), and so does the secret seed of the hidden checks, in a
file GRADING_SEED: the variable when it is set, else the course's seed that
`make grade` keeps in build/grade/<L>/grading-seed (made now if there is
none; tools/grade/seed.py). So `make grade` on this machine draws the same
hidden checks as the bundle; the seed's fingerprint (printed here, and in
every results.json's extra_data) tells which seed a result was graded with.

Settings it records for run_autograder (each a file at the zip's root):
  HIDDEN_VISIBILITY  hidden | after_due_date | visible (default): when
                     students see the hidden checks' results on Gradescope;
  LATE_POLICY        "PERCENT[,MAX_DAYS]" (unset: no penalty): PERCENT of the
                     maximum off per started day after the due date in
                     Gradescope's submission_metadata.json, nothing after
                     MAX_DAYS days.

Deterministic: sorted entries, one fixed timestamp, fixed permissions.
"""

import argparse
import json
import os
import re
import sys
import zipfile

sys.dont_write_bytecode = True
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, 'tools', 'grade'))
import seed as seed_mod  # noqa: E402

VISIBILITIES = ('hidden', 'after_due_date', 'visible')
HERE = os.path.dirname(os.path.abspath(__file__))
FIXED_DATE = (2024, 1, 1, 0, 0, 0)
PACKED = ['Makefile', 'mk', 'common', 'scripts', 'lessons/{L}', 'solutions/{L}', 'tests/{L}',
          'tests/common', 'tests/golden', 'tools/grade']
LEFT_OUT_DIRS = {'mutants', 'variants', 'fixtures', '__pycache__', '.git'}


def kit_files(lesson):
    files = []
    for pattern in PACKED:
        top = os.path.join(ROOT, pattern.format(L=lesson))
        if os.path.isfile(top):
            files.append(os.path.relpath(top, ROOT))
        for folder, dirs, names in os.walk(top):
            dirs[:] = [d for d in dirs if d not in LEFT_OUT_DIRS]
            files += [os.path.relpath(os.path.join(folder, n), ROOT) for n in names
                      if not n.endswith(('.pyc', '.o', '.a'))]
    return sorted(files)


def failed_results(lesson):
    """What run_autograder copies when the grader could not even start."""
    return {
        'score': 0,
        'output': (f'The lesson {lesson} autograder could not run (no results were written). '
                   'This is not your fault: please tell your instructor.'),
        'visibility': 'visible',
        'tests': [],
        'extra_data': {'status': 'grader-error'},
    }


def add(archive, name, data, executable=False):
    info = zipfile.ZipInfo(name, FIXED_DATE)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = (0o100755 if executable else 0o100644) << 16
    info.create_system = 3  # unix, so the modes above count
    archive.writestr(info, data)


def bundle(lesson, out_path, seed_dir):
    os.makedirs(os.path.dirname(os.path.abspath(out_path)), exist_ok=True)
    entries = {}
    for rel in kit_files(lesson):
        with open(os.path.join(ROOT, rel), 'rb') as f:
            entries[rel] = (f.read(), os.access(os.path.join(ROOT, rel), os.X_OK))
    for name in ('setup.sh', 'run_autograder'):
        with open(os.path.join(HERE, name), 'rb') as f:
            entries[name] = (f.read(), True)
    entries['LESSON'] = (f'{lesson}\n'.encode(), False)
    entries['tools/gradescope/autograder-failed.json'] = (
        (json.dumps(failed_results(lesson), indent=1) + '\n').encode(), False)
    try:
        given = os.environ.get('GRADING_SEED')
        if given:
            seed, where = seed_mod.check(given), 'GRADING_SEED'
        else:
            seed, _ = seed_mod.course_seed(seed_dir)
            where = f'the course seed in {os.path.relpath(os.path.join(seed_dir, "grading-seed"))}'
    except seed_mod.BadSeed as bad:
        print(f'gradescope: {bad}', file=sys.stderr)
        return 2
    entries['GRADING_SEED'] = (f'{seed}\n'.encode(), False)
    print(f'gradescope: hidden checks use {where} (fingerprint {seed_mod.fingerprint(seed)}); '
          f'`make grade` with the same GRADING_SEED (or none, on this machine) draws the same ones')
    visibility = os.environ.get('HIDDEN_VISIBILITY') or 'visible'
    if visibility not in VISIBILITIES:
        print(f'gradescope: HIDDEN_VISIBILITY must be one of {", ".join(VISIBILITIES)}, not {visibility!r}',
              file=sys.stderr)
        return 2
    entries['HIDDEN_VISIBILITY'] = (f'{visibility}\n'.encode(), False)
    late = os.environ.get('LATE_POLICY') or ''
    if late:
        if not re.fullmatch(r'\d+(\.\d+)?(,\d+)?', late):
            print(f'gradescope: LATE_POLICY must be PERCENT[,MAX_DAYS], such as 10,5; not {late!r}', file=sys.stderr)
            return 2
        entries['LATE_POLICY'] = (f'{late}\n'.encode(), False)
    tmp = out_path + '.tmp'
    with zipfile.ZipFile(tmp, 'w') as archive:
        for name in sorted(entries):
            data, executable = entries[name]
            add(archive, name, data, executable)
    os.replace(tmp, out_path)
    print(f'gradescope: {len(entries)} files -> {os.path.relpath(out_path)}')
    return 0


def main():
    parser = argparse.ArgumentParser(description='Build the Gradescope autograder zip.')
    parser.add_argument('--lesson', required=True)
    parser.add_argument('--out', required=True)
    parser.add_argument('--seed-dir', help='where the course seed is kept (GRADE_OUT)')
    args = parser.parse_args()
    return bundle(args.lesson, args.out, args.seed_dir or os.path.join(ROOT, 'build', 'grade', args.lesson))


if __name__ == '__main__':
    sys.exit(main())
