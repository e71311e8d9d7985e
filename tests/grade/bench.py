#!/usr/bin/python3
"""bench.py: grading throughput on this machine (make bench-grade). Figures only.

  * a mixed class of 20 submissions (the reference, stubs, mutants, variants,
    crashes, floods; no hangs, whose cost is the wall limit by design),
    graded from scratch with JOBS=1 and with JOBS=2: seconds per submission
    and submissions per minute;
  * 100 submissions (copies of that mix) with JOBS=2 (the default, nproc):
    the time an instructor waits for a class of 100;
  * the same 100 again, unchanged: the cost of a resumed batch;
  * the sandbox that ran (bubblewrap or rlimits), and what one check costs:
    the judge's wall time per check of the reference (each check starts the
    plain and the sanitizer runner, each in its own sandbox).
The reference grader is built once before the timings (it is cached by
the kit's hash, as in any real batch after the first).
"""

import argparse
import json
import re
import os
import shutil
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PYTHON = '/usr/bin/python3'


def grade(lesson, submissions, out, jobs, log=None):
    started = time.monotonic()
    done = subprocess.run([PYTHON, '-B', os.path.join(ROOT, 'tools', 'grade', 'grade.py'), '--lesson', lesson,
                           '--submissions', submissions, '--out', out, '--jobs', str(jobs)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f'bench-grade: make grade failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}')
    if log is not None:
        log.append(done.stdout)
    return time.monotonic() - started


def per_check(out):
    """The reference's judge time per check, from its results.json."""
    with open(os.path.join(out, 'work', '.reference', 'run', 'results.json')) as f:
        data = json.load(f)
    return data['execution_time'] / max(1, len(data['tests'])), len(data['tests'])


def fresh(out):
    """A new output folder that keeps the cached reference run."""
    reference = os.path.join(out, 'reference')
    keep = reference + '.keep'
    if os.path.isdir(reference):
        shutil.rmtree(keep, ignore_errors=True)
        os.rename(reference, keep)
    for name in ('students', 'work'):
        shutil.rmtree(os.path.join(out, name), ignore_errors=True)
    if os.path.isdir(keep):
        os.rename(keep, reference)


def main():
    parser = argparse.ArgumentParser(description='Grading throughput.')
    parser.add_argument('--lesson', required=True)
    args = parser.parse_args()
    work = os.path.join(ROOT, 'build', 'grade', f'bench-{args.lesson}')
    os.makedirs(work, exist_ok=True)
    make_class = os.path.join(ROOT, 'tests', 'grade', 'make_class.py')
    mix, hundred = os.path.join(work, 'mix'), os.path.join(work, 'hundred')
    subprocess.run([PYTHON, '-B', make_class, '--lesson', args.lesson, '--out', mix, '--copies', '20'], check=True)
    subprocess.run([PYTHON, '-B', make_class, '--lesson', args.lesson, '--out', hundred, '--copies', '100'],
                   check=True)
    out = os.path.join(work, 'out')
    shutil.rmtree(out, ignore_errors=True)
    log = []
    grade(args.lesson, mix, out, 2, log)  # warm-up: builds the kit and grades the reference
    sandbox = re.search(r'grade: sandbox: (.*)', log[0])
    print(f'bench-grade: lesson {args.lesson}, {os.cpu_count()} cores; limits as `make grade` (defaults); '
          f'sandbox: {sandbox.group(1) if sandbox else "?"}')
    seconds, checks = per_check(out)
    print(f'bench-grade: the judge on the reference: {seconds * 1000:.1f} ms per check ({checks} checks, '
          f'each one plain and one sanitizer runner)')
    for jobs in (1, 2):
        fresh(out)
        seconds = grade(args.lesson, mix, out, jobs)
        print(f'bench-grade: JOBS={jobs}: 20 submissions in {seconds:.1f} s: '
              f'{seconds / 20:.2f} s per submission, {20 / seconds * 60:.1f} submissions per minute')
    fresh(out)
    seconds = grade(args.lesson, hundred, out, 2)
    print(f'bench-grade: 100 submissions, JOBS=2: {seconds:.1f} s ({100 / seconds * 60:.1f} per minute)')
    seconds = grade(args.lesson, hundred, out, 2)
    print(f'bench-grade: the same 100 again, unchanged (resumed, nothing graded): {seconds:.1f} s')
    return 0


if __name__ == '__main__':
    sys.exit(main())
