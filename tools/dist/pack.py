#!/usr/bin/python3
"""pack.py: the student edition of the kit, as one deterministic tarball.

    make dist-student LESSON=3.2
        -> build/dist/learn-training-loop-3.2-student.tar.gz

What a student needs to do the lesson and nothing to read the answers from:
the stubs, the core, the public graders with the golden data they compare
against, the book's sources (and the built book, when there is one and it
holds no reference code), the Makefile and its fragments, scripts/ and the
README. Left out: solutions/, the instructor tools (tools/), the grader
catalogues made from the reference (tests/<L>/mutants, variants, fixtures),
hidden checks (any path with "hidden" in a name, but for a header, which
only declares them for the student build), the kit's own tests of
the instructor tools, CI.

Two guards run on every build, so a new file in the repo cannot leak the
answers unnoticed:
  * an allow-list of top-level paths (a new top-level folder stays out until
    someone decides it belongs to students);
  * a scan of every packed file for the reference solution's own lines: each
    line inside a BEGIN SOLUTION / END SOLUTION region of
    solutions/<L>/<student file> that is long enough to be telling and that
    the stub does not contain. One hit and no tarball is written.

Deterministic: entries sorted, every mtime the same fixed date, owner root
(0:0) with no names, modes 0644/0755, gzip header without name or time.
Same inputs, same bytes.
"""

import argparse
import gzip
import io
import os
import re
import sys
import tarfile

sys.dont_write_bytecode = True
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, 'tools', 'grade'))
import kit  # noqa: E402

FIXED_MTIME = 1704067200  # 2024-01-01 00:00:00 UTC
TOP_LEVEL = ['Makefile', 'README.md', 'LICENSE', '.gitignore', 'mk', 'common', 'scripts', 'docs',
             'lessons/{L}', 'tests/{L}', 'tests/common', 'tests/golden', 'book']
LEFT_OUT_DIRS = {'mutants', 'variants', 'fixtures', '__pycache__', '.git'}
LEFT_OUT_WORDS = ('hidden', 'solution')
TELLING_LENGTH = 12


def wanted(relpath):
    """Whether a file below an allowed top-level path goes into the edition."""
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
                if not os.path.islink(os.path.join(ROOT, rel)) and wanted(rel):
                    files.append(rel)
    built_book = os.path.join(ROOT, 'build', 'book')
    if os.path.isdir(built_book):
        for name in sorted(os.listdir(built_book)):
            if name.startswith(lesson) and name.endswith(('.html', '.pdf')):
                files.append(os.path.join('build', 'book', name))
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


def leaks(path, data, telling):
    """[(line number, line)] of data that are lines of the reference solution."""
    if path.endswith('.pdf'):
        return []  # compressed streams: the PDF is built from the same sources as the HTML
    text = data.decode('utf-8', errors='replace')
    return [(number, line.strip()) for number, line in enumerate(text.splitlines(), 1)
            if line.strip() in telling]


def pack(lesson, out_path):
    top = f'learn-training-loop-{lesson}-student'
    telling = solution_lines(lesson) if os.path.isdir(os.path.join(ROOT, 'solutions', lesson)) else set()
    contents, problems = {}, []
    for rel in edition_files(lesson):
        with open(os.path.join(ROOT, rel), 'rb') as f:
            data = f.read()
        found = leaks(rel, data, telling)
        if found and rel.startswith('build/'):
            print(f'dist-student: leaving out {rel}: it shows the reference solution '
                  f'(line {found[0][0]}); the book sources are packed instead')
            continue
        problems += [f'{rel}:{number}: a line of the reference solution: {line}' for number, line in found]
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
