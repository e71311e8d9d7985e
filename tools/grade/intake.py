"""intake.py: find the students in SUBMISSIONS and take the file each one is graded on.

SUBMISSIONS is a folder, or a .zip of one (an LMS's "download all"), in one
of three layouts, recognised entry by entry:

  ours     alice/schedulers.c (nested is fine), bob.tar.gz, carol.zip:
           one folder or archive per student, named after the student
  Canvas   leeming_98765_4433221_schedulers.c      (flat files:
           <name>_[late_]<user id>_<submission id>_<file as uploaded>;
           Canvas adds -1, -2 to a re-uploaded file's name)
  Moodle   Kim Lee_123456_assignsubmission_file_/schedulers.c (folders), or
           Kim Lee_123456_assignsubmission_file_schedulers.c   (flat):
           <full name>_<participant id>_assignsubmission_<plugin>_

The student id is the LMS's own (Canvas user id, Moodle participant id): the
one its grade import matches on. Every entry that is not graded is listed
with its reason (`Skipped`), for the class summary.

Which file is graded: the lesson's STUDENT_FILES name (schedulers.c) by
GRADE_PICK, one of
  exact   only a file named exactly schedulers.c;
  near    (default) schedulers.c if there is one; else the one file whose
          name differs only in case or a copy number (Schedulers.c,
          schedulers (1).c, schedulers-1.c, schedulers_2.c);
  last    like near, but of several such files the highest copy number wins
          (the LMS's and browsers' numbering of a later upload).
Among equals the shallowest wins; two at the same depth are not graded.
Archives found inside a submission (an un-extracted lab3.zip) are read one
level deep, in memory. Whatever the rule, the feedback says which file was
graded and what else was found.

Only that one file is taken, as bytes; nothing of a submission is ever
extracted to disk under a name it chose. An archive with an unsafe member
(absolute path, `..`, a link, a device) is refused whole: such an archive is
broken or hostile, and its mark could not be trusted. Sizes are capped: the
file, every member read, the archive itself, and what a compressed archive
unpacks to (a zip bomb stops at the cap).
"""

import collections
import gzip
import io
import os
import re
import stat
import tarfile
import unicodedata
import zipfile

MAX_FILE_BYTES = 256 * 1024            # a scheduler file is a few KiB
MAX_ARCHIVE_BYTES = 16 * 1024 * 1024   # the archive as submitted
MAX_UNPACKED_BYTES = 64 * 1024 * 1024  # what reading through it may decompress
MAX_CLASS_ZIP_BYTES = 1024 * 1024 * 1024  # SUBMISSIONS=class.zip as a whole
MAX_MEMBERS = 2000

ARCHIVE_SUFFIXES = ('.tar.gz', '.tgz', '.zip')
STUDENT_NAME = re.compile(r'^[A-Za-z0-9][A-Za-z0-9._@+-]{0,99}$')
PICK_RULES = ('exact', 'near', 'last')
CANVAS_FILE = re.compile(r'^(?P<name>[a-z0-9]+)_(?P<late>late_)?(?P<id>\d+)_(?P<submission>\d+)_(?P<file>.+)$')
MOODLE_ENTRY = re.compile(r'^(?P<name>.+?)_(?P<id>\d+)_assignsubmission_(?P<plugin>[a-z]+)_(?P<file>.*)$')
COPY_SUFFIX = re.compile(r'^(?P<stem>.*?)(?:\s*\((?P<paren>\d+)\)|[-_ ](?P<dash>\d+))?$')
SYSTEM_ENTRIES = ('__MACOSX', 'Thumbs.db', 'desktop.ini')


class Refused(Exception):
    """A submission that cannot be graded: .status is its gradebook status."""

    def __init__(self, status, reason):
        super().__init__(reason)
        self.status = status
        self.reason = reason


# ---- what a submission holds ------------------------------------------------

