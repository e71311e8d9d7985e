"""intake.py: find the students in a submissions folder and take their file.

A submissions folder holds one entry per student, named after the student:

    submissions/alice/schedulers.c          a folder (the file may be nested)
    submissions/bob.tar.gz  (or .tgz)       an archive holding the file
    submissions/carol.zip

Only the student-editable file (the lesson's STUDENT_FILES) is taken, as
bytes; nothing of a submission is ever extracted to disk under a name it
chose, so an archive cannot write outside its scratch folder. An archive with
an unsafe member (absolute path, `..`, a link, a device) is refused whole:
such an archive is broken or hostile, and its mark could not be trusted.
Sizes are capped: the file, every member read, the archive itself, and what
a compressed archive unpacks to (a zip bomb stops at the cap).
"""

import gzip
import io
import os
import re
import stat
import tarfile
import zipfile

MAX_FILE_BYTES = 256 * 1024            # a scheduler file is a few KiB
MAX_ARCHIVE_BYTES = 16 * 1024 * 1024   # the archive as submitted
MAX_UNPACKED_BYTES = 64 * 1024 * 1024  # what reading through it may decompress
MAX_MEMBERS = 2000

ARCHIVE_SUFFIXES = ('.tar.gz', '.tgz', '.zip')
STUDENT_NAME = re.compile(r'^[A-Za-z0-9][A-Za-z0-9._@+-]{0,99}$')


class Refused(Exception):
    """A submission that cannot be graded: .status is its gradebook status."""

    def __init__(self, status, reason):
        super().__init__(reason)
        self.status = status
        self.reason = reason


def student_name(entry):
    """The student an entry of the submissions folder belongs to."""
    for suffix in ARCHIVE_SUFFIXES:
        if entry.endswith(suffix):
            return entry[:-len(suffix)]
    return entry


def list_submissions(folder):
    """[(student, path)] sorted by student; entries that are not submissions
    (hidden files, other file types) are skipped, duplicates are an error."""
    found = {}
    problems = []
    for entry in sorted(os.listdir(folder)):
        if entry.startswith('.'):
            continue
        path = os.path.join(folder, entry)
        is_archive = entry.endswith(ARCHIVE_SUFFIXES)
        if not (is_archive or os.path.isdir(path)):
            continue
        name = student_name(entry)
        if not STUDENT_NAME.match(name):
            problems.append(f'{entry!r}: a student name may use letters, digits and ._@+- only')
            continue
        if name in found:
            problems.append(f'{name}: two submissions ({os.path.basename(found[name])} and {entry})')
            continue
        found[name] = path
    return sorted(found.items()), problems


def _safe_member_path(name):
    """Whether an archive member name stays inside the archive's folder."""
    if not name or name.startswith('/') or '\\' in name or '\0' in name:
        return False
    return '..' not in name.split('/')


def _pick(candidates, wanted, where):
    """The one candidate to grade among the paths whose basename is wanted:
    the shallowest; two at the same depth is ambiguous."""
    if not candidates:
        raise Refused('missing-file', f'no {wanted} in {where}')
    candidates.sort(key=lambda path: (path.count('/'), path))
    if len(candidates) > 1 and candidates[0].count('/') == candidates[1].count('/'):
        raise Refused('missing-file', f'{len(candidates)} files named {wanted} in {where} '
                      f'({", ".join(candidates[:3])}): submit one')
    return candidates[0]


def _check_size(size, wanted):
    if size > MAX_FILE_BYTES:
        raise Refused('too-large', f'{wanted} is {size} bytes; the limit is {MAX_FILE_BYTES}')


def _from_folder(path, wanted):
    candidates = []
    for root, dirs, files in os.walk(path, followlinks=False):
        dirs.sort()
        for name in files:
            if name == wanted:
                candidates.append(os.path.relpath(os.path.join(root, name), path))
    chosen = _pick(candidates, wanted, 'the folder')
    full = os.path.join(path, chosen)
    info = os.lstat(full)
    if not stat.S_ISREG(info.st_mode):
        raise Refused('missing-file', f'{chosen} is not a regular file (a link?): submit the file itself')
    _check_size(info.st_size, wanted)
    with open(full, 'rb') as f:
        return f.read(MAX_FILE_BYTES + 1)


