#!/usr/bin/python3
"""make_class.py: a generated class of submissions, and what each must get.

    make_class.py --lesson 3.2 --out DIR [--copies N]

Writes DIR/<student>/schedulers.c (or DIR/<student>.tar.gz / .zip) and
DIR/../expected.json: for each student the status the batch grader must give
and the score pattern (full marks, zero, "every group full but X", "below
full", or "same as another student").

The class: the reference, the untouched stubs, every mutant of
tests/<L>/mutants (one real mistake each: NAME.patch, applied to the
reference with GNU patch), every correct variant of tests/<L>/variants
(NAME.patch too), and faults made from the reference by injecting a few
lines (so no copy of the reference is kept in this folder):

  compile error, an include of a header that does not exist, segfault, endless loop, fork attempts, stdout flood,
  unbounded malloc, exit(), killing or stopping the grader process, a
  crash before main (refused by the build), a missing file, a symbolic link, a file too large, an include of
  the reference solution, the same include hidden from everything but the
  build's own compile, a call of the grader's renamed reference
  (ref_*), a tarball and a zip, a path-traversal tarball and
  zip, a tarball that unpacks to too much.

Every fault is bounded even if the limits it tests failed: the fork attempts
stop at 100 per process, the flood at about 40 MB, the malloc at 3 GiB.
"""

import argparse
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import time
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ESCAPE_MARK = 'kit-grade-escape-test'

PRELUDE = ('#define _POSIX_C_SOURCE 200809L\n#include <signal.h>\n#include <stdio.h>\n'
           '#include <stdlib.h>\n#include <string.h>\n#include <unistd.h>\n')

# name -> (function whose body gets the code first, code, expected status,
#          the group that loses all its points, None: no group loses any)
INJECTED = {
    'fault-segfault': ('exponential_init', '{ volatile unsigned long bad_address = 16; *(int *)bad_address = 1; }',
                       'failed', 'exponential'),
    'fault-endless-loop': ('plateau_init', '{ for (volatile int spin = 1; spin; ) { } }',
                           'failed', 'plateau'),
    'fault-fork': ('step_decay_init',
                   '{ static int forked; while (forked < 100) { pid_t child = fork(); forked++; '
                   'if (child == 0) { sleep(30); _exit(0); } if (child < 0) break; } }',
                   'ok', None),  # the rates stay right: full marks, and no sleeper may survive
    'fault-flood': ('constant_init',
                    '{ for (long i = 0; i < 1000000; i++) printf("epoch %ld: lr is fine, honest\\n", i); }',
                    'failed', 'constant'),
    'fault-malloc': ('exponential_init',
                     '{ for (long total = 0; total < (3L << 30); total += 1L << 20) { '
                     'char *volatile block = malloc(1L << 20); memset(block, 1, 1L << 20); } }',
                     'failed', 'exponential'),
    'fault-exit': ('plateau_init', 'exit(0);', 'failed', 'plateau'),
    # One past the end of a heap array: the plain runner passes, the
    # sanitizer runner's report costs every exponential check. (volatile: at
    # -O2 the compiler may drop stores to memory that is freed unread.)
    'fault-heap-overflow': ('exponential_step',
                            '{ volatile double *recent = malloc(4 * sizeof *recent); '
                            'for (int i = 0; i <= 4; i++) recent[i] = 1.0; free((void *)recent); }',
                            'failed', 'exponential'),
    # The runner's parent is the sandbox's init (pid 1 of its namespace),
    # which the kernel shields from these signals: the judge (another
    # process, another user, another pid namespace) is out of reach.
    'fault-kills-grader': ('constant_init', 'kill(getppid(), SIGKILL);', 'ok', None),
    'fault-stops-grader': ('step_decay_init', 'kill(getppid(), SIGSTOP);', 'ok', None),
}
# Code that runs before main: in the runner only, so it can only spoil the
# submission's own traces (every check fails).
AT_LOAD = {
    'fault-crash-at-load': ('{ volatile unsigned long bad_address = 16; *(int *)bad_address = 1; }',
                            'failed'),
}


def inject(source, function, code):
    """source with code at the start of the body of function."""
    match = re.search(r'\b' + function + r'\s*\([^)]*\)\s*\{', source)
    if not match:
        raise SystemExit(f'make_class: no function {function} in the reference')
    return PRELUDE + source[:match.end()] + '\n    ' + code + '\n' + source[match.end():]


def at_load(source, code):
    return (PRELUDE + source + '\n__attribute__((constructor)) static void fault_at_load(void)\n'
            + code + '\n')


