#!/usr/bin/python3
"""pack.py: the student edition of the kit, as one deterministic tarball.

    make dist-student LESSON=3.2
        -> build/dist/learn-training-loop-3.2-student.tar.gz

What a student needs to do the lesson and nothing to read the answers from:
the stubs, the core, the public graders with the golden data they compare
against, the book's sources and the student edition of the book, prebuilt
(build/book/<L>-student.html and .pdf: the post with the stubs in place of
the reference solutions; `make dist-student` builds it first, because the
edition cannot: its numbers and figures come from the reference build), the
Makefile and its fragments, scripts/ and the README. Left out: solutions/,
the full book, the instructor tools (tools/), the grader catalogues made
from the reference (tests/<L>/mutants, variants, fixtures), the kit's test
of its own graders (tests/<L>/test_lesson.py: it runs the reference and those
catalogues, none of which the edition has, and quotes reference lines to make
its broken copies), hidden checks (any path with "hidden" in a name, but for
a header, which only declares them for the student build), the kit's own
tests of the instructor tools, CI.

Two guards run on every build, so a new file in the repo cannot leak the
answers unnoticed:
  * an allow-list of top-level paths (a new top-level folder stays out until
    someone decides it belongs to students);
  * a scan of every packed file for the reference solution's own lines: each
    line inside a BEGIN SOLUTION / END SOLUTION region of
    solutions/<L>/<student file> that is long enough to be telling and that
    the stub does not contain, anywhere in a line (a string in a script
    quotes it as well as a copy of the file does), whitespace ignored.
    Source files are scanned line by line; the built book as a whole, as a
    reader gets it (the HTML's text without its markup, the PDF's text
    through pdftotext), since highlighting and layout split and join its
    code lines. One hit and no tarball is written.

Deterministic: entries sorted, every mtime the same fixed date, owner root
(0:0) with no names, modes 0644/0755, gzip header without name or time.
Same inputs, same bytes.
"""

import argparse
import gzip
import io
import os
import re
import subprocess
import sys
import tarfile
from html import unescape

sys.dont_write_bytecode = True
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, 'tools', 'grade'))
import kit  # noqa: E402

FIXED_MTIME = 1704067200  # 2024-01-01 00:00:00 UTC
TOP_LEVEL = ['Makefile', 'README.md', 'LICENSE', '.gitignore', 'mk', 'common', 'scripts', 'docs',
             'lessons/{L}', 'tests/{L}', 'tests/common', 'tests/golden', 'book']
LEFT_OUT_DIRS = {'mutants', 'variants', 'fixtures', '__pycache__', '.git'}
LEFT_OUT_WORDS = ('hidden', 'solution')
LEFT_OUT_FILES = ('tests/{L}/test_lesson.py',)
# The edition's README: the student's own, in place of the kit's.
STUDENT_README = os.path.join(ROOT, 'tools', 'dist', 'student-README.md')
TELLING_LENGTH = 12
# The book a student gets: built in the full kit by `make book-student`.
STUDENT_BOOK = ['build/book/{L}-student.html', 'build/book/{L}-student.pdf']
# Marks that typesetting adds to code lines in the PDF's text: fvextra's
# hooked arrow at a wrapped line (",\u2192" in pdftotext), typographic quotes.
PDF_MARKS = {',\u2192': '', '\u2192': '', '\u2019': "'", '\u2018': "'", '\u2212': '-'}


def wanted(relpath, lesson):
    """Whether a file below an allowed top-level path goes into the edition."""
    if relpath in (path.format(L=lesson) for path in LEFT_OUT_FILES):
        return False
    parts = relpath.split('/')
    if any(part in LEFT_OUT_DIRS for part in parts):
        return False
    # A header that only declares (hidden.h: what the student build calls) may go.
    if any(word in part.lower() for part in parts for word in LEFT_OUT_WORDS) and not relpath.endswith('.h'):
        return False
    return not relpath.endswith(('.pyc', '.o', '.a', '~', '.swp'))


def edition_files(lesson):
    files = []
    for pattern in TOP_LEVEL:
        top = os.path.join(ROOT, pattern.format(L=lesson))
        if os.path.isfile(top):
            files.append(os.path.relpath(top, ROOT))
        for folder, dirs, names in os.walk(top):
            dirs[:] = [d for d in dirs if d not in LEFT_OUT_DIRS]
            for name in names:
                rel = os.path.relpath(os.path.join(folder, name), ROOT)
                if not os.path.islink(os.path.join(ROOT, rel)) and wanted(rel, lesson):
                    files.append(rel)
    files += [path.format(L=lesson) for path in STUDENT_BOOK]
    return sorted(set(files))