class _CappedReader(io.RawIOBase):
    """A stream that refuses to deliver more than cap bytes (zip bombs)."""

    def __init__(self, raw, cap):
        self.raw, self.left = raw, cap

    def readable(self):
        return True

    def readinto(self, buffer):
        data = self.raw.read(min(len(buffer), self.left + 1))
        if len(data) > self.left:
            raise Refused('bad-archive', f'the archive unpacks to more than {MAX_UNPACKED_BYTES} bytes')
        self.left -= len(data)
        buffer[:len(data)] = data
        return len(data)


def _from_tarball(path, wanted):
    wanted_bytes = {}
    names = []
    try:
        with open(path, 'rb') as raw:
            stream = io.BufferedReader(_CappedReader(gzip.GzipFile(fileobj=raw), MAX_UNPACKED_BYTES))
            with tarfile.open(fileobj=stream, mode='r|') as tar:
                for count, member in enumerate(tar, 1):
                    if count > MAX_MEMBERS:
                        raise Refused('bad-archive', f'more than {MAX_MEMBERS} members')
                    name = member.name[2:] if member.name.startswith('./') else member.name
                    if not _safe_member_path(name):
                        raise Refused('bad-archive', f'unsafe member path {member.name!r}')
                    if not (member.isfile() or member.isdir()):
                        raise Refused('bad-archive', f'member {member.name!r} is a link or a device')
                    names.append(name)
                    if member.isfile() and os.path.basename(name) == wanted:
                        _check_size(member.size, wanted)
                        wanted_bytes[name] = tar.extractfile(member).read(MAX_FILE_BYTES + 1)
    except (tarfile.TarError, OSError, EOFError, gzip.BadGzipFile) as error:
        raise Refused('bad-archive', f'not a readable .tar.gz ({error})') from None
    chosen = _pick(list(wanted_bytes), wanted, 'the archive')
    return wanted_bytes[chosen]


def _from_zip(path, wanted):
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            if len(members) > MAX_MEMBERS:
                raise Refused('bad-archive', f'more than {MAX_MEMBERS} members')
            candidates = {}
            for member in members:
                if not _safe_member_path(member.filename):
                    raise Refused('bad-archive', f'unsafe member path {member.filename!r}')
                # Only the type bits say "link" or "device"; zip tools that
                # store no type (Python's own) leave them 0: a plain file.
                kind = stat.S_IFMT(member.external_attr >> 16)
                if kind not in (0, stat.S_IFREG, stat.S_IFDIR):
                    raise Refused('bad-archive', f'member {member.filename!r} is a link or a device')
                if not member.is_dir() and os.path.basename(member.filename) == wanted:
                    candidates[member.filename] = member
            chosen = candidates[_pick(list(candidates), wanted, 'the archive')]
            _check_size(chosen.file_size, wanted)
            with archive.open(chosen) as f:
                return f.read(MAX_FILE_BYTES + 1)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError) as error:
        raise Refused('bad-archive', f'not a readable .zip ({error})') from None


def take_student_file(path, wanted):
    """The bytes of the file `wanted` from one submission (folder or archive).
    Raises Refused with the gradebook status and a reason a student can act on."""
    if os.path.islink(path):
        raise Refused('bad-archive', 'the submission is a symbolic link, not a folder or an archive')
    if os.path.isdir(path):
        data = _from_folder(path, wanted)
    else:
        if os.path.getsize(path) > MAX_ARCHIVE_BYTES:
            raise Refused('too-large', f'the archive is over {MAX_ARCHIVE_BYTES} bytes')
        data = _from_zip(path, wanted) if path.endswith('.zip') else _from_tarball(path, wanted)
    _check_size(len(data), wanted)
    return data
