#!/usr/bin/python3
"""grade.py: grade a folder of submissions into a gradebook and feedback.

    make grade LESSON=3.2 SUBMISSIONS=DIR [JOBS=N] [STUDENT=name] [GRADING_SEED=...]
    tools/grade/grade.py --lesson 3.2 --submissions DIR [--jobs N] [--student NAME]
    tools/grade/grade.py --lesson 3.2 --single DIR --results FILE     (Gradescope)

Writes build/grade/<L>/: gradebook.csv, summary.md/.html, histogram.svg and
students/<name>/{results.json, feedback.md, feedback.html, plots/}. Scratch
folders are build/grade/<L>/work/<name>/.

A batch first builds the judge and the runner kit (make grader-prereqs),
checks its sandbox (bubblewrap, or rlimits where user namespaces are
unavailable: said once in the log and the summary; then it refuses to start
if a grading user could read the reference, the judge or the seed), and
grades the reference solution exactly as it grades a student: the kit must
give its own reference full marks before it marks anyone, and that run
lists every check (so a submission that does not compile still gets a row
with every check and a reason). Then the submissions are graded in parallel,
each in its own scratch folder and sandbox (job.py, sandbox.py). Everything
it writes is its own user's only: folders 0700, files 0600. A student
whose file, kit and seed are unchanged since the last batch is not graded
again; STUDENT=name grades that one student again, whatever changed.

Python 3 standard library only (Debian's /usr/bin/python3).
"""

import argparse
import concurrent.futures
import fcntl
import hashlib
import json
import os
import pwd
import queue
import shutil
import stat
import subprocess
import sys
import threading
import time

sys.dont_write_bytecode = True  # nothing written into the kit's source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import intake  # noqa: E402
import job  # noqa: E402
import kit  # noqa: E402
import report  # noqa: E402
import results as res  # noqa: E402
import stage as staging  # noqa: E402

DEFAULT_LIMITS = {'cpu': 20, 'wall': 60, 'mem': 1024, 'fsize': 16, 'nproc': 64, 'output': 1024 * 1024}
SLOT_USER = 'kitgrader{}'
# Held while a batch uses a grading user, so that two batches on one machine
# never share one: the sandbox sweeps every process of its user.
SLOT_LOCK_DIR = os.path.join('/run/lock' if os.path.isdir('/run/lock') else '/var/tmp', 'kit-grade-slots')
STATE_VERSION = 1
_slot_locks = []  # open lock files, one per grading user this process holds


def fail(message, code=2):
    print(f'grade: {message}', file=sys.stderr)
    sys.exit(code)