def unseen_include(lesson, wanted):
    """An include of the reference that only the grader build's compile
    takes: under -O2 (a scan without it skips the block), by a path relative
    to wherever that compile runs (__has_include tries every depth, from the
    file's folder and the -I folders)."""
    lines = ['#ifdef __OPTIMIZE__\n']
    for depth in range(1, 13):
        path = '../' * depth + f'solutions/{lesson}/{wanted}'
        lines.append(f'#{"if" if depth == 1 else "elif"} __has_include("{path}")\n#include "{path}"\n')
    return ''.join(lines) + '#endif\n#endif\n'


def put(folder, name, data):
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), 'w') as f:
        f.write(data)


def tar_gz(path, members):
    """members: [(name, bytes)]; names are written as given (even unsafe ones)."""
    with tarfile.open(path, 'w:gz') as tar:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = time.time()
            tar.addfile(info, io.BytesIO(data))


def zip_file(path, members):
    with zipfile.ZipFile(path, 'w', zipfile.ZIP_DEFLATED) as archive:
        for name, data in members:
            archive.writestr(zipfile.ZipInfo(name), data)


def apply_patch(reference, patch, target):
    """Writes target = reference with patch applied (GNU patch, no fuzz); a
    patch that no longer applies stops the class with a line naming it."""
    r = subprocess.run(['patch', '--batch', '--silent', '--fuzz=0', '--reject-file=-',
                        '--no-backup-if-mismatch', f'--output={target}', reference, patch],
                       capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f'make_class.py: {os.path.relpath(patch, ROOT)} no longer applies to '
                 f'{os.path.relpath(reference, ROOT)}: {(r.stdout + r.stderr).strip()}')