class Item:
    """One file of a submission: its path inside it, its size, its kind
    ('file', 'dir', 'link', 'other') and a reader of its bytes (capped)."""

    def __init__(self, path, size, kind, read=None):
        self.path, self.size, self.kind, self._read = path, size, kind, read

    def read(self):
        if self.size > MAX_FILE_BYTES and not self.path.endswith(ARCHIVE_SUFFIXES):
            raise Refused('too-large', f'{self.path} is {self.size} bytes; the limit is {MAX_FILE_BYTES}')
        return self._read()


def _safe_member_path(name):
    """Whether an archive member name stays inside the archive's folder."""
    if not name or name.startswith('/') or '\\' in name or '\0' in name:
        return False
    return '..' not in name.split('/')


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


def _worth_reading(name):
    """Members whose bytes a pick may need: C files and archives."""
    return name.lower().endswith(('.c',) + ARCHIVE_SUFFIXES)


def _read_capped(stream, cap):
    data = stream.read(cap + 1)
    if len(data) > cap:
        raise Refused('too-large', f'a member is over {cap} bytes')
    return data


def folder_items(path):
    """The files of a folder, links and devices named but never followed."""
    items = []
    for root, dirs, files in os.walk(path, followlinks=False):
        dirs.sort()
        for name in sorted(files) + [d for d in dirs if os.path.islink(os.path.join(root, d))]:
            full = os.path.join(root, name)
            rel = os.path.relpath(full, path)
            info = os.lstat(full)
            if stat.S_ISLNK(info.st_mode):
                items.append(Item(rel, 0, 'link'))
            elif stat.S_ISREG(info.st_mode):
                def read(full=full, size=info.st_size):
                    cap = MAX_ARCHIVE_BYTES if full.endswith(ARCHIVE_SUFFIXES) else MAX_FILE_BYTES
                    if size > cap:
                        raise Refused('too-large', f'{os.path.basename(full)} is {size} bytes; the limit is {cap}')
                    with open(full, 'rb') as f:
                        return _read_capped(f, cap)
                items.append(Item(rel, info.st_size, 'file', read))
            else:
                items.append(Item(rel, 0, 'other'))
    return items


def zip_items(source):
    """The members of a zip (a path or bytes), checked; raises Refused."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(source) if isinstance(source, bytes) else source)
        members = archive.infolist()
        if len(members) > MAX_MEMBERS:
            raise Refused('bad-archive', f'more than {MAX_MEMBERS} members')
        items = []
        for member in members:
            if not _safe_member_path(member.filename):
                raise Refused('bad-archive', f'unsafe member path {member.filename!r}')
            # Only the type bits say "link" or "device"; zip tools that
            # store no type (Python's own) leave them 0: a plain file.
            kind = stat.S_IFMT(member.external_attr >> 16)
            if kind not in (0, stat.S_IFREG, stat.S_IFDIR):
                raise Refused('bad-archive', f'member {member.filename!r} is a link or a device')
            if member.is_dir():
                continue

            def read(member=member):
                cap = MAX_ARCHIVE_BYTES if member.filename.endswith(ARCHIVE_SUFFIXES) else MAX_FILE_BYTES
                if member.file_size > cap:
                    raise Refused('too-large', f'{member.filename} is {member.file_size} bytes; the limit is {cap}')
                try:
                    with archive.open(member) as f:
                        return _read_capped(f, cap)
                except (zipfile.BadZipFile, OSError, EOFError) as error:
                    raise Refused('bad-archive', f'not a readable .zip ({error})') from None
            items.append(Item(member.filename.rstrip('/'), member.file_size, 'file', read))
        return items
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError) as error:
        raise Refused('bad-archive', f'not a readable .zip ({error})') from None


def tar_items(source):
    """The members of a .tar.gz (a path or bytes), checked, read in one
    pass: the bytes of C files and archives are kept (capped)."""
    items = []
    try:
        raw = io.BytesIO(source) if isinstance(source, bytes) else open(source, 'rb')
        with raw:
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
                    if member.isdir():
                        continue
                    data = None
                    if _worth_reading(name):
                        cap = MAX_ARCHIVE_BYTES if name.endswith(ARCHIVE_SUFFIXES) else MAX_FILE_BYTES
                        data = b'' if member.size > cap else _read_capped(tar.extractfile(member), cap)

                    def read(data=data, name=name, size=member.size):
                        if data is None or size > len(data):
                            raise Refused('too-large', f'{name} is {size} bytes')
                        return data
                    items.append(Item(name, member.size, 'file', read))
    except (tarfile.TarError, OSError, EOFError, gzip.BadGzipFile) as error:
        raise Refused('bad-archive', f'not a readable .tar.gz ({error})') from None
    return items


def archive_items(source, name):
    """Items of an archive given by path or bytes, by its name's suffix."""
    if isinstance(source, str) and os.path.getsize(source) > MAX_ARCHIVE_BYTES:
        raise Refused('too-large', f'the archive is over {MAX_ARCHIVE_BYTES} bytes')
    return zip_items(source) if name.lower().endswith('.zip') else tar_items(source)


