#!/usr/bin/python3
"""sandbox.py: run one untrusted command under hard limits and say how it ended.

Used by the batch grader for every step that runs a student's code (the
include scan, the compile, the grader binary). It is a separate process on
purpose: the batch grader runs many of these at once from threads, and fork
plus setuid plus setrlimit are only safe from a single-threaded process.

    sandbox.py --verdict FILE --output FILE [limits] [--user NAME] -- CMD...

Limits, each applied to every process of the command (children inherit them):
    --cpu S      CPU seconds per process (RLIMIT_CPU: SIGXCPU, then SIGKILL)
    --wall S     wall-clock seconds for the whole command tree
    --mem MIB    address space per process (RLIMIT_AS)
    --fsize MIB  largest file the command may write (RLIMIT_FSIZE)
    --nproc N    processes of the user that runs it (RLIMIT_NPROC); without
                 --user, N more than that user runs already (see below)
    --out-cap B  bytes of stdout+stderr kept; one byte more ends the run

How the limits hold even when the command misbehaves:
  * This process makes itself a "child subreaper" (prctl), so anything the
    command forks, even after setsid() or a double fork, is re-parented here
    and not to init. When the command ends, hits a limit or floods its
    output, every descendant is found through /proc and killed, and the
    sweep is repeated until none is left.
  * Root ignores RLIMIT_NPROC, and CI and Gradescope run as root. With
    --user the command runs as that unprivileged user (no supplementary
    groups), so the process limit counts; each parallel job gets its own
    user, so one student's fork bomb cannot use up another student's
    processes. As a last sweep every process of that user is killed.
    Without --user (an instructor grading as a normal user) the kernel
    counts every process and thread of that user, their desktop session
    included, which alone can pass N: the limit is then N more than the
    user runs when the command starts. Jobs run side by side as one user
    share that room.
    That user must be able to reach the command and --cwd: the batch runs
    it from a stage outside the kit (stage.py), since the kit may sit
    where only root may go (CI clones it under /root, mode 700).
  * As root the command also gets an empty network namespace when the
    kernel allows it (it does on CI; a Gradescope container may not).
  * stdout and stderr go through one pipe that this process reads with a
    cap, so a flood never fills a disk, and the wall clock is checked while
    reading, so a silent hang cannot stall the batch.

  * With --bwrap-ro/--bwrap-rw the command runs inside bubblewrap
    (bwrap_argv below): new user, pid, net, ipc, uts and mount namespaces,
    only /usr and the named folders visible, a private size-capped /tmp and
    /dev/shm, an empty environment but PATH and LC_ALL, nothing left
    running when it ends. The batch compiles every submission this way
    (job.py), so the compiler and assembler see the student's file and the
    kit's public headers, never the kit, the output folder, another
    student's files or the instructor's environment.

The verdict is a JSON object: exit, signal, timeout, output_limit,
cpu_limit, wall_seconds, cpu_seconds, max_rss_mib, network_isolated.
"""

import argparse
import ctypes
import json
import os
import pwd
import resource
import selectors
import signal
import sys
import time

PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36
CLONE_NEWNET = 0x40000000
MIB = 1024 * 1024

_libc = ctypes.CDLL(None, use_errno=True)


def _prctl(option, value):
    return _libc.prctl(option, ctypes.c_ulong(value), 0, 0, 0)


