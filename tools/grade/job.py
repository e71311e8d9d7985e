"""job.py: grade one submission, from its file to its results.json.

Every step that runs as the unprivileged grading user works in the job's
stage folder (stage.py), outside the kit, since the kit may live where that
user cannot go (CI: /root, mode 700). What the batch keeps lives in
build/grade/<L>/work/<student>, written as the batch's own user:

  1. take the student file (intake.py: folder or archive, safely);
  2. scan its #includes with the preprocessor, as the unprivileged user,
     against a copy of the kit's headers: a file may include system headers
     and the kit's own headers, nothing else (including solutions/ or the
     graders' sources would be cheating; an include of /etc/shadow would
     print it in the compiler's errors);
  3. build its grader against the pristine kit (`make grader`, the lesson's
     contract), under limits;
  4. check what that build read, as its compile of the file listed it
     (kit.student_build: the .deps file, -MD), so a path that only reaches
     the kit from there (`#ifdef __OPTIMIZE__`, __has_include, a relative
     path) cannot pull the reference in unseen, nor show its lines in
     compiler errors; no complete list, no grade and no compiler messages;
  5. run the grader as the unprivileged user, under limits, in the stage,
     with the golden data staged read-only;
  6. if the run ended abnormally (crash, hang, flood), run the grader once
     per check group (`--only`) so the schedulers that work still earn
     their points, within one more wall-clock budget;
  7. results.json (results.py), with a reason for every lost point; the
     results files and plots copied back, the stage removed.

Nothing the student's code wrote is trusted further than its results file:
logs and verdicts live in a folder it cannot write, files are opened without
following links, results and images are copied only if they are plain files.
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
RESULTS_SUFFIXES = ('.json',)


class Context:
    """What every job of a batch shares (read-only while jobs run)."""

    def __init__(self, lesson, out_dir, limits, grading_seed, kit_digest, reference_tests,
                 groups, bonus_groups, test_timeout=None, reference_seconds=1.0, stage=None):
        self.lesson = lesson
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


def sandboxed(command, *, cwd, logs, step, limits, user=None, env=None):
    """Run command through sandbox.py; returns (verdict dict, captured text)."""
    verdict_path = os.path.join(logs, f'{step}.verdict.json')
    output_path = os.path.join(logs, f'{step}.log')
    argv = [sys.executable, SANDBOX, '--verdict', verdict_path, '--output', output_path,
            '--cwd', cwd, '--cpu', str(limits['cpu']), '--wall', str(limits['wall']),
            '--mem', str(limits['mem']), '--fsize', str(limits['fsize']),
            '--nproc', str(limits['nproc']), '--out-cap', str(limits['output'])]
    if user:
        argv += ['--user', user]
    argv += ['--', *command]
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


def run_environment(run_dir, grading_seed=None, golden_dir=None):
    """The grader's whole environment: nothing of the instructor's shell leaks in."""
    env = {'PATH': '/usr/local/bin:/usr/bin:/bin', 'HOME': run_dir, 'TMPDIR': run_dir,
           'LANG': 'C.UTF-8', 'LC_ALL': 'C.UTF-8'}
    if grading_seed:
        env['GRADING_SEED'] = grading_seed
    if golden_dir:
        env['KIT_GOLDEN_DIR'] = golden_dir
    return env


def golden_source(lesson):
    """The golden data the graders compare with: KIT_GOLDEN_DIR when the
    instructor sets it, else the kit's tests/golden/<L>."""
    return os.environ.get('KIT_GOLDEN_DIR') or os.path.join(kit.ROOT, 'tests', 'golden', lesson)


def run_staged_grader(ctx, place, logs, step, json_name, user, only=None, limits=None):
    """Run the job's staged grader as the grading user, in its run/ folder,
    with the staged golden data. Returns (verdict, captured text, the path
    of the results file it was told to write; not yet trusted)."""
    limits = limits or ctx.limits
    results_path = os.path.join(place.run, json_name)
    argv = [place.grader, '--json', results_path, '--plots', place.plots]
    if only:
        argv += ['--only', only]
    if ctx.test_timeout:
        argv += ['--timeout', str(ctx.test_timeout)]
    env = run_environment(place.run, ctx.grading_seed, ctx.stage.golden)
    verdict, text = sandboxed(argv, cwd=place.run, logs=logs, step=step, limits=limits, user=user, env=env)
    return verdict, text, results_path


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


# Where a compile finds system headers: the C library's, the compiler's own,
# and locally installed libraries' (Check, json-c).
SYSTEM_HEADER_DIRS = ('/usr/include/', '/usr/lib/gcc/', '/usr/local/include/')