# ---- which file is graded ---------------------------------------------------

def copy_number(basename, wanted):
    """0 for the wanted name itself, N for a copy numbered N (or 1 for a
    case variant without a number), None when basename is another file."""
    if basename == wanted:
        return 0
    stem, ext = os.path.splitext(basename)
    want_stem, want_ext = os.path.splitext(wanted)
    if ext.lower() != want_ext.lower():
        return None
    match = COPY_SUFFIX.match(stem)
    if match.group('stem').lower() != want_stem.lower():
        return None
    number = match.group('paren') or match.group('dash')
    return int(number) if number else 1


Taken = collections.namedtuple('Taken', 'data graded note found')


def _listing(items, limit=12):
    names = [item.path for item in items]
    shown = ', '.join(names[:limit]) + (f' and {len(names) - limit} more' if len(names) > limit else '')
    return shown or 'nothing'


def take(items, wanted, rule='near', where='the submission'):
    """The file to grade among items (nested archives read one level).
    Returns Taken(bytes, its path, a note for the feedback or None, every
    path found); raises Refused with the reason and what was found."""
    if rule not in PICK_RULES:
        raise ValueError(f'GRADE_PICK must be one of {", ".join(PICK_RULES)}, not {rule!r}')
    everything = list(items)
    for item in items:
        if item.kind == 'file' and item.path.lower().endswith(ARCHIVE_SUFFIXES):
            try:
                inner = archive_items(item.read(), item.path)
            except Refused as refused:
                raise Refused(refused.status, f'{item.path}: {refused.reason}') from None
            everything += [Item(f'{item.path}/{sub.path}', sub.size, sub.kind, sub._read) for sub in inner]
    found = [item.path for item in everything]
    candidates = []
    for item in everything:
        number = copy_number(os.path.basename(item.path), wanted)
        if number is None or (rule == 'exact' and number != 0):
            continue
        candidates.append((number, item))
    if not candidates:
        raise Refused('missing-file', f'no {wanted} in {where}; found: {_listing(everything)}')
    exact = [(n, item) for n, item in candidates if n == 0]
    if rule == 'last':
        best = max(n for n, _ in candidates)
        pool = [(n, item) for n, item in candidates if n == best]
    elif exact:
        pool = exact
    else:
        pool = candidates
    pool.sort(key=lambda pair: (pair[1].path.count('/'), pair[1].path))
    if len(pool) > 1 and pool[0][1].path.count('/') == pool[1][1].path.count('/'):
        names = ', '.join(item.path for _, item in pool[:4])
        raise Refused('missing-file', f'{len(pool)} files could be {wanted} in {where} ({names}): '
                      f'submit one (GRADE_PICK={rule})')
    number, chosen = pool[0]
    if chosen.kind != 'file':
        raise Refused('missing-file', f'{chosen.path} is not a regular file (a link?): submit the file itself')
    data = chosen.read()
    if len(data) > MAX_FILE_BYTES:
        raise Refused('too-large', f'{wanted} is {len(data)} bytes; the limit is {MAX_FILE_BYTES}')
    notes = []
    inside = [part for part in chosen.path.split('/')[:-1] if part.lower().endswith(ARCHIVE_SUFFIXES)]
    if os.path.basename(chosen.path) != wanted:  # a file in a subfolder is no news
        notes.append(f'graded {chosen.path} as {wanted} (GRADE_PICK={rule})')
    elif inside:
        notes.append(f'graded {chosen.path}, read from inside {inside[0]}')
    others = [item.path for n, item in candidates if item is not chosen]
    if others:
        notes.append(f'not graded: {", ".join(others[:6])}')
    return Taken(data, chosen.path, '; '.join(notes) or None, found)


