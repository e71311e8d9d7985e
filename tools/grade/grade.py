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
import datetime
import fcntl
import hashlib
import json
import os
import pwd
import queue
import re
import shutil
import signal
import stat
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # nothing written into the kit's source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import intake  # noqa: E402
import job  # noqa: E402
import kit  # noqa: E402
import overrides as overrides_mod  # noqa: E402
import report  # noqa: E402
import results as res  # noqa: E402
import seed as seed_mod  # noqa: E402
import similarity  # noqa: E402
import stage as staging  # noqa: E402

DEFAULT_LIMITS = {'cpu': 20, 'wall': 60, 'mem': 1024, 'fsize': 16, 'nproc': 64, 'output': 1024 * 1024}
SLOT_USER = 'kitgrader{}'
# Held while a batch uses a grading user, so that two batches on one machine
# never share one: the sandbox sweeps every process of its user.
SLOT_LOCK_DIR = os.path.join('/run/lock' if os.path.isdir('/run/lock') else '/var/tmp', 'kit-grade-slots')
STATE_VERSION = 2
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
        self.required, self.bonus = kit.check_groups(args.lesson)
        self.groups = self.required + self.bonus
        self.jobs = max(1, args.jobs)
        self.pick = os.environ.get('GRADE_PICK') or 'near'
        if self.pick not in intake.PICK_RULES:
            fail(f'GRADE_PICK must be one of {", ".join(intake.PICK_RULES)}, not {self.pick!r}')
        self.settings = {'limits': self.limits, 'test_timeout': self.test_timeout,
                         'state': STATE_VERSION, 'pick': self.pick}
        self.overrides_path = getattr(args, 'overrides', None) or os.environ.get('OVERRIDES') or None
        self.similarity_threshold = int(os.environ.get('SIMILARITY_THRESHOLD') or 60)
        self.similarity_run = int(os.environ.get('SIMILARITY_RUN') or 24)
        self.canvas_assignment = os.environ.get('CANVAS_ASSIGNMENT') or f'Lesson {self.lesson}'

    def secret_seed(self, given):
        """GRADING_SEED as given (a whole number), or the course's, kept in
        <out>/grading-seed (seed.py: the Gradescope bundle takes the same)."""
        try:
            if given is not None:
                return seed_mod.check(given)
            value, made = seed_mod.course_seed(self.out_dir)
        except seed_mod.BadSeed as bad:
            fail(str(bad))
        if made:
            print(f'grade: no GRADING_SEED given: made a secret one for this course in '
                  f'{os.path.join(self.out_dir, "grading-seed")}', flush=True)
        return value

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
    def take(self, ctx, submission):
        """(Taken or None, Refused or None, the key of this grade)."""
        try:
            taken = intake.take_submission(submission, ctx.wanted, self.pick)
            refusal, key_bytes = None, taken.data
        except intake.Refused as refused:
            taken, refusal = None, refused
            key_bytes = f'refused:{refused.status}:{refused.reason}'.encode()
        return taken, refusal, kit.submission_key(key_bytes, ctx.kit_digest, self.grading_seed, self.settings)

    def reusable(self, submission, key):
        """The last batch's state of this student when it can stand."""
        student_dir = os.path.join(self.out_dir, 'students', submission.key)
        state = read_state(os.path.join(student_dir, 'state.json'))
        if state and state.get('key') == key and os.path.exists(os.path.join(student_dir, 'results.json')):
            return state
        return None

    def grade_one(self, ctx, submission, taken, refusal, key, slots):
        student = submission.key
        student_dir = os.path.join(self.out_dir, 'students', student)
        slot = slots.get()
        try:
            shutil.rmtree(student_dir, ignore_errors=True)
            os.makedirs(student_dir)
            if refusal is not None:
                results = res.make_results(res.not_graded(ctx.reference_tests, refusal.reason), refusal.status,
                                           refusal.reason, {'student': student, 'seconds': 0})
                details = {'student': student, 'compiler': '', 'forbidden': [], 'plots': []}
            else:
                results, details = job.grade_submission(ctx, student, None, slot, data=taken.data)
        finally:
            slots.put(slot)
        finish_results(results, details, ctx.wanted, submission, taken)
        res.write_json(os.path.join(student_dir, 'results.json'), results)
        copy = os.path.join(self.out_dir, 'submitted', student + '.c')
        if taken is not None:
            os.makedirs(os.path.dirname(copy), exist_ok=True)
            with open(copy, 'wb') as f:
                f.write(taken.data)
        elif os.path.exists(copy):
            os.unlink(copy)
        scores = res.group_scores(results, self.groups, self.group_max)
        state = {'key': key, 'student': student, 'status': results['extra_data']['status'],
                 'score': results['score'], 'max_score': results['max_score'],
                 'groups': scores, 'seconds': results['extra_data']['seconds'],
                 'sha256': hashlib.sha256(taken.data).hexdigest() if taken else None,
                 'reason': refusal.reason if refusal else '',
                 'feedback': {k: details.get(k) for k in ('compiler', 'forbidden', 'plots')},
                 'overrides_key': None}
        res.write_json(os.path.join(student_dir, 'state.json'), state)
        # The feedback now, in this worker, with the overrides known so far
        # (write_class_outputs writes it again only if they changed).
        groups, _, changes = overrides_mod.apply(state, self.override_map.get(student, []))
        self.refresh_feedback(dict(state, groups=groups, name=submission.name), results, changes)
        state['overrides_key'] = read_state(os.path.join(student_dir, 'state.json')).get('overrides_key')
        return state

    # ---- the batch ------------------------------------------------------------
    def run(self, submissions_path, only_student=None):
        if not (os.path.isdir(submissions_path) or submissions_path.lower().endswith('.zip')
                and os.path.isfile(submissions_path)):
            fail(f'SUBMISSIONS={submissions_path} is neither a folder nor a .zip')
        os.makedirs(self.out_dir, exist_ok=True)
        lock = open(os.path.join(self.out_dir, '.lock'), 'w')
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fail(f'another `make grade` is writing {self.out_dir}; wait for it')
        try:
            entries, skipped = intake.list_submissions(submissions_path)
        except intake.Refused as refused:
            fail(f'SUBMISSIONS={submissions_path}: {refused.reason}')
        for entry, reason in skipped:
            print(f'grade: not graded: {entry}: {reason}', file=sys.stderr)
        keys = [s.key for s in entries]
        if only_student is not None and only_student not in keys:
            fail(f'STUDENT={only_student}: no such submission in {submissions_path} '
                 f'(there are {len(entries)}: {", ".join(keys[:8])}...)')
        if not entries:
            fail(f'no submissions in {submissions_path} (one folder, .tar.gz or .zip per student, '
                 f'or a Canvas or Moodle download)')

        found, _ = overrides_mod.read(self.overrides_path)
        self.override_map, _ = overrides_mod.match_students(
            found, [{'student': e.key, 'sid': e.sid, 'name': e.name} for e in entries], self.groups)
        users = ensure_slot_users(self.jobs)
        kit_digest = kit.inputs_digest(self.lesson)
        judge, runner_kit = self.prepare(users[0])
        with staging.Stage.for_lesson(runner_kit) as stage:
            sandbox = self.choose_sandbox(stage, users[0])
            states, batch = self.grade_all(stage, users, kit_digest, entries, only_student, judge, sandbox)
        self.write_class_outputs(entries, skipped, states, batch)
        print(f'grade: {batch["graded"]} graded in {batch["seconds"]:.1f} s, {batch["reused"]} reused '
              f'(unchanged since the last batch), {len(skipped)} input(s) not submissions '
              f'-> {os.path.relpath(self.out_dir, os.getcwd())}/gradebook.csv', flush=True)
        return 0

    def grade_all(self, stage, users, kit_digest, entries, only_student, judge, sandbox):
        """The reference, then every submission to grade, JOBS at a time.
        Submissions whose grade would not change are reused first, so the
        progress line's rate and ETA count only real grading."""
        ctx = self.context(kit_digest, stage, judge, sandbox)
        reference_tests, reference_seconds = self.reference(ctx, users[0])
        self.group_max = res.group_points(reference_tests, self.groups)
        ctx = self.context(kit_digest, stage, judge, sandbox, reference_tests, reference_seconds)
        slots = queue.Queue()
        for user in users:
            slots.put(user)

        todo = entries if only_student is None else [s for s in entries if s.key == only_student]
        states, work = {}, []
        width = len(str(len(todo)))
        for submission in todo:
            taken, refusal, key = self.take(ctx, submission)
            state = None if only_student is not None else self.reusable(submission, key)
            if state is None:
                work.append((submission, taken, refusal, key))
            else:
                states[submission.key] = state
        print(f'grade: {len(todo)} submission(s) of lesson {self.lesson}: {len(work)} to grade, '
              f'{len(states)} unchanged since the last batch (reused); {self.jobs} job(s), '
              f'limits: {self.limits["cpu"]} s CPU, {self.limits["wall"]} s wall, '
              f'{self.limits["mem"]} MiB, {self.limits["nproc"]} processes, '
              f'{self.limits["output"] // 1024} KiB output'
              + (', as ' + ', '.join(users) if users[0] else ', as this user (not root)'), flush=True)
        started = time.monotonic()
        graded = 0
        with concurrent.futures.ThreadPoolExecutor(max_workers=self.jobs) as pool:
            futures = {pool.submit(self.grade_one, ctx, *item, slots): item[0] for item in work}
            for future in concurrent.futures.as_completed(futures):
                submission = futures[future]
                try:
                    state = future.result()
                except Exception as error:  # a bug of ours: say it, keep going
                    state = {'student': submission.key, 'status': 'grader-error', 'score': 0,
                             'max_score': 0, 'groups': {}, 'error': repr(error), 'reason': repr(error)}
                states[submission.key] = state
                graded += 1
                elapsed = time.monotonic() - started
                left = len(work) - graded
                eta = f'about {elapsed / graded * left:.0f} s left' if left else 'done'
                print(f'grade: [{graded:>{width}}/{len(work)}] {submission.key:<24} '
                      f'{state["status"]:<13} {report._num(state["score"])}/{report._num(state["max_score"])}'
                      f' | {elapsed:.1f} s elapsed, {graded / elapsed * 60:.1f}/min, {eta}', flush=True)
        return states, {'graded': graded, 'reused': len(todo) - len(work),
                        'seconds': time.monotonic() - started}

    def write_class_outputs(self, entries, skipped, states, batch):
        rows, all_results = [], {}
        found, problems = overrides_mod.read(self.overrides_path)
        for submission in entries:
            student = submission.key
            student_dir = os.path.join(self.out_dir, 'students', student)
            state = states.get(student) or read_state(os.path.join(student_dir, 'state.json'))
            if state is None:
                continue
            for group in self.groups:
                state['groups'].setdefault(group, (0, 0))
            try:
                with open(os.path.join(student_dir, 'results.json')) as f:
                    all_results[student] = json.load(f)
            except (OSError, ValueError):
                pass
            extra = (all_results.get(student) or {}).get('extra_data', {})
            row = dict(state, sid=submission.sid, name=submission.name, lms=submission.lms, late=submission.late,
                       entries=submission.entries, graded_file=extra.get('graded_file'),
                       intake_note=extra.get('intake_note'))
            rows.append(row)
        matched, match_problems = overrides_mod.match_students(found, rows, self.groups)
        applied = {}
        for row in rows:
            mine = matched.get(row['student'], [])
            groups, score, changes = overrides_mod.apply(row, mine)
            if changes:
                row['groups'], row['score'], row['overrides'] = groups, score, changes
                applied[row['student']] = changes
        # pandoc per page, JOBS at a time (only pages whose inputs changed)
        with concurrent.futures.ThreadPoolExecutor(max_workers=self.jobs) as pool:
            list(pool.map(lambda row: self.refresh_feedback(row, all_results.get(row['student']),
                                                            applied.get(row['student'], [])), rows))
        changed = overrides_mod.record(self.out_dir, applied)
        if changed:
            print(f'grade: {changed} override change(s) recorded in overrides-log.csv', flush=True)

        sources = {}
        for row in rows:
            copy = os.path.join(self.out_dir, 'submitted', row['student'] + '.c')
            if row['status'] not in report.NOT_TAKEN and os.path.isfile(copy):
                with open(copy, encoding='utf-8', errors='replace') as f:
                    sources[row['student']] = f.read()
        with open(os.path.join(kit.ROOT, 'lessons', self.lesson, kit.student_file(self.lesson))) as f:
            stub = f.read()
        pairs = similarity.compare(os.path.join(self.out_dir, 'similarity'), sources, stub,
                                   self.similarity_threshold, self.similarity_run)

        report.write_gradebook(os.path.join(self.out_dir, 'gradebook.csv'), rows, self.groups)
        exports = {}
        max_score = max((row['max_score'] for row in rows), default=0)
        for name, writer, argument in (('gradebook-canvas.csv', report.write_canvas, self.canvas_assignment),
                                       ('gradebook-moodle.csv', report.write_moodle, max_score)):
            path = os.path.join(self.out_dir, name)
            if any(row['lms'] == name.split('-')[1][:-4] for row in rows):
                exports[name] = writer(path, rows, argument)
            elif os.path.exists(path):
                os.unlink(path)
        error = report.write_summary(self.out_dir, self.lesson, rows, self.groups, self.bonus, all_results, batch,
                                     {'skipped': skipped, 'similar': pairs,
                                      'similarity_threshold': self.similarity_threshold,
                                      'overrides_applied': sum(len(c) for c in applied.values()),
                                      'override_problems': problems + match_problems,
                                      'overridden': bool(applied), 'exports': exports,
                                      'sandbox': getattr(self, 'sandbox_note', None)})
        if error:
            print(f'grade: summary.html not written: {error}', file=sys.stderr)

    def refresh_feedback(self, row, results, changes):
        """Write the feedback again when the overrides that concern it changed."""
        key = hashlib.sha256(json.dumps(changes, sort_keys=True).encode()).hexdigest() if changes else None
        student_dir = os.path.join(self.out_dir, 'students', row['student'])
        if results is None or (row.get('overrides_key') == key and os.path.exists(os.path.join(student_dir, 'feedback.md'))):
            return
        details = dict(row.get('feedback') or {}, student=row['student'])
        scores = {g: tuple(v) for g, v in row['groups'].items()}
        error = report.write_feedback(student_dir, self.lesson, row.get('name') or row['student'], results, details,
                                      self.groups, scores, self.bonus, changes)
        state_path = os.path.join(student_dir, 'state.json')
        state = read_state(state_path) or {}
        state.update(overrides_key=key, feedback_html_error=error)
        res.write_json(state_path, state)
        row['overrides_key'] = key


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
            taken = None
            try:
                taken = intake.take(intake.folder_items(args.single), ctx.wanted, batch.pick, 'your submission')
                results, details = job.grade_submission(ctx, 'submission', None, users[0], data=taken.data)
            except intake.Refused as refused:
                results = res.make_results(res.not_graded(reference_tests, refused.reason), refused.status,
                                           refused.reason, {'student': 'submission', 'seconds': 0})
                details = {}
        hidden = {t['name'] for t in reference_tests if t['extra_data'].get('hidden')}
        gradescope_policies(results, hidden, args.hidden_visibility, args.metadata,
                            os.environ.get('LATE_POLICY') or '')
        finish_results(results, details, ctx.wanted, None, taken, gradescope=True)
    except BaseException as error:  # the JSON is written whatever happened
        results = res.make_results([], 'grader-error',
                                   f'The autograder itself failed ({error!r}); please tell your instructor.', {})
        res.write_json(args.results, results)
        raise
    results['extra_data']['seed_fingerprint'] = seed_mod.fingerprint(batch.grading_seed)
    res.write_json(args.results, results)
    print(f'grade: {results["extra_data"]["status"]} {report._num(results["score"])}/'
          f'{report._num(results["max_score"])} -> {args.results}')
    return 0


