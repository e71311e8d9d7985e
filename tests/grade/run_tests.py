#!/usr/bin/python3
"""run_tests.py: the tests of the instructor tools (make test-grade).

End to end, on a generated class (make_class.py):
  * `make grade` grades it; every row's status and score are what the
    submission deserves; every results.json is valid Gradescope JSON whose
    score is the sum of its tests and whose lost points all carry a reason;
    every feedback.html is self-contained; the batch stayed inside its limits
    (no process left, nothing written outside its folder, the kit untouched);
  * a second `make grade` grades nothing; STUDENT=name grades one;
  * `make dist-student`: deterministic, no answers in it, and its own
    `make check` fails on the stubs and passes with the reference dropped in;
  * an instructor's term (lms_tests.py): a Canvas download and a Moodle
    zip, misnamed and doubled files and GRADE_PICK, the LMS exports, a
    similarity pair, overrides kept through a regrade, escaping;
  * `make dist-student`: deterministic, no answers in it, its own README,
    help and `make test`, every command they name run in the unpacked
    tarball, `make check` failing on the stubs and passing with the
    reference dropped in, the README's point counts checked against both
    graders;
  * `make gradescope`: deterministic, and its run_autograder, pointed at a
    scratch /autograder, writes valid results for a correct, a buggy and a
    crashing submission; over a term: the course seed, hidden checks'
    visibility, a late policy and an extension, a compile error's
    messages, setup.sh failing when the reference cannot pass.
Prints "grade: N passed, M failed" and appends "grade N M" to the summary file.
"""

import argparse
import atexit
import csv
import glob
import hashlib
import json
import os
import pwd
import re
import shutil
import stat
import subprocess
import sys
import tarfile
import time
import zipfile

sys.dont_write_bytecode = True
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lms_tests  # noqa: E402
PYTHON = '/usr/bin/python3'
# Small limits keep the faults cheap: a hang costs GRADE_WALL seconds twice.
TEST_LIMITS = {'GRADE_WALL': '10', 'GRADE_CPU': '5', 'GRADE_TEST_TIMEOUT': '1'}


class Checks:
    def __init__(self):
        self.passed = self.failed = 0

    def check(self, name, ok, detail=''):
        if ok:
            self.passed += 1
        else:
            self.failed += 1
            print(f'FAIL {name}' + (f': {detail}' if detail else ''), flush=True)
        return ok


def sha256(path):
    with open(path, 'rb') as f:
        return hashlib.sha256(f.read()).hexdigest()


def make(*targets, env=None, cwd=ROOT, timeout=900):
    environment = {k: v for k, v in os.environ.items() if k not in ('MAKEFLAGS', 'MAKELEVEL', 'MFLAGS')}
    environment.update(env or {})
    started = time.monotonic()
    done = subprocess.run(['make', '--no-print-directory', *targets], cwd=cwd, env=environment,
                          capture_output=True, text=True, timeout=timeout)
    return done.returncode, done.stdout + done.stderr, time.monotonic() - started


def grading_processes(names=None):
    """Processes still running as a kitgrader user (of names, when given; there must be none)."""
    uids = {u.pw_uid for u in pwd.getpwall() if u.pw_name.startswith('kitgrader')
            and (names is None or u.pw_name in names)}
    left = []
    for entry in os.listdir('/proc'):
        if entry.isdigit():
            try:
                if os.stat(f'/proc/{entry}').st_uid in uids:
                    left.append(entry)
            except OSError:
                pass
    return left


def read_gradebook(path):
    with open(path, newline='') as f:
        return list(csv.DictReader(f))


def check_results_json(t, student, path, groups):
    """Gradescope shape, score = sum of tests, a reason for every lost point."""
    try:
        with open(path) as f:
            data = json.load(f)
    except (OSError, ValueError) as error:
        t.check(f'{student}: results.json readable', False, str(error))
        return None
    tests = data.get('tests', [])
    t.check(f'{student}: results.json has tests', bool(tests))
    fields_ok = all(isinstance(x.get('name'), str) and isinstance(x.get('score'), (int, float))
                    and isinstance(x.get('max_score'), (int, float)) and x.get('status') in ('passed', 'failed')
                    and isinstance(x.get('output'), str) and x.get('visibility') in
                    ('visible', 'hidden', 'after_due_date', 'after_published') for x in tests)
    t.check(f'{student}: every test has name, score, max_score, status, output, visibility', fields_ok)
    t.check(f'{student}: score is the sum of the tests',
            abs(data.get('score', -1) - sum(x.get('score', 0) for x in tests)) < 1e-9,
            f'{data.get("score")} vs {sum(x.get("score", 0) for x in tests)}')
    unexplained = [x['name'] for x in tests if x.get('score', 0) < x.get('max_score', 0)
                   and not x.get('output', '').strip()]
    t.check(f'{student}: every lost point has a reason', not unexplained, ', '.join(unexplained[:3]))
    return data