def allowed_read(path, kit_root, lesson, own_file):
    """Whether a compile of the student's file may read path: that file, a
    kit header (common/*.h, lessons/<L>/*.h) or a system header. Links are
    resolved first, so a link cannot pass a forbidden file off as a header."""
    real = os.path.realpath(path)
    if real == os.path.realpath(own_file) or real.startswith(SYSTEM_HEADER_DIRS):
        return True
    kit_root = os.path.realpath(kit_root)
    kit_folders = (os.path.join(kit_root, 'common'), os.path.join(kit_root, 'lessons', lesson))
    return real.endswith('.h') and os.path.dirname(real) in kit_folders


def _dependencies(text):
    """The prerequisites of a make rule as cc -M writes it (escaped spaces kept)."""
    text = text.replace('\\\n', ' ').split(':', 1)[-1]
    return [path.replace('\\ ', ' ') for path in re.split(r'(?<!\\)\s+', text.strip()) if path]


def scan_includes(ctx, submission, logs, user, env):
    """[forbidden paths] the student's file includes, [] when it is clean.
    Runs as the grading user, with the stage's copy of the kit's headers,
    so a path only root may read is refused rather than read."""
    with open(submission, 'rb') as f:
        source = f.read().decode('utf-8', errors='replace')
    if re.search(r'incbin', source, re.IGNORECASE):
        return ['.incbin (embedding a file with the assembler)']
    limits = dict(ctx.limits, wall=min(ctx.limits['wall'], 30), mem=max(ctx.limits['mem'], 1024))
    headers = ctx.stage.kit
    command = ['cc', '-std=c11', '-M', '-MG', '-Icommon', f'-Ilessons/{ctx.lesson}', submission]
    verdict, text = sandboxed(command, cwd=headers, logs=logs, step='scan', limits=limits,
                              user=user, env=env)
    if verdict['exit'] != 0:
        return ['a file the grader may not read'] if 'Permission denied' in text else []
    # A header that does not exist (-MG lists it): the build's compiler says so.
    return [path for path in _dependencies(text)
            if os.path.lexists(os.path.join(headers, path))
            and not allowed_read(os.path.join(headers, path), headers, ctx.lesson, submission)]


def build_includes(ctx, build):
    """[forbidden files] the grader build's compile of the student file read,
    [] when it is clean, None when there is no complete list to check.

    The scan above sees the file where the stage has it; the build compiles
    its own copy inside the kit, with its own flags, so a conditional
    (__OPTIMIZE__, __has_include) or a path relative to that copy can reach
    what the scan could not see. That compile lists every file it read in
    build.deps (kit.student_build), exact by construction."""
    try:
        paths = kit.read_dependencies(build.deps, build.target)
    except (OSError, ValueError):
        return None
    root = os.path.realpath(kit.ROOT)
    forbidden = []
    for path in paths:
        full = os.path.join(kit.ROOT, path)
        if not allowed_read(full, kit.ROOT, ctx.lesson, build.source):
            real = os.path.realpath(full)
            forbidden.append(os.path.relpath(real, root) if real.startswith(root + '/') else real)
    return forbidden


def _fatal_line(text, build):
    """The compiler's fatal error about the student's own file (such as an
    #include of a file that does not exist), as the student would see it."""
    prefix = os.path.relpath(build.source, kit.ROOT) + ':'
    for line in text.splitlines():
        if line.startswith(prefix) and ': fatal error: ' in line:
            return os.path.basename(build.source) + line[len(prefix) - 1:]
    return None


_allowed_symbols = None


def _defined_symbols(path, dynamic):
    flags = ['-D'] if dynamic else []
    done = subprocess.run(['nm', *flags, '--defined-only', '-P', path], capture_output=True, text=True)
    return {line.split()[0].split('@')[0] for line in done.stdout.splitlines() if line.strip()}


def allowed_symbols():
    """What a student's file may call: the C library, libm, libgcc and the
    kit's core (libkit.a). Not the graders' functions, not the reference
    solution that the instructor grader links as ref_*."""
    global _allowed_symbols
    if _allowed_symbols is None:
        allowed = set()
        for name in ('libc.so.6', 'libm.so.6', 'libgcc_s.so.1'):
            path = subprocess.run(['cc', f'-print-file-name={name}'], capture_output=True, text=True).stdout.strip()
            if os.path.isabs(path):
                allowed |= _defined_symbols(path, True)
        libgcc = subprocess.run(['cc', '-print-libgcc-file-name'], capture_output=True, text=True).stdout.strip()
        for path in (libgcc, os.path.join(kit.ROOT, 'build', 'opt', 'lib', 'libkit.a')):
            if os.path.exists(path):
                allowed |= _defined_symbols(path, False)
        _allowed_symbols = allowed
    return _allowed_symbols