def parse_time(text):
    """An ISO 8601 time of Gradescope's metadata (with its offset)."""
    return datetime.datetime.fromisoformat(re.sub(r'(\.\d{6})\d*', r'\1', text.replace('Z', '+00:00')))


def gradescope_policies(results, hidden_names, visibility, metadata_path, late_policy):
    """Hidden checks' visibility, and the late penalty: LATE_POLICY
    "PERCENT[,MAX_DAYS]" takes PERCENT of the maximum per started day after
    the due date of submission_metadata.json (the latest of the student's
    own, for an extension), and everything after MAX_DAYS days."""
    for test in results['tests']:
        if test['name'] in hidden_names or test['extra_data'].get('hidden'):
            test['visibility'] = visibility
            test['extra_data']['hidden'] = True
    if not late_policy or not metadata_path or not os.path.exists(metadata_path):
        return
    match = re.fullmatch(r'\s*(\d+(?:\.\d+)?)\s*(?:,\s*(\d+))?\s*', late_policy)
    if not match:
        raise ValueError(f'LATE_POLICY must be "PERCENT[,MAX_DAYS]", not {late_policy!r}')
    percent, max_days = float(match.group(1)), int(match.group(2)) if match.group(2) else None
    with open(metadata_path) as f:
        metadata = json.load(f)
    dues = [(u.get('assignment') or {}).get('due_date') for u in metadata.get('users', [])]
    dues = [parse_time(d) for d in dues if d] or [parse_time(metadata['assignment']['due_date'])]
    due, submitted = max(dues), parse_time(metadata['created_at'])
    late_seconds = (submitted - due).total_seconds()
    if late_seconds <= 0:
        return
    days = int(-(-late_seconds // 86400))
    earned = sum(t['score'] for t in results['tests'])
    if max_days is not None and days > max_days:
        penalty, rule = earned, f'more than {max_days} days late: no points'
    else:
        penalty = min(earned, round(results['max_score'] * percent / 100 * days, 6))
        rule = f'{percent:g}% of {results["max_score"]:g} per started day late, {days} day(s)'
    hours = late_seconds / 3600
    results['tests'].append({
        'name': 'late submission', 'score': -penalty, 'max_score': 0, 'status': 'failed',
        'output': f'Submitted {hours:.1f} h after the due date ({due.isoformat()}): {rule}: -{penalty:g}.',
        'visibility': 'visible', 'extra_data': {'group': None, 'late_penalty': True, 'hint': 'late'}})
    results['score'] = round(sum(t['score'] for t in results['tests']), 6)
    results['extra_data']['late_days'] = days


def finish_results(results, details, wanted, submission=None, taken=None, gradescope=False):
    """What every results.json says the same way: the score statement first
    (the grader's own "Score:" line replaced: the bonus is counted in the
    total, as Gradescope shows it), the file taken and what else was found,
    compiler messages with the student's file name instead of build paths
    (in the output too on Gradescope, where nothing else shows them), and
    no plot paths a Gradescope student could not open."""
    details['compiler'] = report.student_view(details.get('compiler') or '', wanted)
    extra = results['extra_data']
    if taken is not None:
        extra['graded_file'] = taken.graded
        extra['intake_note'] = taken.note
        extra['files_found'] = taken.found[:50]
    if submission is not None:
        extra.update(name=submission.name, student_id=submission.sid, source=submission.lms,
                     late=submission.late)
    own = [line for line in results.get('output', '').splitlines() if not line.startswith('Score:')]
    parts = [report.score_statement(results)]
    if taken is not None and taken.note:
        parts.append(f'Note: {taken.note}.')
    parts.append('\n'.join(own).strip())
    if gradescope and details['compiler']:
        parts.append('Compiler messages:\n' + details['compiler'])
    results['output'] = '\n'.join(part for part in parts if part).strip() + '\n'
    if gradescope:
        for test in results['tests']:
            test['output'] = '\n'.join(line for line in test['output'].splitlines()
                                       if not re.match(r'^\s*plots?: ', line))


def _terminated(signum, _frame):
    """SIGTERM (a killed `make grade`, a CI timeout) ends the batch like an
    exception, so its stage and the grading users' files in it are removed."""
    raise SystemExit(128 + signum)


def main():
    os.umask(0o077)   # every folder 0700, every file 0600: the batch's own user only
    signal.signal(signal.SIGTERM, _terminated)
    parser = argparse.ArgumentParser(description='Grade submissions with the kit\'s graders.')
    parser.add_argument('--lesson', required=True)
    parser.add_argument('--submissions')
    parser.add_argument('--student')
    parser.add_argument('--jobs', type=int, default=os.cpu_count() or 2)
    parser.add_argument('--out')
    parser.add_argument('--single', help='grade one submission folder (Gradescope)')
    parser.add_argument('--results', help='with --single: where results.json goes')
    parser.add_argument('--metadata', help='with --single: Gradescope\'s submission_metadata.json')
    parser.add_argument('--hidden-visibility', default='visible', choices=['hidden', 'after_due_date',
                                                                             'after_published', 'visible'],
                        help='with --single: the visibility of the hidden checks')
    parser.add_argument('--overrides', help='the instructor\'s overrides CSV (OVERRIDES=)')
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