def check_class(t, rows, expected, group_max, groups):
    by_student = {row['student']: row for row in rows}
    t.check('gradebook: one row per student', sorted(by_student) == sorted(expected),
            f'missing {sorted(set(expected) - set(by_student))}, extra {sorted(set(by_student) - set(expected))}')
    t.check('gradebook: sorted by student', [r['student'] for r in rows] == sorted(r['student'] for r in rows))
    required_max = sum(group_max[g] for g in groups['required'])  # bonus is extra credit
    for student, want in sorted(expected.items()):
        row = by_student.get(student)
        if row is None:
            continue
        scores = {g: float(row[g]) for g in groups['all']}
        total = float(row['total'])
        t.check(f'{student}: status {want["status"]}', row['status'] == want['status'],
                f'got {row["status"]} ({total:g}/{row["max"]})')
        t.check(f'{student}: max is the kit\'s', float(row['max']) == required_max, row['max'])
        t.check(f'{student}: total is the sum of its groups', abs(total - sum(scores.values())) < 1e-9)
        pattern = want['score']
        if pattern == 'full':
            ok = all(scores[g] == group_max[g] for g in groups['all'])
        elif pattern == 'zero':
            ok = total == 0
        elif pattern == 'below-full':
            ok = any(scores[g] < group_max[g] for g in groups['all'])
        elif pattern == 'all-but':
            ok = scores[want['group']] == 0 and all(
                scores[g] == group_max[g] for g in groups['all'] if g != want['group'])
        elif pattern == 'same-as':
            other = by_student.get(want['as'], {})
            ok = all(row[g] == other.get(g) for g in groups['all'])
        else:
            ok = False
        t.check(f'{student}: score pattern {pattern}{" " + want.get("group", "") if pattern == "all-but" else ""}',
                ok, ' '.join(f'{g}={scores[g]:g}/{group_max[g]:g}' for g in groups['all']))


def check_feedback(t, out, student, data):
    folder = os.path.join(out, 'students', student)
    md, html = os.path.join(folder, 'feedback.md'), os.path.join(folder, 'feedback.html')
    if not t.check(f'{student}: feedback.md and feedback.html', os.path.exists(md) and os.path.exists(html)):
        return
    with open(md) as f:
        text = f.read()
    with open(html) as f:
        page = f.read()
    t.check(f'{student}: feedback has the score table', '| **total** |' in text)
    lost = [x for x in data['tests'] if x['score'] < x['max_score']]
    shown = lms_tests.page_text(html)
    t.check(f'{student}: feedback names every lost check', all(x['name'] in shown for x in lost),
            str([x['name'] for x in lost if x['name'] not in shown][:3]))
    external = re.findall(r'<img[^>]+src="(?!data:)', page)
    t.check(f'{student}: feedback.html is self-contained', not external, str(external[:2]))
    plots = glob.glob(os.path.join(folder, 'plots', '*'))
    if plots:
        t.check(f'{student}: feedback.html embeds its plots', 'data:image' in page)


def private_folder(work):
    """work/private, mode 700, like CI's /root: the grading users cannot
    enter it, so what they run must be staged for them outside it."""
    folder = os.path.join(work, 'private')
    os.makedirs(folder, exist_ok=True)
    os.chmod(folder, 0o700)
    return folder


def snapshot(work):
    """A copy of the kit (no build/, no .git) to grade with: the batch's
    "nothing changed" checks must not see the edits of people working in
    the tree meanwhile. CI's fresh clone is the same either way. It lives
    in a private folder, wherever the tree is."""
    kit_copy = os.path.join(private_folder(work), 'kit')
    shutil.rmtree(kit_copy, ignore_errors=True)
    shutil.copytree(ROOT, kit_copy, symlinks=True,
                    ignore=lambda folder, names: [n for n in names if n in ('build', '.git', '__pycache__')
                                                  and folder == ROOT or n == '__pycache__'])
    return kit_copy