# ---- the class ----------------------------------------------------------------

Submission = collections.namedtuple('Submission', 'key name sid lms late entries items')
Skipped = collections.namedtuple('Skipped', 'entry reason')


def safe_key(text):
    """A folder name for a student: ASCII letters, digits and ._-."""
    ascii_text = unicodedata.normalize('NFKD', text).encode('ascii', 'ignore').decode()
    key = re.sub(r'[^A-Za-z0-9._-]+', '_', ascii_text).strip('._-')
    return key[:80] or 'student'


class _Root:
    """The top of SUBMISSIONS: a folder or the items of a class zip."""

    def __init__(self, path):
        self.path = path
        self.is_zip = os.path.isfile(path) and path.lower().endswith('.zip')
        if self.is_zip:
            if os.path.getsize(path) > MAX_CLASS_ZIP_BYTES:
                raise Refused('too-large', f'{path} is over {MAX_CLASS_ZIP_BYTES} bytes')
            self.members = zip_items(path)

    def entries(self):
        """{top-level name: 'dir' | 'file' | 'link' | 'other'}"""
        if not self.is_zip:
            kinds = {}
            for entry in sorted(os.listdir(self.path)):
                info = os.lstat(os.path.join(self.path, entry))
                kinds[entry] = ('link' if stat.S_ISLNK(info.st_mode) else 'dir' if stat.S_ISDIR(info.st_mode)
                                else 'file' if stat.S_ISREG(info.st_mode) else 'other')
            return kinds
        kinds = {}
        for item in self.members:
            top, _, rest = item.path.partition('/')
            kinds[top] = 'dir' if rest else kinds.get(top, 'file')
        return dict(sorted(kinds.items()))

    def folder(self, entry):
        if not self.is_zip:
            return folder_items(os.path.join(self.path, entry))
        prefix = entry + '/'
        return [Item(i.path[len(prefix):], i.size, i.kind, i._read) for i in self.members
                if i.path.startswith(prefix)]

    def file(self, entry, as_name=None):
        """One top-level file as an item named as_name (default: entry)."""
        if not self.is_zip:
            return folder_items_one(os.path.join(self.path, entry), as_name or entry)
        item = next(i for i in self.members if i.path == entry)
        return Item(as_name or entry, item.size, item.kind, item._read)


def folder_items_one(path, name):
    info = os.lstat(path)
    if stat.S_ISLNK(info.st_mode):
        return Item(name, 0, 'link')

    def read():
        cap = MAX_ARCHIVE_BYTES if name.endswith(ARCHIVE_SUFFIXES) else MAX_FILE_BYTES
        if info.st_size > cap:
            raise Refused('too-large', f'{name} is {info.st_size} bytes; the limit is {cap}')
        with open(path, 'rb') as f:
            return _read_capped(f, cap)
    return Item(name, info.st_size, 'file' if stat.S_ISREG(info.st_mode) else 'other', read)


class _ArchiveSubmission:
    """Items of a submission that is one archive: read when first asked."""

    def __init__(self, item):
        self.item = item

    def __call__(self):
        if self.item.kind == 'link':
            raise Refused('bad-archive', 'the submission is a symbolic link, not a folder or an archive')
        return archive_items(self.item.read(), self.item.path)