def make_class(lesson, out):
    sys.path.insert(0, os.path.join(ROOT, 'tools', 'grade'))
    import kit
    wanted = kit.student_file(lesson)
    with open(os.path.join(ROOT, 'solutions', lesson, wanted)) as f:
        reference = f.read()
    with open(os.path.join(ROOT, 'lessons', lesson, wanted)) as f:
        stub = f.read()
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    expected = {}
    bonus_prefixes = [g.split('_')[0] for g in kit.check_groups(lesson)[1]]

    put(os.path.join(out, 'reference'), wanted, reference)
    expected['reference'] = {'status': 'ok', 'score': 'full'}
    put(os.path.join(out, 'stubs'), wanted, stub)
    expected['stubs'] = {'status': 'failed', 'score': 'zero'}
    for kind, status, score in (('mutants', 'failed', 'below-full'), ('variants', 'ok', 'full')):
        folder = os.path.join(ROOT, 'tests', lesson, kind)
        for name in sorted(os.listdir(folder)) if os.path.isdir(folder) else []:
            # Every catalogue entry is NAME.patch, a unified diff against the reference.
            if not name.endswith('.patch'):
                continue
            student = f'{kind[:-1]}-{name[:-len(".patch")]}'
            os.makedirs(os.path.join(out, student))
            apply_patch(os.path.join(ROOT, 'solutions', lesson, wanted), os.path.join(folder, name),
                        os.path.join(out, student, wanted))
            expected[student] = {'status': status, 'score': score}
            if kind == 'mutants' and any(student.startswith(f'mutant-{g}') for g in bonus_prefixes):
                expected[student]['status'] = 'ok'  # only the bonus is wrong: extra credit lost

    for student, (function, code, status, group) in INJECTED.items():
        put(os.path.join(out, student), wanted, inject(reference, function, code))
        expected[student] = ({'status': status, 'score': 'all-but', 'group': group} if group
                             else {'status': status, 'score': 'full'})
    for student, (code, status) in AT_LOAD.items():
        put(os.path.join(out, student), wanted, at_load(reference, code))
        expected[student] = {'status': status, 'score': 'zero'}

    put(os.path.join(out, 'fault-compile-error'), wanted, stub + '\nint broken = ;\n')
    expected['fault-compile-error'] = {'status': 'compile-error', 'score': 'zero'}
    # No list of what its compile read (the compiler stops at the missing
    # header): not graded, the compiler's own line about the header kept.
    put(os.path.join(out, 'fault-missing-header'), wanted, '#include "my_helpers.h"\n' + stub)
    expected['fault-missing-header'] = {'status': 'compile-error', 'score': 'zero'}
    put(os.path.join(out, 'fault-missing-file'), 'scheduler.c', reference)
    expected['fault-missing-file'] = {'status': 'missing-file', 'score': 'zero'}
    os.makedirs(os.path.join(out, 'fault-symlink'))
    os.symlink('/etc/passwd', os.path.join(out, 'fault-symlink', wanted))
    expected['fault-symlink'] = {'status': 'missing-file', 'score': 'zero'}
    put(os.path.join(out, 'fault-too-large'), wanted, reference + '/*' + ' padding' * 40000 + ' */\n')
    expected['fault-too-large'] = {'status': 'too-large', 'score': 'zero'}
    put(os.path.join(out, 'fault-includes-reference'), wanted,
        f'#include "{os.path.join(ROOT, "solutions", lesson, wanted)}"\n')
    expected['fault-includes-reference'] = {'status': 'compile-error', 'score': 'zero'}
    put(os.path.join(out, 'fault-includes-reference-unseen'), wanted, unseen_include(lesson, wanted))
    expected['fault-includes-reference-unseen'] = {'status': 'compile-error', 'score': 'zero'}
    put(os.path.join(out, 'fault-calls-reference'), wanted, stub +
        '\nvoid ref_step_decay_init(StepScheduler *s, double lr, int step_size, double gamma);\n'
        'void borrow(StepScheduler *s);\nvoid borrow(StepScheduler *s) { ref_step_decay_init(s, 0.1, 50, 0.1); }\n')
    expected['fault-calls-reference'] = {'status': 'compile-error', 'score': 'zero'}  # no such symbol to link

    tar_gz(os.path.join(out, 'archive-tarball.tar.gz'),
           [(f'my-work/lessons/{lesson}/{wanted}', reference.encode()),
            ('my-work/notes.txt', b'done!\n')])
    expected['archive-tarball'] = {'status': 'ok', 'score': 'full'}
    mutants = [s for s in expected if s.startswith('mutant-')]
    if mutants:
        with open(os.path.join(out, mutants[0], wanted), 'rb') as f:
            zip_file(os.path.join(out, 'archive-zip.zip'), [(wanted, f.read())])
        expected['archive-zip'] = {'status': 'failed', 'score': 'same-as', 'as': mutants[0]}
    escape = f'../../../../../../tmp/{ESCAPE_MARK}.c'
    tar_gz(os.path.join(out, 'archive-traversal.tar.gz'),
           [(escape, b'int escaped;\n'), (wanted, reference.encode())])
    expected['archive-traversal'] = {'status': 'bad-archive', 'score': 'zero'}
    zip_file(os.path.join(out, 'archive-absolute.zip'),
             [(f'/tmp/{ESCAPE_MARK}-zip.c', b'int escaped;\n'), (wanted, reference.encode())])
    expected['archive-absolute'] = {'status': 'bad-archive', 'score': 'zero'}
    tar_gz(os.path.join(out, 'archive-bomb.tar.gz'),
           [('padding.bin', bytes(80 * 1024 * 1024)), (wanted, reference.encode())])
    expected['archive-bomb'] = {'status': 'bad-archive', 'score': 'zero'}
    return expected


def copies(lesson, out, count):
    """count submissions cycling through the class (for the benchmark)."""
    sample = out + '.sample'
    expected = make_class(lesson, sample)
    cheap = [s for s in sorted(expected) if not s.startswith(('fault-stops', 'fault-endless', 'archive-bomb'))]
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    entries = sorted(os.listdir(sample))
    picked = [e for e in entries if any(e == s or e.startswith(s + '.') for s in cheap)]
    for index in range(count):
        entry = picked[index % len(picked)]
        source = os.path.join(sample, entry)
        base = entry.split('.', 1)
        target = os.path.join(out, f'{index:03d}-{base[0]}' + (f'.{base[1]}' if len(base) > 1 else ''))
        if os.path.isdir(source):
            shutil.copytree(source, target, symlinks=True)
        else:
            shutil.copy(source, target)
    shutil.rmtree(sample)


def main():
    parser = argparse.ArgumentParser(description='Generate a class of submissions.')
    parser.add_argument('--lesson', required=True)
    parser.add_argument('--out', required=True)
    parser.add_argument('--copies', type=int, default=0)
    args = parser.parse_args()
    if args.copies:
        copies(args.lesson, args.out, args.copies)
        return 0
    expected = make_class(args.lesson, args.out)
    with open(os.path.join(os.path.dirname(os.path.abspath(args.out)), 'expected.json'), 'w') as f:
        json.dump(expected, f, indent=1, sort_keys=True)
    print(f'make_class: {len(expected)} submissions in {args.out}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