def test_batch(t, lesson, work):
    submissions = os.path.join(work, 'submissions')
    out = os.path.join(work, 'out')
    kit_copy = snapshot(work)
    shutil.rmtree(out, ignore_errors=True)
    subprocess.run([PYTHON, os.path.join(ROOT, 'tests', 'grade', 'make_class.py'), '--lesson', lesson,
                    '--out', submissions], check=True, stdout=subprocess.DEVNULL)
    with open(os.path.join(work, 'expected.json')) as f:
        expected = json.load(f)
    stub_before = sha256(os.path.join(kit_copy, 'lessons', lesson, 'schedulers.c'))
    for leftover in glob.glob('/tmp/kit-grade-escape-test*'):
        os.unlink(leftover)

    env = dict(TEST_LIMITS, GRADE_OUT=out)
    code, log, seconds = make('grade', f'LESSON={lesson}', f'SUBMISSIONS={submissions}', 'JOBS=2', env=env, cwd=kit_copy)
    with open(os.path.join(work, 'grade-1.log'), 'w') as f:
        f.write(log)
    print(f'test-grade: first batch of {len(expected)} submissions: {seconds:.1f} s (JOBS=2)', flush=True)
    if not t.check('make grade exits 0', code == 0, log[-2000:]):
        return
    t.check('the kit graded lives in a folder the grading users cannot enter (mode 700)',
            stat.S_IMODE(os.stat(os.path.dirname(kit_copy)).st_mode) == 0o700)
    users = re.search(r', as (kitgrader\S+(?:, kitgrader\S+)*)', log)
    if os.geteuid() == 0:
        t.check('as root, the batch ran every submission as a grading user', users is not None, log[:500])
    users = users.group(1).split(', ') if users else None
    t.check('progress lines say done/total, elapsed, rate and an ETA',
            re.search(r'\[\s*\d+/\d+\].*s elapsed, [\d.]+/min, about \d+ s left', log) is not None
            and re.search(r'\[\s*(\d+)/\1\].*, done$', log, re.M) is not None, log[:1500])

    with open(os.path.join(out, 'reference', 'state.json')) as f:
        reference_tests = json.load(f)['tests']
    group_max = {}  # a bonus check has max_score 0 and earns its points on top
    for test in reference_tests:
        group = test['extra_data']['group']
        group_max[group] = group_max.get(group, 0) + max(test['max_score'], test['score'])
    rows = read_gradebook(os.path.join(out, 'gradebook.csv'))
    sys.path.insert(0, os.path.join(ROOT, 'tools', 'grade'))
    import kit
    required, bonus = kit.check_groups(lesson)
    groups = {'required': required, 'all': required + bonus}
    t.check('gradebook columns: student, id, name, source, late, one per group, total, max, status, file, overrides',
            list(rows[0].keys()) == ['student', 'id', 'name', 'source', 'late', *groups['all'], 'total', 'max',
                                     'status', 'file', 'overrides'] if rows else False,
            str(list(rows[0].keys())) if rows else '')
    check_class(t, rows, expected, group_max, groups)
    for student in sorted(expected):
        data = check_results_json(t, student, os.path.join(out, 'students', student, 'results.json'), groups)
        if data:
            check_feedback(t, out, student, data)

    # What a compile that cannot see the kit says: the student's own file names.
    def feedback_of(student):
        with open(os.path.join(out, 'students', student, 'feedback.md')) as f:
            return f.read()
    missing = feedback_of('fault-missing-header') if 'fault-missing-header' in expected else ''
    t.check('a missing header: the compiler\'s message, with the student\'s file name',
            'schedulers.c:1:10: fatal error: my_helpers.h: No such file' in missing, missing[-800:])
    overflow = feedback_of('fault-heap-overflow') if 'fault-heap-overflow' in expected else ''
    t.check('a heap overflow: the sanitizer\'s kind, function and the student\'s file',
            re.search(r'heap-buffer-overflow in exponential_step,\s+schedulers\.c:\d+', overflow),
            overflow[-800:])
    with open(os.path.join(ROOT, 'solutions', lesson, 'schedulers.c')) as f:
        solution_lines = {line.strip() for line in f if len(line.strip()) > 25}
    for student in ('fault-includes-reference', 'fault-includes-reference-unseen', 'fault-calls-reference'):
        text = feedback_of(student) if student in expected else ''
        leaked = [line for line in solution_lines if line in text]
        t.check(f'{student}: its compile never sees the reference (no line of it in the feedback)',
                text and not leaked, str(leaked[:2]))
    t.check('no build path of the grading machine in compiler messages',
            not any(kit_copy in feedback_of(s) or '/tmp/kit-grade-' in feedback_of(s)
                    for s in expected if s.startswith('fault-')))

    # Inside its limits: nothing left running, nothing written outside, the kit untouched.
    t.check('no grading process left behind', not grading_processes(users), str(grading_processes(users)[:5]))
    t.check('no archive member escaped', not glob.glob('/tmp/kit-grade-escape-test*'))
    t.check('the kit\'s stub is untouched', sha256(os.path.join(kit_copy, 'lessons', lesson, 'schedulers.c')) == stub_before)
    bound = 2 * int(TEST_LIMITS['GRADE_WALL']) + 120 + 15
    slow = []
    for student in expected:
        with open(os.path.join(out, 'students', student, 'state.json')) as f:
            if json.load(f)['seconds'] > bound:
                slow.append(student)
    t.check(f'every submission finished within its limits (< {bound} s)', not slow, ', '.join(slow))
    t.check('the flood was capped', all(os.path.getsize(p) <= 1024 * 1024 for p in
                                         glob.glob(os.path.join(out, 'work', '*', 'logs', '*.log'))))

    with open(os.path.join(out, 'summary.md')) as f:
        summary = f.read()
    t.check('summary: histogram, status counts, common hints',
            'histogram.svg' in summary and '| status | students |' in summary and
            'Most common failure hints' in summary and '| hint | students |' in summary)
    t.check('summary: a class with unreadable submissions is not called complete',
            '**Not complete:**' in summary and 'archive-traversal' in summary and 'Complete:**' not in
            summary.replace('Not complete:**', ''))
    t.check('summary: the missing file\'s reason lists what was found',
            re.search(r'fault\\?-missing\\?-file.*found\\?: scheduler\\?\.c', summary) is not None)
    t.check('summary.html and histogram.svg written', os.path.exists(os.path.join(out, 'summary.html'))
            and os.path.getsize(os.path.join(out, 'histogram.svg')) > 500)

    # Resumable: nothing changed, nothing graded; STUDENT= grades exactly one.
    states = {s: os.path.getmtime(os.path.join(out, 'students', s, 'state.json')) for s in expected}
    code, log, seconds = make('grade', f'LESSON={lesson}', f'SUBMISSIONS={submissions}', 'JOBS=2', env=env, cwd=kit_copy)
    t.check('second make grade regrades nothing and says so', code == 0 and
            re.search(rf'grade: 0 graded in [\d.]+ s, {len(expected)} reused', log) is not None
            and '/min' not in log, log[-500:])
    with open(os.path.join(out, 'summary.md')) as f:
        t.check('summary of an unchanged rerun: reused, counted apart',
                f'graded 0 submission(s) in' in (summary := f.read()) and f'reused {len(expected)} unchanged' in summary,
                summary[-300:])
    t.check('second make grade leaves every student as it was',
            all(os.path.getmtime(os.path.join(out, 'students', s, 'state.json')) == m for s, m in states.items()))
    print(f'test-grade: second batch (nothing to do): {seconds:.1f} s', flush=True)
    code, log, _ = make('grade', f'LESSON={lesson}', f'SUBMISSIONS={submissions}', 'STUDENT=stubs', env=env, cwd=kit_copy)
    changed = [s for s, m in states.items()
               if os.path.getmtime(os.path.join(out, 'students', s, 'state.json')) != m]
    t.check('STUDENT=stubs regrades that one student only', code == 0 and changed == ['stubs']
            and re.search(r'grade: 1 graded in ', log) is not None, f'{changed} {log[-300:]}')
    code, log, _ = make('grade', f'LESSON={lesson}', f'SUBMISSIONS={submissions}', 'STUDENT=nobody', env=env, cwd=kit_copy)
    t.check('STUDENT=unknown: one clear line, exit 2', code == 2 and 'STUDENT=nobody' in log, log[-300:])
    code, log, _ = make('grade', f'LESSON={lesson}', env=env, cwd=kit_copy)
    t.check('no SUBMISSIONS: one clear line, exit 2', code == 2 and 'SUBMISSIONS' in log, log[-300:])
    lms_tests.test_lms(t, lesson, work, make, kit_copy, TEST_LIMITS)


