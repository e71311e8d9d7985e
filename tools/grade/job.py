"""job.py: grade one submission, from its file to its results.json.

The grade is decided where the submission cannot reach (tests/3.2/README.md):

  1. take the student file (intake.py: folder or archive, safely);
  2. build its two runners (the plain one and the AddressSanitizer one) as
     the job's unprivileged grading user, inside bubblewrap (sandbox.py):
     the compiler, assembler and linker see the student's file, the kit's
     public headers and objects (the runner kit, staged read-only as /kit)
     and /usr, nothing else: not the kit, not the output folder, not a
     classmate's files, not the instructor's environment. Its messages name
     schedulers.c and /kit/include/..., never a path of this machine;
  3. run the judge, the batch's own trusted program, outside the sandbox:
     it starts the runner for each check inside bubblewrap as the grading
     user, reads its traces, compares them with the golden data and with the
     reference it runs itself, and writes results.json and the plots into
     this batch's private work folder, where no grading user can write.
     The seed reaches the judge through a file only its owner can read;
  4. results.json (results.py), with a reason for every lost point.

Where bubblewrap cannot run (no user namespaces), every step still runs as
the grading user under rlimits (the batch says so once, in its log and the
class summary), and the batch refuses to start when that user could read the
reference, the judge or the seed (grade.py).
"""

import json
import os
import pwd
import re
import shutil
import signal
import stat
import subprocess
import sys
import time

import intake
import kit
import results as res

SANDBOX = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'sandbox.py')
SIGNAL_NAMES = {signal.SIGSEGV: 'SIGSEGV, a segmentation fault (bad pointer or array index)',
                signal.SIGABRT: 'SIGABRT (abort() or a failed assert)',
                signal.SIGFPE: 'SIGFPE (an integer division by zero)',
                signal.SIGBUS: 'SIGBUS (a bad memory access)',
                signal.SIGILL: 'SIGILL (an illegal instruction)',
                signal.SIGKILL: 'SIGKILL',
                signal.SIGXCPU: 'SIGXCPU (CPU time limit)',
                signal.SIGXFSZ: 'SIGXFSZ (file size limit)'}
IMAGE_SUFFIXES = ('.png', '.svg')


class Context:
    """What every job of a batch shares (read-only while jobs run)."""

    def __init__(self, lesson, out_dir, limits, grading_seed, kit_digest, reference_tests,
                 groups, bonus_groups, test_timeout=None, reference_seconds=1.0, stage=None,
                 judge=None, seed_file=None, sandbox='bwrap'):
        self.lesson = lesson
        self.judge = judge                    # the instructor edition's judge binary
        self.seed_file = seed_file            # the grading seed, mode 0600
        self.sandbox = sandbox                # 'bwrap' or 'rlimit' (probe_sandbox)
        self.stage = stage                    # stage.Stage: where the grading users work
        self.out_dir = out_dir
        self.limits = limits                  # dict: cpu wall mem fsize nproc output
        self.grading_seed = grading_seed
        self.kit_digest = kit_digest
        self.reference_tests = reference_tests
        self.groups = groups
        self.bonus_groups = bonus_groups
        self.test_timeout = test_timeout
        self.reference_seconds = reference_seconds  # wall time of the reference's full run
        self.wanted = kit.student_file(lesson)
        self.as_root = os.geteuid() == 0


def sandboxed(command, *, cwd, logs, step, limits, user=None, env=None, extra=()):
    """Run command through sandbox.py; returns (verdict dict, captured text)."""
    verdict_path = os.path.join(logs, f'{step}.verdict.json')
    output_path = os.path.join(logs, f'{step}.log')
    argv = [sys.executable, SANDBOX, '--verdict', verdict_path, '--output', output_path,
            '--cwd', cwd, '--cpu', str(limits['cpu']), '--wall', str(limits['wall']),
            '--mem', str(limits['mem']), '--fsize', str(limits['fsize']),
            '--nproc', str(limits['nproc']), '--out-cap', str(limits['output'])]
    if user:
        argv += ['--user', user]
    argv += [*extra, '--', *command]
    helper = subprocess.run(argv, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, timeout=limits['wall'] + 60)
    try:
        with open(verdict_path) as f:
            verdict = json.load(f)
    except (OSError, ValueError):
        raise RuntimeError(f'sandbox failed for {step}: {helper.stdout.decode(errors="replace")}')
    with open(output_path, 'rb') as f:
        text = f.read().decode('utf-8', errors='replace')
    return verdict, text