def list_submissions(path):
    """([Submission], [Skipped]) of SUBMISSIONS (a folder or a .zip).
    A Submission's items is a function returning its [Item] (it may raise
    Refused: a broken archive is that student's problem, not the class's)."""
    if not os.path.exists(path):
        raise Refused('missing-file', f'{path} does not exist')
    root = _Root(path)
    found, skipped = {}, []
    grouped = collections.OrderedDict()  # (lms, name, id) -> [entry]

    def add(key, name, sid, lms, late, entries, items):
        if key in found:
            skipped.append(Skipped(', '.join(entries), f'a second submission for {key} '
                                   f'(the first: {", ".join(found[key].entries)})'))
            return
        found[key] = Submission(key, name, sid, lms, late, entries, items)

    for entry, kind in root.entries().items():
        if entry.startswith('.') or entry in SYSTEM_ENTRIES:
            skipped.append(Skipped(entry, 'a hidden or system file, not a submission'))
            continue
        canvas = CANVAS_FILE.match(entry) if kind != 'dir' else None
        moodle = MOODLE_ENTRY.match(entry)
        if canvas:
            grouped.setdefault(('canvas', canvas.group('name'), canvas.group('id')), []).append(
                (entry, canvas.group('file'), bool(canvas.group('late'))))
        elif moodle:
            if moodle.group('plugin') != 'file':
                skipped.append(Skipped(entry, f'Moodle {moodle.group("plugin")} submission: '
                                       f'only uploaded files are graded'))
                continue
            if kind == 'dir' and moodle.group('file'):
                skipped.append(Skipped(entry, 'not a Moodle submission folder name'))
                continue
            grouped.setdefault(('moodle', moodle.group('name'), moodle.group('id')), []).append(
                (entry, moodle.group('file') if kind != 'dir' else None, False))
        elif kind == 'dir':
            if not STUDENT_NAME.match(entry):
                skipped.append(Skipped(entry, 'a student folder name may use letters, digits and ._@+- only'))
                continue
            add(entry, entry, '', 'folder', False, [entry], lambda e=entry: root.folder(e))
        elif entry.lower().endswith(ARCHIVE_SUFFIXES) or kind == 'link':
            name = next((entry[:-len(s)] for s in ARCHIVE_SUFFIXES if entry.lower().endswith(s)), entry)
            if not STUDENT_NAME.match(name):
                skipped.append(Skipped(entry, 'a student archive name may use letters, digits and ._@+- only'))
                continue
            add(name, name, '', 'folder', False, [entry], _ArchiveSubmission(root.file(entry)))
        else:
            skipped.append(Skipped(entry, 'not a submission: neither a student folder or archive, '
                                   'nor a Canvas or Moodle file name'))

    for (lms, name, sid), parts in grouped.items():
        entries = [entry for entry, _, _ in parts]
        late = any(is_late for _, _, is_late in parts)

        def items(parts=parts):
            result = []
            for entry, as_name, _ in parts:
                if as_name is None:  # a Moodle folder
                    result += root.folder(entry)
                else:
                    result.append(root.file(entry, as_name))
            return result
        display = name.replace('_', ' ') if lms == 'moodle' else name
        add(f'{safe_key(name)}_{sid}', display, sid, lms, late, entries, items)
    return sorted(found.values(), key=lambda s: s.key), skipped


def take_submission(submission, wanted, rule='near'):
    """Taken for one Submission of list_submissions; raises Refused."""
    return take(submission.items(), wanted, rule, 'the submission')


def take_student_file(path, wanted, rule='near'):
    """The bytes of the file `wanted` from one submission folder or archive
    (Gradescope's /autograder/submission, and the callers of old)."""
    if os.path.islink(path):
        raise Refused('bad-archive', 'the submission is a symbolic link, not a folder or an archive')
    if os.path.isdir(path):
        return take(folder_items(path), wanted, rule, 'the folder').data
    return take(archive_items(path, path), wanted, rule, 'the archive').data