SANDBOX_PROGRAMS = {
    # Forks 5 children that leave the session and fork a sleeper each, then exits.
    'escape': '#include <unistd.h>\nint main(void) { for (int i = 0; i < 5; i++) if (fork() == 0) { '
              'setsid(); if (fork() == 0) { sleep(60); _exit(0); } _exit(0); } return 3; }\n',
    # Tries 200 sleeping children (bounded even if the limit failed).
    'bomb': '#include <stdio.h>\n#include <unistd.h>\nint main(void) { int ok = 0; for (int i = 0; i < 200; i++) '
            '{ pid_t p = fork(); if (p == 0) { sleep(60); _exit(0); } if (p > 0) ok++; } '
            'printf("forked %d\\n", ok); return 0; }\n',
    # Prints about 40 MB (bounded even if the cap failed).
    'flood': '#include <stdio.h>\nint main(void) { for (long i = 0; i < 2000000; i++) puts("flood flood flood"); }\n',
    'spin': 'int main(void) { for (volatile unsigned long x = 0; ; x++) { } }\n',
    'sleeper': '#include <unistd.h>\nint main(void) { sleep(60); return 0; }\n',
}


def test_sandbox(t, work):
    """sandbox.py on its own: each limit holds and nothing survives the run.
    The programs run from a job folder of a stage (stage.py), as the batch
    runs a grader, since the grading user may not enter the kit (CI)."""
    folder = os.path.join(work, 'sandbox')
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    os.chmod(folder, 0o755)
    sys.path.insert(0, os.path.join(ROOT, 'tools', 'grade'))
    import grade
    import stage
    user = []
    if os.geteuid() == 0:
        user = ['--user', grade.ensure_slot_users(1)[0]]
    scratch = stage.Stage()
    atexit.register(scratch.remove)  # also when a check below raises
    place = scratch.job(pwd.getpwnam(user[1]) if user else None)
    for name, source in SANDBOX_PROGRAMS.items():
        with open(os.path.join(folder, name + '.c'), 'w') as f:
            f.write(source)
        subprocess.run(['cc', '-std=c11', '-D_POSIX_C_SOURCE=200809L', '-O1', '-o', os.path.join(folder, name),
                        os.path.join(folder, name + '.c')], check=True)
        with open(os.path.join(folder, name), 'rb') as f:
            place.put_file(os.path.join('bin', name), f.read(), executable=True)

    def sandbox(program, *limits):
        verdict = os.path.join(folder, program + '.verdict')
        output = os.path.join(folder, program + '.out')
        subprocess.run([PYTHON, os.path.join(ROOT, 'tools', 'grade', 'sandbox.py'), '--verdict', verdict,
                        '--output', output, '--cwd', place.run, *user, *limits, '--',
                        os.path.join(place.path, 'bin', program)], check=True, timeout=60)
        with open(verdict) as f, open(output, 'rb') as g:
            return json.load(f), g.read()

    def survivors():
        return [p for p in os.listdir('/proc') if p.isdigit() and
                _cmdline(p).startswith(place.path)]

    verdict, _ = sandbox('escape', '--wall', '10')
    t.check('sandbox: exit status reported', verdict['exit'] == 3, str(verdict))
    t.check('sandbox: processes that left the session are killed', not survivors(), str(survivors()))
    verdict, out = sandbox('bomb', '--wall', '10', '--nproc', '20')
    forked = int(re.search(rb'forked (\d+)', out).group(1)) if re.search(rb'forked (\d+)', out) else -1
    t.check('sandbox: the process limit holds (as an unprivileged user when root)', 0 <= forked < 20,
            f'forked {forked}')
    t.check('sandbox: the children of a fork bomb are killed', not survivors(), str(survivors()))
    if not user:  # as a normal user the kernel counts the user's other processes too: 30 of them here
        others = [subprocess.Popen(['sleep', '60']) for _ in range(30)]
        verdict, out = sandbox('bomb', '--wall', '10', '--nproc', '20')
        for other in others:
            other.kill()
            other.wait()
        forked = int(re.search(rb'forked (\d+)', out).group(1)) if re.search(rb'forked (\d+)', out) else -1
        t.check('sandbox: not as root, the process limit counts from what the user already runs',
                10 <= forked < 20, f'forked {forked}')
    verdict, out = sandbox('flood', '--wall', '10', '--out-cap', '100000')
    t.check('sandbox: output is capped and the flood stopped', verdict['output_limit'] and len(out) == 100000
            and verdict['signal'] == 9, str(verdict))
    verdict, _ = sandbox('spin', '--wall', '20', '--cpu', '1')
    t.check('sandbox: the CPU limit stops a spin', verdict['cpu_limit'] and verdict['wall_seconds'] < 10, str(verdict))
    verdict, _ = sandbox('sleeper', '--wall', '1')
    t.check('sandbox: the wall limit stops a sleeper', verdict['timeout'] and verdict['wall_seconds'] < 5, str(verdict))
    scratch.remove()
    grade.release_slot_users()
    t.check('sandbox: the stage is removed', not os.path.exists(scratch.path))


