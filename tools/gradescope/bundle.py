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
the hidden checks), and so may the secret GRADING_SEED, written to a file
GRADING_SEED when the variable is set.

Deterministic: sorted entries, one fixed timestamp, fixed permissions.
"""

import argparse
import json
import os
import sys
import zipfile

sys.dont_write_bytecode = True
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
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


def bundle(lesson, out_path):
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
    seed = os.environ.get('GRADING_SEED')
    if seed and not (seed.isdigit() and int(seed) < 2 ** 64):
        print(f'gradescope: GRADING_SEED must be a whole number below 2^64, got {seed!r}', file=sys.stderr)
        return 2
    if seed:
        entries['GRADING_SEED'] = (f'{seed}\n'.encode(), False)
    else:
        print('gradescope: GRADING_SEED is not set: hidden checks will use the kit\'s default seed, '
              'which students could know (make gradescope GRADING_SEED=...)', file=sys.stderr)
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
    args = parser.parse_args()
    return bundle(args.lesson, args.out)


if __name__ == '__main__':
    sys.exit(main())