def probe_sandbox(stage, slot_user, logs):
    """Whether bubblewrap runs here as the grading user: ('bwrap', None), or
    ('rlimit', why) where user namespaces are unavailable (some containers)."""
    limits = {'cpu': 10, 'wall': 20, 'mem': 0, 'fsize': 1, 'nproc': 64, 'output': 65536}
    verdict, text = sandboxed(['/bin/true'], cwd='/', logs=logs, step='probe', limits=limits,
                              user=slot_user, env={'PATH': '/usr/bin:/bin'},
                              extra=['--bwrap-ro', f'{stage.kit}:/kit'])
    if verdict['exit'] == 0:
        return 'bwrap', None
    return 'rlimit', (text.strip().splitlines() or ['bwrap did not start'])[-1][:200]


def readable_by(user, paths):
    """Which of paths the user (a pwd entry) can open for reading: tried for
    real, in a child that has become that user."""
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(read_fd)
            os.setgroups([])
            os.setgid(user.pw_gid)
            os.setuid(user.pw_uid)
            found = []
            for path in paths:
                try:
                    os.close(os.open(path, os.O_RDONLY))
                    found.append(path)
                except OSError:
                    pass
            os.write(write_fd, '\n'.join(found).encode())
        finally:
            os._exit(0)
    os.close(write_fd)
    with os.fdopen(read_fd, 'rb') as f:
        text = f.read().decode()
    os.waitpid(pid, 0)
    return [line for line in text.split('\n') if line]


def golden_source(lesson):
    """The golden data the judge compares with: KIT_GOLDEN_DIR when the
    instructor sets it, else the kit's tests/golden/<L>."""
    return os.environ.get('KIT_GOLDEN_DIR') or os.path.join(kit.ROOT, 'tests', 'golden', lesson)


def abnormal_reason(verdict, limits, what='the grader'):
    """Why a sandboxed run did not end normally, in words for a student; None if it did."""
    if verdict['output_limit']:
        return (f'{what} printed more than {limits["output"] // 1024} KiB and was stopped '
                f'(a print in a loop?)', 'output-limit')
    if verdict['timeout']:
        return f'{what} did not finish within {limits["wall"]:g} s (an endless loop?)', 'timeout'
    if verdict['cpu_limit']:
        return f'{what} used more than {limits["cpu"]} s of CPU time (an endless loop?)', 'timeout'
    if verdict['signal'] is not None:
        name = SIGNAL_NAMES.get(verdict['signal'], f'signal {verdict["signal"]}')
        return f'{what} was killed by {name}', 'crashed'
    return None


def clean_compiler_text(text):
    """Compiler messages as the student would see them locally: the build
    ran in /work with the kit's headers in /kit/include."""
    text = text.replace('/work/', '').replace('/kit/include/', '')
    lines = text.splitlines()
    if len(lines) > 80:
        lines = lines[:80] + [f'... ({len(lines) - 80} more lines)']
    return '\n'.join(lines)


def copy_plain_files(source_dir, target_dir, suffixes=IMAGE_SUFFIXES):
    """Plain files with these suffixes only (images unless told): the
    student's code could have left links there."""
    copied = []
    if not os.path.isdir(source_dir) or os.path.islink(source_dir):
        return copied
    os.makedirs(target_dir, exist_ok=True)
    for name in sorted(os.listdir(source_dir)):
        if not name.endswith(suffixes) or not re.match(r'^[\w.+-]+$', name):
            continue
        path = os.path.join(source_dir, name)
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
        except OSError:
            continue
        with os.fdopen(fd, 'rb') as f:
            if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
                continue
            data = f.read(8 * 1024 * 1024)
        with open(os.path.join(target_dir, name), 'wb') as out:
            out.write(data)
        copied.append(name)
    return copied


def _fresh_dir(path):
    if os.path.lexists(path):
        shutil.rmtree(path) if os.path.isdir(path) and not os.path.islink(path) else os.unlink(path)
    os.makedirs(path)


def grade_submission(ctx, student, path, slot_user, data=None):
    """Grade one submission; returns (results dict, details dict for feedback)."""
    started = time.monotonic()
    work = os.path.join(ctx.out_dir, 'work', student)
    logs = os.path.join(work, 'logs')
    submission_dir = os.path.join(work, 'submission')
    run_dir = os.path.join(work, 'run')  # what the judge writes: results.json, plots
    owner = pwd.getpwnam(slot_user) if slot_user else None
    details = {'student': student, 'compiler': '', 'forbidden': [], 'plots': [], 'verdicts': {}}
    for folder in (logs, submission_dir, run_dir):
        _fresh_dir(folder)

    def finish(tests, status, output):
        extra = {'student': student, 'seconds': round(time.monotonic() - started, 2),
                 'sandbox': ctx.sandbox}
        return res.make_results(tests, status, output, extra), details

    if data is None:
        try:
            data = intake.take_student_file(path, ctx.wanted)
        except intake.Refused as refused:
            return finish(res.not_graded(ctx.reference_tests, refused.reason), refused.status,
                          refused.reason)
    submission = os.path.join(submission_dir, ctx.wanted)
    with open(submission, 'wb') as f:
        f.write(data)
    os.chmod(submission, 0o644)
    with ctx.stage.job(owner) as place:
        return _grade_in_stage(ctx, place, work, data, slot_user, details, finish)