def _cmdline(pid):
    try:
        with open(f'/proc/{pid}/cmdline', 'rb') as f:
            return f.read().split(b'\0')[0].decode(errors='replace')
    except OSError:
        return ''


def test_dist(t, lesson, work):
    tarball = os.path.join(ROOT, 'build', 'dist', f'learn-training-loop-{lesson}-student.tar.gz')
    code, log, _ = make('dist-student', f'LESSON={lesson}')
    if not t.check('make dist-student', code == 0 and os.path.exists(tarball), log[-1500:]):
        return
    first = sha256(tarball)
    make('dist-student', f'LESSON={lesson}')
    t.check('dist-student is deterministic (same bytes twice)', sha256(tarball) == first)
    with tarfile.open(tarball) as tar:
        members = tar.getmembers()
    names = [m.name.split('/', 1)[1] if '/' in m.name else '' for m in members]
    top = {m.name.split('/', 1)[0] for m in members}
    t.check('dist-student: one top folder', top == {f'learn-training-loop-{lesson}-student'}, str(top))
    t.check('dist-student: fixed owner and mtime', all(m.uid == 0 and m.gid == 0 and m.mtime == members[0].mtime
                                                       for m in members))
    forbidden = [n for n in names if n.split('/')[0] in ('solutions', 'tools', '.ci', '.git') or n.startswith('tests/grade')
                 or '/mutants/' in n or '/variants/' in n or ('hidden' in n.lower() and not n.endswith('.h'))]
    t.check('dist-student: no solutions, tools, catalogues or hidden checks', not forbidden, str(forbidden[:5]))
    for needed in ('Makefile', f'lessons/{lesson}/schedulers.c', f'lessons/{lesson}/schedulers.h',
                   'common/sched.h', 'scripts/deps.sh', 'README.md'):
        t.check(f'dist-student: has {needed}', needed in names)
    with open(os.path.join(ROOT, 'solutions', lesson, 'schedulers.c'), 'rb') as f:
        reference = f.read()
    scratch = os.path.join(work, 'dist')
    shutil.rmtree(scratch, ignore_errors=True)
    os.makedirs(scratch)
    with tarfile.open(tarball) as tar:
        tar.extractall(scratch, filter='data') if hasattr(tarfile, 'data_filter') else tar.extractall(scratch)
    edition = os.path.join(scratch, f'learn-training-loop-{lesson}-student')
    same = [n for n in names if n and os.path.isfile(os.path.join(edition, n))
            and open(os.path.join(edition, n), 'rb').read() == reference]
    t.check('dist-student: the reference file is nowhere in it', not same, str(same))

    # The book: the student edition, prebuilt, and no line of the reference
    # solution in any file, the book read as a reader gets it (the HTML's
    # text, the PDF through pdftotext): tests/book/reference_lines.py's scan,
    # not pack.py's own.
    student_book = [f'build/book/{lesson}-student.html', f'build/book/{lesson}-student.pdf']
    t.check('dist-student: has the student edition of the book, HTML and PDF',
            all(n in names for n in student_book), str([n for n in names if n.startswith('build/')]))
    t.check('dist-student: not the full book', not [n for n in names if n in (f'build/book/{lesson}.html',
                                                                            f'build/book/{lesson}.pdf')])
    sys.path.insert(0, os.path.join(ROOT, 'tests', 'book'))
    import reference_lines
    from pathlib import Path
    telling = reference_lines.telling_lines(Path(ROOT), lesson)
    shown = {}
    for n in names:
        path = Path(edition, n)
        if not n or not path.is_file():
            continue
        if n in student_book:
            text = reference_lines.book_text(path)
        else:
            text = path.read_bytes().decode('utf-8', errors='replace')
        found = reference_lines.leaked(text, telling)
        if found:
            shown[n] = found[:2]
    book_text = reference_lines.book_text(Path(edition, student_book[0])) if student_book[0] in names else ''
    t.check(f'dist-student: no file shows any of the {len(telling)} lines of the reference solution',
            len(telling) >= 10 and not shown and 'Reference solution withheld.' in book_text, str(shown)[:500])
    # (control) pack.py's own scan, which guards every tarball, sees the
    # reference through the full book's markup and PDF layout.
    code, log, _ = make('book-files', f'LESSON={lesson}')
    sys.path.insert(0, os.path.join(ROOT, 'tools', 'dist'))
    import pack
    reference_set = pack.solution_lines(lesson)
    for kind in ('html', 'pdf'):
        full_book = f'build/book/{lesson}.{kind}'
        seen = []
        if code == 0:
            with open(os.path.join(ROOT, full_book), 'rb') as f:
                seen = pack.leaks(full_book, f.read(), reference_set)
        t.check(f'dist-student: (control) pack.py finds all {len(reference_set)} reference lines in the full '
                f'book\'s {kind.upper()}', len(seen) == len(reference_set) > 0, log[-300:])
    code, log, _ = make('book', f'LESSON={lesson}', cwd=edition)
    t.check('student edition: make book says in one line that the book is shipped, and where',
            code == 0 and len(log.strip().splitlines()) == 1 and all(n in log for n in student_book), log[-300:])

    code, log, seconds = make('check', f'LESSON={lesson}', cwd=edition)
    with open(os.path.join(work, 'dist-check-stubs.log'), 'w') as f:
        f.write(log)
    t.check('student edition: make check fails on the stubs', code != 0, log[-800:])
    t.check('student edition: the stubs get the normal messages and a score',
            'Score:' in log and 'hint' in log.lower(), log[-800:])
    readme = lms_tests.test_student_commands(t, lesson, edition, make)
    shutil.copy(os.path.join(ROOT, 'solutions', lesson, 'schedulers.c'),
                os.path.join(edition, 'lessons', lesson, 'schedulers.c'))
    code, log, seconds2 = make('check', f'LESSON={lesson}', cwd=edition)
    with open(os.path.join(work, 'dist-check-reference.log'), 'w') as f:
        f.write(log)
    t.check('student edition: make check passes with the reference dropped in', code == 0, log[-1500:])
    reference_state = os.path.join(work, 'out', 'reference', 'state.json')
    if os.path.exists(reference_state):
        with open(reference_state) as f:
            lms_tests.check_score_claims(t, readme, log, json.load(f)['tests'])
    code, log, _ = make('grade', f'LESSON={lesson}', 'SUBMISSIONS=.', cwd=edition)
    t.check('student edition: make grade says it is an instructor tool', code == 2 and 'instructor' in log, log[-300:])
    print(f'test-grade: student edition make check: {seconds:.1f} s (stubs, cold), {seconds2:.1f} s (reference)',
          flush=True)