def _lock_slot(name):
    """True when this process now holds name's lock (kept until it exits)."""
    os.makedirs(SLOT_LOCK_DIR, mode=0o700, exist_ok=True)
    info = os.lstat(SLOT_LOCK_DIR)
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != 0 or info.st_mode & 0o022:
        fail(f'{SLOT_LOCK_DIR} must be a folder of root\'s that only root can write', 1)
    fd = os.open(os.path.join(SLOT_LOCK_DIR, name), os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return False
    _slot_locks.append(fd)
    return True


def ensure_slot_users(count):
    """As root, one unprivileged system user per parallel job (kitgrader1..):
    root ignores RLIMIT_NPROC, and a user of its own per job keeps one
    student's processes from counting against another's. A user another
    batch on this machine holds is skipped (the next number is taken)."""
    if os.geteuid() != 0:
        return [None] * count
    names = []
    slot = 0
    while len(names) < count:
        slot += 1
        name = SLOT_USER.format(slot)
        if not _lock_slot(name):
            continue
        try:
            pwd.getpwnam(name)
        except KeyError:
            done = subprocess.run(['useradd', '--system', '--user-group', '--no-create-home',
                                   '--home-dir', '/nonexistent', '--shell', '/usr/sbin/nologin', name],
                                  capture_output=True, text=True)
            if done.returncode != 0 and 'already exists' not in done.stderr:
                fail(f'cannot create the grading user {name}: {done.stderr.strip()}', 1)
        names.append(name)
    return names


def release_slot_users():
    """Let other batches on this machine have the grading users this one held."""
    while _slot_locks:
        os.close(_slot_locks.pop())


def read_state(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


class Batch:
    def __init__(self, args):
        self.lesson = args.lesson
        self.out_dir = os.path.abspath(args.out or os.path.join(kit.ROOT, 'build', 'grade', args.lesson))
        os.makedirs(self.out_dir, mode=0o700, exist_ok=True)
        os.chmod(self.out_dir, 0o700)
        self.limits = dict(DEFAULT_LIMITS)
        for name in self.limits:
            value = os.environ.get(f'GRADE_{name.upper()}')
            if value:
                self.limits[name] = int(value)
        self.test_timeout = os.environ.get('GRADE_TEST_TIMEOUT') or None
        self.grading_seed = self.secret_seed(os.environ.get('GRADING_SEED') or None)
        lesson_vars = kit.lesson_vars(args.lesson)
        self.required = lesson_vars.get('LESSON_REQUIRED', '').split()
        self.bonus = lesson_vars.get('LESSON_BONUS', '').split()
        self.groups = self.required + self.bonus
        self.jobs = max(1, args.jobs)
        self.settings = {'limits': self.limits, 'test_timeout': self.test_timeout,
                         'state': STATE_VERSION}

    def secret_seed(self, given):
        """GRADING_SEED as given (a whole number), or the one kept in
        <out>/grading-seed (readable by its owner only), made on first use."""
        if given is not None:
            if not given.isdigit() or int(given) >= 2 ** 64:
                fail(f'GRADING_SEED must be a whole number below 2^64, got {given!r}')
            return given
        path = os.path.join(self.out_dir, 'grading-seed')
        try:
            with open(path) as f:
                return f.read().strip()
        except FileNotFoundError:
            pass
        os.makedirs(self.out_dir, exist_ok=True)
        seed = str(int.from_bytes(os.urandom(8), 'little'))
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, 'w') as f:
            f.write(seed + '\n')
        print(f'grade: no GRADING_SEED given: made a secret one for this course in {path}', flush=True)
        return seed

    # ---- the reference run ------------------------------------------------
    def prepare(self, slot_user):
        """The judge and the runner kit, the sandbox to use, the seed file.
        Returns (judge path, runner kit path)."""
        if not os.path.isdir(os.path.join(kit.ROOT, 'solutions', self.lesson)):
            fail(f'solutions/{self.lesson} is missing: `make grade` needs the instructor kit')
        build = subprocess.run(kit.prereqs_command(self.lesson), env=kit.make_environment(),
                               capture_output=True, text=True)
        if build.returncode != 0:
            fail(f'the judge does not build:\n{build.stdout}{build.stderr}', 1)
        self.seed_file = os.path.join(self.out_dir, '.grading-seed-in-use')
        fd = os.open(self.seed_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
        with os.fdopen(fd, 'w') as f:
            f.write(self.grading_seed + '\n')
        return kit.judge_path(self.lesson), kit.runner_kit_path(self.lesson)

    def choose_sandbox(self, stage, slot_user):
        """bubblewrap when it runs here, else rlimits; and the refusal of
        grading where the grading user could read what must stay secret."""
        logs = os.path.join(self.out_dir, 'logs')
        os.makedirs(logs, exist_ok=True)
        mode, why = job.probe_sandbox(stage, slot_user, logs)
        if mode == 'bwrap':
            self.sandbox_note = ('bubblewrap: every compile and run in new user, pid, net, ipc '
                                 'and mount namespaces' + (f', as {slot_user}..' if slot_user else ''))
        else:
            self.sandbox_note = (f'rlimits and a grading user only: bubblewrap cannot run here ({why})')
            secrets = kit.secret_paths(self.lesson) + [self.seed_file]
            if slot_user is None:
                fail('bubblewrap cannot run here and grading does not run as root: submissions would run '
                     'as you and could read the reference solutions and the seed; grade as root or where '
                     'user namespaces work', 1)
            exposed = job.readable_by(pwd.getpwnam(slot_user), secrets)
            if exposed:
                fail(f'bubblewrap cannot run here and the grading user {slot_user} could read '
                     f'{os.path.relpath(exposed[0], kit.ROOT)}: make the kit private (chmod -R go-rwx) '
                     f'or grade where user namespaces work', 1)
        print(f'grade: sandbox: {self.sandbox_note}', flush=True)
        return mode

    def context(self, kit_digest, stage, judge, sandbox, reference_tests=(), reference_seconds=1.0):
        return job.Context(self.lesson, self.out_dir, self.limits, self.grading_seed, kit_digest,
                           list(reference_tests), self.groups, self.bonus, self.test_timeout,
                           reference_seconds, stage=stage, judge=judge, seed_file=self.seed_file,
                           sandbox=sandbox)

    # ---- the reference run ------------------------------------------------
    def reference(self, ctx, slot_user):
        """Grade the reference solution as a submission (cached by kit hash)."""
        folder = os.path.join(self.out_dir, 'reference')
        state_path = os.path.join(folder, 'state.json')
        key = kit.submission_key(b'reference:' + ctx.sandbox.encode(), ctx.kit_digest, self.grading_seed,
                                 self.settings)
        state = read_state(state_path)
        if state and state.get('key') == key:
            return state['tests'], state['seconds']
        shutil.rmtree(folder, ignore_errors=True)
        os.makedirs(folder)
        with open(os.path.join(kit.ROOT, 'solutions', self.lesson, ctx.wanted), 'rb') as f:
            data = f.read()
        started = time.monotonic()
        results, details = job.grade_submission(ctx, '.reference', folder, slot_user, data=data)
        seconds = time.monotonic() - started
        lost = [t['name'] for t in results['tests'] if t['status'] != 'passed']
        if results['extra_data']['status'] != 'ok' or lost or not results['tests']:
            fail(f'the kit\'s reference solution does not pass its own graders '
                 f'({results["extra_data"]["status"]}: {results["output"][:500]}; '
                 f'failing: {", ".join(lost) or "none"}; compiler: {details.get("compiler", "")[:1500]}): '
                 f'fix the kit first', 1)
        ungrouped = [t['name'] for t in results['tests'] if t['extra_data']['group'] is None]
        if ungrouped:
            fail(f'checks that belong to no group of lesson.mk ({", ".join(self.groups)}): '
                 f'{", ".join(ungrouped[:5])}', 1)
        res.write_json(state_path, {'key': key, 'tests': results['tests'], 'seconds': seconds})
        return results['tests'], seconds

    # ---- one student --------------------------------------------------------
    def grade_one(self, ctx, student, path, slots, force):
        student_dir = os.path.join(self.out_dir, 'students', student)
        state_path = os.path.join(student_dir, 'state.json')
        try:
            data = intake.take_student_file(path, ctx.wanted)
            refusal = None
            key_bytes = data
        except intake.Refused as refused:
            data, refusal = None, refused
            key_bytes = f'refused:{refused.status}:{refused.reason}'.encode()
        key = kit.submission_key(key_bytes, ctx.kit_digest, self.grading_seed, self.settings)
        state = read_state(state_path)
        if not force and state and state.get('key') == key and \
                os.path.exists(os.path.join(student_dir, 'results.json')):
            return state, False
        slot = slots.get()
        try:
            shutil.rmtree(student_dir, ignore_errors=True)
            os.makedirs(student_dir)
            if refusal is not None:
                outcome = job.grade_submission(ctx, student, path, slot, data=None)
            else:
                outcome = job.grade_submission(ctx, student, path, slot, data=data)
        finally:
            slots.put(slot)
        results, details = outcome
        res.write_json(os.path.join(student_dir, 'results.json'), results)
        scores = res.group_scores(results, self.groups, self.group_max)
        html_error = report.write_feedback(student_dir, self.lesson, student, results, details,
                                           self.groups, scores, self.bonus)
        state = {'key': key, 'student': student, 'status': results['extra_data']['status'],
                 'score': results['score'], 'max_score': results['max_score'],
                 'groups': scores, 'seconds': results['extra_data']['seconds'],
                 'sha256': hashlib.sha256(data).hexdigest() if data else None,
                 'feedback_html_error': html_error}
        res.write_json(state_path, state)
        return state, True

    # ---- the batch ------------------------------------------------------------
    def run(self, submissions_dir, only_student=None):
        if not os.path.isdir(submissions_dir):
            fail(f'SUBMISSIONS={submissions_dir} is not a folder')
        os.makedirs(self.out_dir, exist_ok=True)
        lock = open(os.path.join(self.out_dir, '.lock'), 'w')
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fail(f'another `make grade` is writing {self.out_dir}; wait for it')
        entries, problems = intake.list_submissions(submissions_dir)
        for problem in problems:
            print(f'grade: skipped {problem}', file=sys.stderr)
        if only_student is not None:
            if only_student not in dict(entries):
                fail(f'STUDENT={only_student}: no such submission in {submissions_dir} '
                     f'(there are {len(entries)}: {", ".join(s for s, _ in entries[:8])}...)')
        if not entries:
            fail(f'no submissions in {submissions_dir} (one folder, .tar.gz or .zip per student)')

        users = ensure_slot_users(self.jobs)
        kit_digest = kit.inputs_digest(self.lesson)
        judge, runner_kit = self.prepare(users[0])
        with staging.Stage.for_lesson(runner_kit) as stage:
            sandbox = self.choose_sandbox(stage, users[0])
            states, done, graded, started = self.grade_all(stage, users, kit_digest, entries, only_student,
                                                           judge, sandbox)
        elapsed = time.monotonic() - started
        self.write_class_outputs(entries, states, elapsed)
        print(f'grade: {done} done, {graded} graded, {done - graded} unchanged, in {elapsed:.1f} s '
              f'-> {os.path.relpath(self.out_dir, os.getcwd())}/gradebook.csv', flush=True)
        return 0

    def grade_all(self, stage, users, kit_digest, entries, only_student, judge, sandbox):
        """The reference, then every submission to grade, JOBS at a time."""
        ctx = self.context(kit_digest, stage, judge, sandbox)
        reference_tests, reference_seconds = self.reference(ctx, users[0])
        self.group_max = res.group_points(reference_tests, self.groups)
        ctx = self.context(kit_digest, stage, judge, sandbox, reference_tests, reference_seconds)
        slots = queue.Queue()
        for user in users:
            slots.put(user)

        todo = entries if only_student is None else [(s, p) for s, p in entries if s == only_student]
        started = time.monotonic()
        done = graded = 0
        states = {}
        print_lock = threading.Lock()
        print(f'grade: {len(todo)} submission(s) of lesson {self.lesson}, {self.jobs} job(s), '
              f'limits: {self.limits["cpu"]} s CPU, {self.limits["wall"]} s wall, '
              f'{self.limits["mem"]} MiB, {self.limits["nproc"]} processes, '
              f'{self.limits["output"] // 1024} KiB output'
              + (', as ' + ', '.join(users) if users[0] else ', as this user (not root)'), flush=True)
        with concurrent.futures.ThreadPoolExecutor(max_workers=self.jobs) as pool:
            futures = {pool.submit(self.grade_one, ctx, student, path, slots, only_student is not None): student
                       for student, path in todo}
            for future in concurrent.futures.as_completed(futures):
                student = futures[future]
                try:
                    state, fresh = future.result()
                except Exception as error:  # a bug of ours: say it, keep going
                    state, fresh = {'student': student, 'status': 'grader-error', 'score': 0,
                                    'max_score': 0, 'groups': {}, 'error': repr(error)}, True
                states[student] = state
                done += 1
                graded += fresh
                elapsed = time.monotonic() - started
                with print_lock:
                    print(f'grade: [{done:>{len(str(len(todo)))}}/{len(todo)}] {student:<24} '
                          f'{state["status"]:<13} {report._num(state["score"]):>5}/{report._num(state["max_score"])}'
                          f'{"" if fresh else "  (unchanged, not regraded)"} | {elapsed:.1f} s elapsed, '
                          f'{done / elapsed * 60 if elapsed > 0 else 0:.1f}/min', flush=True)
        return states, done, graded, started

    def write_class_outputs(self, entries, states, seconds):
        rows, all_results = [], {}
        for student, _ in entries:
            state = states.get(student) or read_state(
                os.path.join(self.out_dir, 'students', student, 'state.json'))
            if state is None:
                continue
            for group in self.groups:
                state['groups'].setdefault(group, (0, 0))
            rows.append(state)
            try:
                with open(os.path.join(self.out_dir, 'students', student, 'results.json')) as f:
                    all_results[student] = json.load(f)
            except (OSError, ValueError):
                pass
        report.write_gradebook(os.path.join(self.out_dir, 'gradebook.csv'), rows, self.groups)
        error = report.write_summary(self.out_dir, self.lesson, rows, self.groups, self.bonus,
                                     all_results, seconds, sandbox_note=getattr(self, 'sandbox_note', None))
        if error:
            print(f'grade: summary.html not written: {error}', file=sys.stderr)


def single(args):
    """Gradescope: one submission folder, one results.json, always written."""
    try:
        batch = Batch(args)
        users = ensure_slot_users(1)
        kit_digest = kit.inputs_digest(args.lesson)
        judge, runner_kit = batch.prepare(users[0])
        with staging.Stage.for_lesson(runner_kit) as stage:
            sandbox = batch.choose_sandbox(stage, users[0])
            ctx = batch.context(kit_digest, stage, judge, sandbox)
            reference_tests, reference_seconds = batch.reference(ctx, users[0])
            ctx = batch.context(kit_digest, stage, judge, sandbox, reference_tests, reference_seconds)
            results, _ = job.grade_submission(ctx, 'submission', args.single, users[0])
    except BaseException as error:  # the JSON is written whatever happened
        results = res.make_results([], 'grader-error',
                                   f'The autograder itself failed ({error!r}); please tell your instructor.', {})
        res.write_json(args.results, results)
        raise
    res.write_json(args.results, results)
    print(f'grade: {results["extra_data"]["status"]} {report._num(results["score"])}/'
          f'{report._num(results["max_score"])} -> {args.results}')
    return 0


def main():
    os.umask(0o077)   # every folder 0700, every file 0600: the batch's own user only
    parser = argparse.ArgumentParser(description='Grade submissions with the kit\'s graders.')
    parser.add_argument('--lesson', required=True)
    parser.add_argument('--submissions')
    parser.add_argument('--student')
    parser.add_argument('--jobs', type=int, default=os.cpu_count() or 2)
    parser.add_argument('--out')
    parser.add_argument('--single', help='grade one submission folder (Gradescope)')
    parser.add_argument('--results', help='with --single: where results.json goes')
    args = parser.parse_args()
    if args.single:
        if not args.results:
            fail('--single needs --results FILE')
        return single(args)
    if not args.submissions:
        fail('SUBMISSIONS=DIR is required: a folder with one folder, .tar.gz or .zip per student')
    return Batch(args).run(args.submissions, args.student or None)


if __name__ == '__main__':
    sys.exit(main())