def solution_lines(lesson):
    """The telling lines of the reference: inside solution regions, not in the stub."""
    student_file = kit.student_file(lesson)
    with open(os.path.join(ROOT, 'solutions', lesson, student_file)) as f:
        reference = f.read()
    with open(os.path.join(ROOT, 'lessons', lesson, student_file)) as f:
        stub_lines = {line.strip() for line in f}
    telling = set()
    for region in re.findall(r'BEGIN SOLUTION(.*?)END SOLUTION', reference, re.S):
        for line in region.splitlines()[1:]:
            line = line.strip()
            code = re.sub(r'/\*.*?\*/|//.*$', '', line).strip()
            if len(code) >= TELLING_LENGTH and line not in stub_lines:
                telling.add(line)
    return telling


def readable_text(path, data):
    """The book's text as a reader gets it (the PDF's streams are compressed)."""
    if path.endswith('.pdf'):
        done = subprocess.run(['pdftotext', '-enc', 'UTF-8', '-', '-'], input=data, capture_output=True)
        if done.returncode != 0:
            raise RuntimeError(f'pdftotext cannot read {path}: {done.stderr.decode(errors="replace").strip()}')
        text = done.stdout.decode('utf-8', errors='replace')
        for mark, plain in PDF_MARKS.items():
            text = text.replace(mark, plain)
        return text
    text = data.decode('utf-8', errors='replace')
    text = re.sub(r'<(style|script)\b.*?</\1>', '', text, flags=re.S)
    return unescape(re.sub(r'<[^>]+>', '', text))


def squeeze(text):
    return re.sub(r'\s+', '', text)


def leaks(path, data, telling):
    """[(where, line)] of the reference solution's lines that data shows."""
    wanted_lines = sorted((squeeze(line), line) for line in telling)
    if path.startswith('build/'):
        text = squeeze(readable_text(path, data))
        return [('text', reference) for squeezed, reference in wanted_lines if squeezed in text]
    found = []
    for number, line in enumerate(data.decode('utf-8', errors='replace').splitlines(), 1):
        text = squeeze(line)
        found += [(number, reference) for squeezed, reference in wanted_lines if squeezed in text]
    return found


def pack(lesson, out_path):
    top = f'learn-training-loop-{lesson}-student'
    telling = solution_lines(lesson) if os.path.isdir(os.path.join(ROOT, 'solutions', lesson)) else set()
    contents, problems = {}, []
    for rel in edition_files(lesson):
        if not os.path.isfile(os.path.join(ROOT, rel)):
            print(f'dist-student: {rel} is missing: `make book-student LESSON={lesson}` builds it '
                  f'(`make dist-student` runs it first)', file=sys.stderr)
            return 1
        with open(STUDENT_README if rel == 'README.md' else os.path.join(ROOT, rel), 'rb') as f:
            data = f.read()
        try:
            found = leaks(rel, data, telling)
        except (OSError, RuntimeError) as e:  # no pdftotext: a book that cannot be scanned is not packed
            print(f'dist-student: cannot scan {rel} for the reference solution: {e}', file=sys.stderr)
            return 1
        problems += [f'{rel}:{where}: a line of the reference solution: {line}' for where, line in found]
        contents[rel] = data
    if problems:
        print('dist-student: refusing to pack: the edition would show the reference solution', file=sys.stderr)
        for problem in problems[:20]:
            print(f'  {problem}', file=sys.stderr)
        return 1

    folders = {''}
    for rel in contents:
        folder = os.path.dirname(rel)
        while folder:
            folders.add(folder)
            folder = os.path.dirname(folder)
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode='w', format=tarfile.PAX_FORMAT) as tar:
        for rel in sorted(folders | set(contents)):
            info = tarfile.TarInfo(f'{top}/{rel}' if rel else top)
            info.mtime = FIXED_MTIME
            info.uid = info.gid = 0
            info.uname = info.gname = ''
            if rel in folders:
                info.type = tarfile.DIRTYPE
                info.mode = 0o755
                tar.addfile(info)
            else:
                info.size = len(contents[rel])
                info.mode = 0o755 if os.access(os.path.join(ROOT, rel), os.X_OK) else 0o644
                tar.addfile(info, io.BytesIO(contents[rel]))
    os.makedirs(os.path.dirname(os.path.abspath(out_path)), exist_ok=True)
    tmp = out_path + '.tmp'
    with open(tmp, 'wb') as raw:
        with gzip.GzipFile(filename='', mode='wb', fileobj=raw, mtime=0, compresslevel=9) as gz:
            gz.write(buffer.getvalue())
    os.replace(tmp, out_path)
    print(f'dist-student: {len(contents)} files -> {os.path.relpath(out_path)}')
    return 0


def main():
    parser = argparse.ArgumentParser(description='Pack the student edition of the kit.')
    parser.add_argument('--lesson', required=True)
    parser.add_argument('--out', required=True)
    args = parser.parse_args()
    return pack(args.lesson, args.out)


if __name__ == '__main__':
    sys.exit(main())