def test_gradescope(t, lesson, work):
    bundle = os.path.join(ROOT, 'build', 'gradescope', f'{lesson}-autograder.zip')
    code, log, _ = make('gradescope', f'LESSON={lesson}', env={'GRADING_SEED': '20261128'})
    if not t.check('make gradescope', code == 0 and os.path.exists(bundle), log[-1500:]):
        return
    first = sha256(bundle)
    make('gradescope', f'LESSON={lesson}', env={'GRADING_SEED': '20261128'})
    t.check('gradescope zip is deterministic', sha256(bundle) == first)
    with zipfile.ZipFile(bundle) as archive:
        infos = {i.filename: i for i in archive.infolist()}
        t.check('gradescope zip: setup.sh and run_autograder at the root, executable',
                all(n in infos and (infos[n].external_attr >> 16) & 0o111 for n in ('setup.sh', 'run_autograder')))
        root = os.path.join(private_folder(work), 'autograder')  # Gradescope's /autograder, at worst
        shutil.rmtree(root, ignore_errors=True)
        archive.extractall(os.path.join(root, 'source'))
    for info in infos.values():
        if (info.external_attr >> 16) & 0o111:
            os.chmod(os.path.join(root, 'source', info.filename), 0o755)
    submissions = os.path.join(work, 'submissions')
    buggy = next((s for s in sorted(os.listdir(submissions)) if s.startswith('mutant-')), 'fault-segfault')
    def crash_named(d):
        return any(re.search(r'segmentation|SIGSEGV|signal 11', x['output'], re.I) for x in d['tests'])

    cases = [('correct', 'reference', lambda d: d['score'] >= d['max_score'] > 0
              and d['extra_data']['status'] == 'ok'),
             ('buggy', buggy, lambda d: 0 < d['score'] < d['max_score']),
             ('crashing', 'fault-segfault', lambda d: 0 < d['score'] < d['max_score'] and crash_named(d)
              and d['extra_data']['status'] == 'failed'),
             ('grader killed', 'fault-kills-grader', lambda d: d['score'] >= d['max_score'] > 0
              and d['extra_data']['status'] == 'ok'),   # its kill never reaches the judge
             ('not compiling', 'fault-compile-error',
              lambda d: d['score'] == 0 and d['extra_data']['status'] == 'compile-error')]
    for label, student, expectation in cases:
        shutil.rmtree(os.path.join(root, 'submission'), ignore_errors=True)
        shutil.rmtree(os.path.join(root, 'results'), ignore_errors=True)
        shutil.copytree(os.path.join(submissions, student), os.path.join(root, 'submission'))
        started = time.monotonic()
        done = subprocess.run([os.path.join(root, 'source', 'run_autograder')], cwd=root,
                              env=dict(os.environ, AUTOGRADER_ROOT=root, **TEST_LIMITS),
                              capture_output=True, text=True, timeout=600)
        seconds = time.monotonic() - started
        results = os.path.join(root, 'results', 'results.json')
        if not t.check(f'gradescope {label}: results.json written', os.path.exists(results),
                       (done.stdout + done.stderr)[-1500:]):
            continue
        data = check_results_json(t, f'gradescope {label}', results, None)
        t.check(f'gradescope {label}: score as expected', data is not None and expectation(data),
                json.dumps({k: data.get(k) for k in ('score', 'max_score', 'extra_data')}) if data else '')
        print(f'test-grade: gradescope run_autograder ({label}): {seconds:.1f} s', flush=True)
    t.check('gradescope: the kit (reference, GRADING_SEED) is out of the grading users\' reach',
            stat.S_IMODE(os.stat(os.path.join(root, 'source')).st_mode) & 0o077 == 0)
    lms_tests.test_gradescope_term(t, lesson, work, make, private_folder(work), TEST_LIMITS)


