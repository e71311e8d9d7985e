"""stage.py: the scratch folders a grading user works in, outside the kit.

The kit may live where the grading users cannot go: CI clones it under
/root (mode 700) and runs as root, and the sandbox runs a submission's code
as an unprivileged user (kitgrader1..N). So nothing that runs as a grading
user reads from or writes to the kit or build/: it works in a stage.

One private root per batch, made with tempfile.mkdtemp under $TMPDIR (or
/tmp, /var/tmp, /dev/shm when a grading user could not reach $TMPDIR),
owned by root, mode 0711: a grading user may pass through it, not list it.
In it:

    kit/                  the runner kit (make runner-kit): the public headers,
                          the runner's kit objects and build.sh; all of it
                          ships in the student edition too
    job-XXXX/             one per submission, see Job

Nothing secret is ever staged: the judge, the reference, the golden data and
the seed stay in the kit and the batch's private output folder, which the
judge reads as the batch's own user. Everything but a job's run/ folder is
root's and read-only to the grading users: a submission cannot swap the
runner kit it is built with. A job folder is open to its own grading user
only (group access), so a submission cannot read another's file or runners
while both are graded at once.

Not as root (an instructor grading as a normal user) the stage is the same,
every folder the instructor's own, mode 0700: the sandbox runs the command
as that user too, so one code path serves both.

The batch copies back what it keeps (results files, plots) with the checks
of job.py (no links followed, plain files only), and removes a job folder
when its job ends and the root when the batch ends, also when they fail.
"""

import os
import shutil
import stat
import tempfile

PRIVATE_ROOT_MODE = 0o711
READ_ONLY_DIR_MODE = 0o755
READ_ONLY_FILE_MODE = 0o644
EXECUTABLE_MODE = 0o755


def _reachable_by_anyone(path):
    """Whether every folder from / down to path lets others pass (o+x)."""
    path = os.path.realpath(path)
    while True:
        if not os.stat(path).st_mode & stat.S_IXOTH:
            return False
        parent = os.path.dirname(path)
        if parent == path:
            return True
        path = parent


def _base_dir(for_other_users):
    """$TMPDIR (tempfile's choice), or the first usual place a grading user
    can reach when $TMPDIR sits under a private folder."""
    candidates = [tempfile.gettempdir(), '/tmp', '/var/tmp', '/dev/shm']
    if not for_other_users:
        return candidates[0]
    for candidate in candidates:
        if os.path.isdir(candidate) and _reachable_by_anyone(candidate):
            return candidate
    raise RuntimeError(f'no scratch folder the grading users can reach (tried {", ".join(candidates)}): '
                       'set TMPDIR to a folder every user may pass through')


def _make_read_only(top):
    """Root's (or the instructor's) tree, readable by all, writable by none but its owner."""
    for folder, dirs, files in os.walk(top):
        os.chmod(folder, READ_ONLY_DIR_MODE)
        for name in files:
            path = os.path.join(folder, name)
            mode = EXECUTABLE_MODE if os.stat(path).st_mode & stat.S_IXUSR else READ_ONLY_FILE_MODE
            os.chmod(path, mode)


def remove_tree(path):
    """rmtree that also copes with folders a submission made unreadable
    (as a normal user; root needs no permission). Never follows links."""
    def retry(function, failed, _error):
        parent = os.path.dirname(failed)
        if not os.path.islink(parent):
            os.chmod(parent, 0o700)
        if os.path.isdir(failed) and not os.path.islink(failed):
            os.chmod(failed, 0o700)
            shutil.rmtree(failed, onerror=retry)
        else:
            function(failed)
    if os.path.lexists(path):
        shutil.rmtree(path, onerror=retry)


class _Folder:
    """A scratch folder (self.path) that goes away with its `with` block."""

    def remove(self):
        remove_tree(self.path)

    def __enter__(self):
        return self

    def __exit__(self, *_):
        self.remove()


class Stage(_Folder):
    """The batch's private root. for_lesson() adds the shared read-only inputs."""

    def __init__(self):
        self.as_root = os.geteuid() == 0
        self.path = tempfile.mkdtemp(prefix='kit-grade-', dir=_base_dir(self.as_root))
        os.chmod(self.path, PRIVATE_ROOT_MODE if self.as_root else 0o700)
        self.kit = os.path.join(self.path, 'kit')

    @classmethod
    def for_lesson(cls, runner_kit):
        """A stage with a read-only copy of the runner kit (make runner-kit)."""
        stage = cls()
        try:
            shutil.copytree(runner_kit, stage.kit)
            _make_read_only(stage.kit)
        except BaseException:
            stage.remove()
            raise
        return stage

    def job(self, user):
        """A fresh job folder for one submission, graded as user (a pwd
        entry, or None: this process's own user)."""
        return Job(self, user)



class Job(_Folder):
    """One submission's folder in the stage:

        run/                the grading user's: the student's file, the build
        bin/runner, bin/runner-san   the built runners, copied out of run/
                            (root's, read-only): what the judge starts

    As root the folder is root:<user's group>, mode 0750, so only that
    grading user gets in; run/ is the user's, mode 0700."""

    def __init__(self, stage, user):
        self.stage = stage
        self.user = user
        self.path = tempfile.mkdtemp(prefix='job-', dir=stage.path)
        try:
            self.run = os.path.join(self.path, 'run')
            self.bin = os.path.join(self.path, 'bin')
            os.makedirs(self.run, mode=0o700)
            if stage.as_root and user is not None:
                os.chown(self.path, 0, user.pw_gid)
                os.chmod(self.path, 0o750)
                os.chown(self.run, user.pw_uid, user.pw_gid)
        except BaseException:
            self.remove()
            raise

    def put_file(self, relpath, data, executable=False):
        """Write data at relpath (read-only to the grading user); returns the path."""
        path = os.path.join(self.path, relpath)
        os.makedirs(os.path.dirname(path), mode=READ_ONLY_DIR_MODE, exist_ok=True)
        os.chmod(os.path.dirname(path), READ_ONLY_DIR_MODE)
        with open(path, 'wb') as f:
            f.write(data)
        os.chmod(path, EXECUTABLE_MODE if executable else READ_ONLY_FILE_MODE)
        return path

    def put_work_file(self, name, data):
        """The student's file in run/, for the grading user to build."""
        path = os.path.join(self.run, name)
        with open(path, 'wb') as f:
            f.write(data)
        os.chmod(path, READ_ONLY_FILE_MODE)
        return path

    def take_runners(self):
        """Copies run/runner and run/runner-san (plain files only, no link
        followed) into bin/, root's and read-only, so nothing the grading
        user runs later can change them. Returns their paths, or None."""
        os.makedirs(self.bin, mode=READ_ONLY_DIR_MODE, exist_ok=True)
        os.chmod(self.bin, READ_ONLY_DIR_MODE)
        paths = {}
        for name in ('runner', 'runner-san'):
            try:
                fd = os.open(os.path.join(self.run, name), os.O_RDONLY | os.O_NOFOLLOW)
            except OSError:
                return None
            with os.fdopen(fd, 'rb') as f:
                if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
                    return None
                data = f.read(256 * 1024 * 1024)
            target = os.path.join(self.bin, name)
            with open(target, 'wb') as out:
                out.write(data)
            os.chmod(target, EXECUTABLE_MODE)
            paths[name] = target
        return paths