def _descendants(root_pid):
    """Every live process below root_pid, found through /proc's ppid links."""
    children = {}
    for entry in os.listdir('/proc'):
        if not entry.isdigit():
            continue
        try:
            with open(f'/proc/{entry}/stat', 'rb') as f:
                stat = f.read()
        except OSError:
            continue
        # The command name may hold spaces and parentheses: split after the last ')'.
        fields = stat[stat.rfind(b')') + 2:].split()
        children.setdefault(int(fields[1]), []).append(int(entry))
    found, todo = [], [root_pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _tasks_of_uid(uid):
    """Processes and threads whose real uid is uid: what RLIMIT_NPROC counts."""
    count = 0
    for entry in os.listdir('/proc'):
        if not entry.isdigit():
            continue
        try:
            with open(f'/proc/{entry}/status') as f:
                fields = dict(line.split(':', 1) for line in f if ':' in line)
            if int(fields['Uid'].split()[0]) == uid:
                count += int(fields['Threads'])
        except (OSError, KeyError, ValueError):
            pass  # gone meanwhile
    return count


def _processes_of_uid(uid):
    pids = []
    for entry in os.listdir('/proc'):
        if entry.isdigit():
            try:
                if os.stat(f'/proc/{entry}').st_uid == uid:
                    pids.append(int(entry))
            except OSError:
                pass
    return pids


_reaped = {}  # pid -> wait status of every child collected by _reap_all


def _reap_all():
    """Collect every exited child (orphans land here because we are a subreaper)."""
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        _reaped[pid] = status


def kill_tree(uid=None):
    """SIGKILL every descendant (and every process of uid) until none is left."""
    me = os.getpid()
    for _ in range(200):
        victims = _descendants(me)
        if uid is not None:
            victims += [p for p in _processes_of_uid(uid) if p != me]
        if not victims:
            return
        for pid in victims:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        _reap_all()
        time.sleep(0.01)


def bwrap_argv(binds, workdir, tmp_mib, command):
    """The bubblewrap command line for command: binds are (mode, source,
    target) with mode 'ro' or 'rw'; workdir is the cwd inside."""
    argv = ['bwrap', '--unshare-all', '--die-with-parent', '--new-session',
            '--ro-bind', '/usr', '/usr', '--symlink', 'usr/lib', '/lib',
            '--symlink', 'usr/lib64', '/lib64', '--symlink', 'usr/bin', '/bin',
            # cc is /etc/alternatives/cc on Debian; the loader's cache speeds start-up
            '--ro-bind-try', '/etc/alternatives', '/etc/alternatives',
            '--ro-bind-try', '/etc/ld.so.cache', '/etc/ld.so.cache',
            '--proc', '/proc', '--dev', '/dev',
            '--size', str(tmp_mib * MIB), '--tmpfs', '/tmp',
            '--size', str(MIB), '--tmpfs', '/dev/shm',
            '--remount-ro', '/dev']   # bwrap's /dev is a tmpfs without a size cap
    for mode, source, target in binds:
        argv += ['--ro-bind' if mode == 'ro' else '--bind', source, target]
    argv += ['--chdir', workdir, '--clearenv', '--setenv', 'PATH', '/usr/bin:/bin',
             '--setenv', 'LC_ALL', 'C', '--remount-ro', '/', '--', *command]
    return argv


def _bind(text):
    source, sep, target = text.partition(':')
    if not sep or not source or not target.startswith('/'):
        raise argparse.ArgumentTypeError(f'expected SOURCE:/TARGET, got {text!r}')
    return source, target


def _child(argv, args, user, write_fd):
    """In the forked child: limits, identity, then exec. Never returns."""
    try:
        os.setsid()
        devnull = os.open('/dev/null', os.O_RDONLY)
        os.dup2(devnull, 0)
        os.dup2(write_fd, 1)
        os.dup2(write_fd, 2)
        os.closerange(3, 65536)
        network_isolated = False
        if os.geteuid() == 0 and _libc.unshare(CLONE_NEWNET) == 0:
            network_isolated = True
        os.environ['KIT_SANDBOX_NETWORK'] = 'isolated' if network_isolated else 'shared'
        limits = [
            (resource.RLIMIT_CORE, 0),
            (resource.RLIMIT_NOFILE, 256),
        ]
        if args.cpu:
            limits.append((resource.RLIMIT_CPU, (args.cpu, args.cpu + 1)))
        if args.mem:
            limits.append((resource.RLIMIT_AS, args.mem * MIB))
        if args.fsize:
            limits.append((resource.RLIMIT_FSIZE, args.fsize * MIB))
        if args.nproc:
            limits.append((resource.RLIMIT_NPROC, args.nproc))
        for which, value in limits:
            soft, hard = value if isinstance(value, tuple) else (value, value)
            resource.setrlimit(which, (soft, hard))
        if user is not None:
            os.setgroups([])
            os.setgid(user.pw_gid)
            os.setuid(user.pw_uid)
            os.environ['HOME'] = args.cwd or '/'
            os.environ['USER'] = os.environ['LOGNAME'] = user.pw_name
        # Dies with us: if the batch grader is interrupted, nothing lingers.
        _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        if args.cwd:
            os.chdir(args.cwd)
        os.execvp(argv[0], argv)
    except BaseException as error:  # report why exec failed, on the captured stream
        os.write(2, f'sandbox: cannot run {argv[0]}: {error}\n'.encode())
    os._exit(127)


def run(argv, args):
    user = pwd.getpwnam(args.user) if args.user else None
    if user is not None and os.geteuid() != 0:
        sys.exit('sandbox: --user needs root')
    if _prctl(PR_SET_CHILD_SUBREAPER, 1) != 0:
        sys.exit('sandbox: prctl(PR_SET_CHILD_SUBREAPER) failed')
    uid = user.pw_uid if user else None
    if uid is not None:
        kill_tree(uid)  # leftovers of an earlier job of this slot, if any
    elif args.nproc and os.geteuid() != 0:
        args.nproc += _tasks_of_uid(os.getuid())

    read_fd, write_fd = os.pipe()
    start = time.monotonic()
    pid = os.fork()
    if pid == 0:
        _child(argv, args, user, write_fd)
    os.close(write_fd)
    os.set_blocking(read_fd, False)

    verdict = {'exit': None, 'signal': None, 'timeout': False, 'output_limit': False,
               'cpu_limit': False, 'network_isolated': None}
    kept = 0
    status = None
    deadline = start + args.wall if args.wall else None
    selector = selectors.DefaultSelector()
    selector.register(read_fd, selectors.EVENT_READ)
    pipe_open = True
    with open(args.output, 'wb') as out:
        while status is None or pipe_open:
            now = time.monotonic()
            if deadline is not None and now > deadline:
                verdict['timeout'] = True
                break
            if pipe_open:
                wait = 0.05 if deadline is None else max(0.0, min(0.05, deadline - now))
                for _ in selector.select(wait):
                    try:
                        chunk = os.read(read_fd, 65536)
                    except BlockingIOError:
                        continue
                    if not chunk:
                        pipe_open = False
                        selector.unregister(read_fd)
                        break
                    room = args.out_cap - kept
                    out.write(chunk[:max(0, room)])
                    kept += min(len(chunk), max(0, room))
                    if len(chunk) > room:
                        verdict['output_limit'] = True
                if verdict['output_limit']:
                    break
            else:
                time.sleep(0.01)
            if status is None:
                done, raw = os.waitpid(pid, os.WNOHANG)
                if done:
                    status = raw
                    # The command is over: whatever it left running goes now,
                    # which also closes the pipe those leftovers held open.
                    kill_tree(uid)
        kill_tree(uid)
        if status is None:
            try:
                _, status = os.waitpid(pid, 0)
            except ChildProcessError:  # already collected by a sweep
                status = _reaped.get(pid)
        _reap_all()
    os.close(read_fd)

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    verdict['wall_seconds'] = round(time.monotonic() - start, 3)
    verdict['cpu_seconds'] = round(usage.ru_utime + usage.ru_stime, 3)
    verdict['max_rss_mib'] = round(usage.ru_maxrss / 1024, 1)
    if status is not None:
        if os.WIFEXITED(status):
            verdict['exit'] = os.WEXITSTATUS(status)
        elif os.WIFSIGNALED(status):
            verdict['signal'] = os.WTERMSIG(status)
    if verdict['signal'] in (signal.SIGXCPU, signal.SIGKILL) and not (
            verdict['timeout'] or verdict['output_limit']):
        verdict['cpu_limit'] = args.cpu > 0 and verdict['cpu_seconds'] >= args.cpu - 0.5
    verdict['network_isolated'] = os.geteuid() == 0 and _netns_works()
    verdict['output_bytes'] = kept
    return verdict


_netns_probe = None


def _netns_works():
    """Whether unshare(CLONE_NEWNET) succeeds here (probed once, in a child)."""
    global _netns_probe
    if _netns_probe is None:
        pid = os.fork()
        if pid == 0:
            os._exit(0 if _libc.unshare(CLONE_NEWNET) == 0 else 1)
        _, status = os.waitpid(pid, 0)
        _netns_probe = os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
    return _netns_probe


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--verdict', required=True)
    parser.add_argument('--output', required=True)
    parser.add_argument('--cwd')
    parser.add_argument('--user')
    parser.add_argument('--cpu', type=int, default=0)
    parser.add_argument('--wall', type=float, default=0)
    parser.add_argument('--mem', type=int, default=0)
    parser.add_argument('--fsize', type=int, default=0)
    parser.add_argument('--nproc', type=int, default=0)
    parser.add_argument('--out-cap', type=int, default=1 * MIB)
    parser.add_argument('--bwrap-ro', type=_bind, action='append', default=[],
                        help='SOURCE:/TARGET, read-only inside bubblewrap')
    parser.add_argument('--bwrap-rw', type=_bind, action='append', default=[],
                        help='SOURCE:/TARGET, writable inside bubblewrap')
    parser.add_argument('--bwrap-chdir', default='/')
    parser.add_argument('--bwrap-tmp', type=int, default=64, help='MiB of /tmp inside bubblewrap')
    parser.add_argument('command', nargs='+')
    args = parser.parse_args()
    command = args.command
    if args.bwrap_ro or args.bwrap_rw:
        binds = [('ro', s, t) for s, t in args.bwrap_ro] + [('rw', s, t) for s, t in args.bwrap_rw]
        command = bwrap_argv(binds, args.bwrap_chdir, args.bwrap_tmp, command)
    verdict = run(command, args)
    with open(args.verdict, 'w') as f:
        json.dump(verdict, f, indent=1, sort_keys=True)
        f.write('\n')


if __name__ == '__main__':
    main()