def foreign_calls(ctx, submission, object_dir, logs, user, env):
    """[symbols] the student's object needs that are neither its own nor allowed.
    Compiled as the grading user against the stage's headers, into object_dir
    (the job's run folder; the user's processes are gone when nm reads it)."""
    obj = os.path.join(object_dir, 'symbols-check.o')
    command = ['cc', '-std=c11', '-O2', '-c', '-Icommon', f'-Ilessons/{ctx.lesson}', submission, '-o', obj]
    limits = dict(ctx.limits, wall=min(ctx.limits['wall'], 60), mem=max(ctx.limits['mem'], 2048))
    verdict, _ = sandboxed(command, cwd=ctx.stage.kit, logs=logs, step='symbols', limits=limits, user=user,
                           env=env)
    if verdict['exit'] != 0 or not os.path.isfile(obj) or os.path.islink(obj):
        return []  # the real build reports the error
    done = subprocess.run(['nm', '-u', '-P', obj], capture_output=True, text=True)
    os.unlink(obj)
    needed = {line.split()[0] for line in done.stdout.splitlines() if line.strip()}
    return sorted(needed - allowed_symbols())


def _clean_compiler_text(text, submission_dir):
    """Compiler messages as the student would see them locally."""
    text = text.replace(submission_dir + '/', '').replace(os.path.relpath(submission_dir, kit.ROOT) + '/', '')
    lines = [line for line in text.splitlines() if not line.startswith(('make:', 'make['))]
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
    run_dir = os.path.join(work, 'run')  # what the grader wrote, copied back from the stage
    owner = pwd.getpwnam(slot_user) if slot_user else None
    details = {'student': student, 'compiler': '', 'forbidden': [], 'plots': [], 'verdicts': {}}
    for folder in (logs, submission_dir, run_dir, os.path.join(work, 'bin')):
        _fresh_dir(folder)

    def finish(tests, status, output):
        extra = {'student': student, 'seconds': round(time.monotonic() - started, 2),
                 'network_isolated': details.get('network_isolated')}
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
        try:
            return _grade_in_stage(ctx, place, work, submission, data, slot_user, details, finish)
        finally:
            copy_plain_files(place.run, run_dir, RESULTS_SUFFIXES)
            copy_plain_files(place.plots, os.path.join(run_dir, 'plots'))