def main():
    parser = argparse.ArgumentParser(description='Tests of the instructor tools.')
    parser.add_argument('--lesson', required=True)
    parser.add_argument('--summary')
    parser.add_argument('--only', choices=['sandbox', 'batch', 'dist', 'gradescope'])
    args = parser.parse_args()
    work = os.path.join(ROOT, 'build', 'grade', f'test-{args.lesson}')
    os.makedirs(work, exist_ok=True)
    t = Checks()
    started = time.monotonic()
    if args.only in (None, 'sandbox'):
        test_sandbox(t, work)
    if args.only in (None, 'batch'):
        lms_tests.test_pick_rules(t)
    if args.only in (None, 'batch') or (args.only == 'gradescope' and
                                         not os.path.isdir(os.path.join(work, 'submissions'))):
        test_batch(t, args.lesson, work)
    if args.only in (None, 'dist'):
        test_dist(t, args.lesson, work)
    if args.only in (None, 'gradescope'):
        test_gradescope(t, args.lesson, work)
    print(f'test-grade: {time.monotonic() - started:.0f} s in all')
    print(f'grade: {t.passed} passed, {t.failed} failed')
    if args.summary:
        os.makedirs(os.path.dirname(os.path.abspath(args.summary)), exist_ok=True)
        with open(args.summary, 'a') as f:
            f.write(f'grade {t.passed} {t.failed}\n')
    return 1 if t.failed else 0


if __name__ == '__main__':
    sys.exit(main())