def build_runners(ctx, place, logs, slot_user, limits):
    """Step 2: ./runner and ./runner-san from the student's file, as the
    grading user, in the sandbox. Returns (verdict, compiler text)."""
    kit_dir = ctx.stage.kit
    if ctx.sandbox == 'bwrap':
        command = ['sh', '/kit/build.sh']
        extra = ['--bwrap-ro', f'{kit_dir}:/kit', '--bwrap-rw', f'{place.run}:/work',
                 '--bwrap-chdir', '/work']
    else:
        command = ['sh', os.path.join(kit_dir, 'build.sh')]
        extra = []
    return sandboxed(command, cwd=place.run, logs=logs, step='compile', limits=limits, user=slot_user,
                     env={'PATH': '/usr/bin:/bin', 'LC_ALL': 'C', 'HOME': place.run, 'TMPDIR': place.run},
                     extra=extra)


def run_judge(ctx, runners, out_dir, logs, slot_user, only=None):
    """Step 3: the judge, as the batch's own user, on the job's runners.
    Returns (results dict or None, reason or None)."""
    results_path = os.path.join(out_dir, 'results.json')
    plots = os.path.join(out_dir, 'plots')
    argv = [ctx.judge, '--runner', runners['runner'], '--runner-san', runners['runner-san'],
            '--json', results_path, '--plots', plots, '--sandbox', ctx.sandbox]
    if slot_user:
        argv += ['--sandbox-user', slot_user]
    if ctx.seed_file:
        argv += ['--seed-file', ctx.seed_file]
    if ctx.test_timeout:
        argv += ['--timeout', str(ctx.test_timeout)]
    if only:
        argv += ['--only', only]
    env = {'PATH': '/usr/bin:/bin', 'LC_ALL': 'C', 'HOME': out_dir, 'TMPDIR': out_dir,
           'KIT_GOLDEN_DIR': golden_source(ctx.lesson)}
    try:
        done = subprocess.run(argv, env=env, stdin=subprocess.DEVNULL, capture_output=True,
                              timeout=max(60, ctx.limits['wall'] * 4))
    except subprocess.TimeoutExpired:
        return None, 'the judge did not finish in time: please tell your instructor'
    with open(os.path.join(logs, 'judge.log'), 'wb') as f:
        f.write(done.stdout + done.stderr)
    try:
        loaded = res.load_grader_results(results_path, ctx.groups, ctx.bonus_groups)
    except res.BadResults as bad:
        return None, f'the judge wrote no results ({bad}): please tell your instructor'
    if done.returncode not in (0, 1):
        return None, f'the judge stopped (exit {done.returncode}): please tell your instructor'
    for test in loaded['tests']:  # plot paths as the feedback folder has them
        test['output'] = test['output'].replace(plots + '/', 'plots/')
    return loaded, None


def _grade_in_stage(ctx, place, work, data, slot_user, details, finish):
    """Steps 2 to 4 of grade_submission, with the job's stage folder."""
    logs = os.path.join(work, 'logs')
    place.put_work_file(ctx.wanted, data)
    build_limits = dict(ctx.limits, cpu=max(ctx.limits['cpu'], 60), wall=max(ctx.limits['wall'], 120),
                        mem=max(ctx.limits['mem'], 2048), nproc=max(ctx.limits['nproc'], 64))
    verdict, text = build_runners(ctx, place, logs, slot_user, build_limits)
    details['verdicts']['compile'] = verdict
    details['compiler'] = clean_compiler_text(text)
    why = abnormal_reason(verdict, build_limits, 'the compiler')
    runners = place.take_runners()
    if why or verdict['exit'] != 0 or runners is None:
        reason = why[0] if why else f'{ctx.wanted} does not compile'
        return finish(res.not_graded(ctx.reference_tests, reason), 'compile-error', reason)
    run_dir = os.path.join(work, 'run')
    loaded, why = run_judge(ctx, runners, run_dir, logs, slot_user)
    if why:
        return finish(res.not_graded(ctx.reference_tests, why), 'grader-error', why)
    tests = loaded['tests']
    passed = all(t['status'] == 'passed' for t in tests if not t['extra_data'].get('bonus'))
    details['plots'] = copy_plain_files(os.path.join(run_dir, 'plots'),
                                        os.path.join(ctx.out_dir, 'students', details['student'], 'plots'))
    return finish(tests, 'ok' if passed else 'failed', loaded['output'])