def _grade_in_stage(ctx, place, work, submission, data, slot_user, details, finish):
    """Steps 2 to 7 of grade_submission, with the job's stage folder."""
    logs = os.path.join(work, 'logs')
    submission_dir = os.path.dirname(submission)

    def refuse_includes(forbidden):
        details['forbidden'] = forbidden
        reason = f'{ctx.wanted} includes {", ".join(forbidden)}; only system headers and the kit\'s headers are allowed'
        return finish(res.not_graded(ctx.reference_tests, reason), 'forbidden', reason)

    staged = place.put_file(os.path.join('submission', ctx.wanted), data)
    scan_env = run_environment(place.run)
    forbidden = scan_includes(ctx, staged, logs, slot_user, scan_env)
    if forbidden:
        return refuse_includes(forbidden)
    foreign = foreign_calls(ctx, staged, place.run, logs, slot_user, scan_env)
    if foreign:
        details['forbidden'] = foreign
        reason = (f'{ctx.wanted} calls {", ".join(foreign[:5])}, which belong to neither the C library '
                  f'nor the kit\'s core (common/): the graders\' own code is off limits')
        return finish(res.not_graded(ctx.reference_tests, reason), 'forbidden', reason)

    build_limits = dict(ctx.limits, cpu=max(ctx.limits['cpu'], 60), wall=max(ctx.limits['wall'], 120),
                        mem=max(ctx.limits['mem'], 2048), nproc=max(ctx.limits['nproc'], 64))
    build = kit.student_build(ctx.lesson, submission_dir)
    shutil.rmtree(build.folder, ignore_errors=True)  # no list left by an earlier compile
    command = kit.make_grader_command(ctx.lesson, submission_dir, os.path.join(work, 'bin'))
    verdict, text = sandboxed(command, cwd=kit.ROOT, logs=logs, step='compile',
                              limits=build_limits, env=kit.make_environment())
    details['verdicts']['compile'] = verdict
    forbidden = build_includes(ctx, build)
    if forbidden:  # checked before any compiler message reaches the student
        return refuse_includes(forbidden)
    grader = os.path.join(work, 'bin', 'grader')
    why = abnormal_reason(verdict, build_limits, 'the compiler')
    if forbidden is None or why:
        # What the compile read is unknown (no complete list, or it was
        # stopped): its messages could quote any of it, so none is shown.
        if verdict['exit'] == 0 and why is None and os.path.exists(grader):
            reason = (f'the grader build left no complete list of the files its compile of {ctx.wanted} read '
                      f'({os.path.relpath(build.deps, kit.ROOT)}), so it was not graded: please tell your instructor')
            return finish(res.not_graded(ctx.reference_tests, reason), 'grader-error', reason)
        reason = why[0] if why else f'{ctx.wanted} does not compile: {_fatal_line(text, build) or "the compiler stopped"}'
        reason += ('; the compiler\'s messages are not shown, since the grader could not check '
                   'which files it read')
        return finish(res.not_graded(ctx.reference_tests, reason), 'compile-error', reason)
    if verdict['exit'] != 0 or not os.path.exists(grader):
        details['compiler'] = _clean_compiler_text(text, submission_dir)
        reason = f'{ctx.wanted} does not compile'
        return finish(res.not_graded(ctx.reference_tests, reason), 'compile-error', reason)
    place.put_grader(grader)

    def run_grader(step, json_name, only=None, limits=ctx.limits):
        verdict, text, results_path = run_staged_grader(ctx, place, logs, step, json_name, slot_user,
                                                        only=only, limits=limits)
        details['verdicts'][step] = verdict
        details['network_isolated'] = verdict.get('network_isolated')
        why = abnormal_reason(verdict, limits)
        if why is None:
            try:
                loaded = res.load_grader_results(results_path, ctx.groups, ctx.bonus_groups)
                for test in loaded['tests']:  # plot paths as the feedback folder has them
                    test['output'] = test['output'].replace(place.plots + '/', 'plots/')
                return loaded, None, text
            except res.BadResults as bad:
                code = verdict['exit']
                why = (f'the grader exited with status {code} before writing its results '
                       f'({bad}; does your code call exit()?)', 'crashed')
        return None, why, text

    loaded, why, text = run_grader('grade', 'results.json')
    details['stdout'] = text
    if why is None:
        tests = loaded['tests']
        passed = all(t['status'] == 'passed' for t in tests if not t['extra_data'].get('bonus'))
        status = 'ok' if passed and verdict_ok(details['verdicts']['grade']) else 'failed'
        output = loaded['output']
    else:
        reason, status = why
        tests, output = salvage(ctx, run_grader, reason)
        if status == 'crashed' and all(t['extra_data'].get('hint') != 'not-graded' for t in tests):
            # Every scheduler graded cleanly on its own, so the crash did not
            # come back: grade the whole file once more and trust that run.
            loaded, why, text = run_grader('grade-again', 'results-again.json')
            if why is None:
                tests = loaded['tests']
                passed = all(t['status'] == 'passed' for t in tests if not t['extra_data'].get('bonus'))
                status = 'ok' if passed and verdict_ok(details['verdicts']['grade-again']) else 'failed'
                output = loaded['output']
    details['plots'] = copy_plain_files(place.plots, os.path.join(ctx.out_dir, 'students', details['student'], 'plots'))
    return finish(tests, status, output)


def verdict_ok(verdict):
    return verdict['exit'] == 0


def salvage(ctx, run_grader, reason):
    """After an abnormal full run: one run per group. Each gets the wall time
    that ten reference runs take (at least 5 s, at most the full limit), so a
    group that hangs again costs seconds, not minutes."""
    wall = min(float(ctx.limits['wall']), max(5.0, 10 * ctx.reference_seconds))
    tests = []
    notes = [f'Stopped: {reason}. Each scheduler was then graded on its own:']
    for group in ctx.groups:
        limits = dict(ctx.limits, wall=wall)
        loaded, why, _ = run_grader(f'only-{group}', f'only-{group}.json', only=group, limits=limits)
        mine = [t for t in loaded['tests'] if t['extra_data'].get('group') == group] if loaded else []
        if why is None and mine:
            tests += mine
            notes.append(f'  {group}: graded')
        else:
            text = why[0] if why else 'the grader reported no check for it'
            tests += res.not_graded(ctx.reference_tests, f'while grading {group}, {text}', only_group=group)
            notes.append(f'  {group}: {text}')
    return tests, '\n'.join(notes)
