#!/usr/bin/python3
"""attacks.py: the attack catalogue of the batch grader (make test-grade).

Every file of tests/grade/attacks/ is one hostile submission: its first line
says what it attacks and what it must get (`expect:`), and whether it is put
in front of the stub (`base: stub`), of the reference (`base: reference`) or
stands alone (`base: none`). Placeholders are filled in here: @KIT@ (the
kit's absolute path), @KITREL@ (the same without its leading /), @OUT@ (the
batch's output folder), @SEED@ (the grading seed: an attacker cannot know it,
which makes the probe stronger) and @REPLAY_TABLE@ (the public cases'
traces, recorded from the student edition's judge: what `make check` gives
every student). Three more come from here: the submission file as a link to
the reference and to /etc/shadow, and an archive whose member is such a link.

All of them are graded in ONE `make grade` as root, with GRADING_SEED, JOBS=2
and small limits, together with a correct classmate (the reference) and the
stubs. Then, for every attack:
  * it scores no more than the stubs (a replay of the public cases: under
    half of the required points), and its `expect:` holds (status, the
    numbers it measured and reported through its exit status, escaping);
  * it never says "found it" (exit 42: a secret was readable, a comparator
    or the reference was in its process, a compile-time read worked);
and for the class: no report (gradebook.csv, summary.md/.html, every
feedback.md/.html and results.json) holds a line of the reference, of the
hidden checks, or the seed; no feedback.html has a live tag or link; nothing
of the batch's grading users is left (processes, files in /tmp and
/dev/shm); the classmate keeps full marks (48/44). A second, small batch
with another seed grades the exfiltration attacks again: their hidden
checks' messages must hold the same numbers whatever the seed (they would
not if a hidden value showed through an exit status or an epoch number).
What a submission can still steer from the hidden values is whether each
hidden check passes and which hint it gets: a few bits per check and
submission.

Prints a table (attack, status, score, held) and "attacks: N held of M",
appends "attacks <passed> <failed>" to the summary file.
"""

import argparse
import csv
import glob
import json
import os
import pwd
import re
import shutil
import subprocess
import sys
import tarfile
import time

sys.dont_write_bytecode = True
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ATTACKS = os.path.join(ROOT, 'tests', 'grade', 'attacks')
SEEDS = ('7302918836410095', '5120934471208837')
LIMITS = {'GRADE_WALL': '10', 'GRADE_CPU': '5', 'GRADE_TEST_TIMEOUT': '1'}
REQUIRED_MAX = 44
FOUND_MARKER = 'exit(42)'
LIVE_MARKUP = re.compile(r'<(script|iframe)\b|<img\b[^>]*\bsrc=(?!"?data:)|<a\b[^>]*\bhref="?(?:javascript|file|http)',
                         re.I)


class Checks:
    def __init__(self):
        self.passed = self.failed = 0
        self.failures = []

    def check(self, name, ok, detail=''):
        if ok:
            self.passed += 1
        else:
            self.failed += 1
            self.failures.append(name)
            print(f'FAIL {name}' + (f': {detail}' if detail else ''), flush=True)
        return ok


def parse_header(path):
    """{'what', 'expect': [tokens], 'base'} from the file's first line."""
    with open(path) as f:
        first = f.readline()
    fields = dict(part.strip().split(': ', 1) for part in first[len('// '):].split(' | '))
    return {'what': fields['attack'], 'expect': [e.strip() for e in fields['expect'].split(',')],
            'base': fields.get('base', 'stub')}


def record_public_cases(lesson, work):
    """The public cases, as the student edition's judge writes them, and the
    reference's traces of them (the golden data, bit for bit): C source of
    the replay table."""
    folder = os.path.join(work, 'record')
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(os.path.join(folder, 'cases'))
    shutil.copy(os.path.join(ROOT, 'solutions', lesson, 'schedulers.c'), folder)
    kit_dir = os.path.join(ROOT, 'build', 'opt', lesson, 'runner-kit')
    subprocess.run(['sh', os.path.join(kit_dir, 'build.sh')], cwd=folder, check=True, capture_output=True)
    wrapper = os.path.join(folder, 'record.sh')
    with open(wrapper, 'w') as f:
        f.write(f'#!/bin/sh\nn=$$\ncat > {folder}/cases/$n.case\n'
                f'{folder}/runner < {folder}/cases/$n.case > {folder}/cases/$n.trace\n'
                f'cat {folder}/cases/$n.trace\n')
    os.chmod(wrapper, 0o755)
    judge = os.path.join(ROOT, 'build', 'opt', lesson, 'judge-student', 'judge')
    subprocess.run([judge, '--runner', wrapper, '--sandbox', 'none', '--plots', os.path.join(folder, 'plots')],
                   env={'PATH': '/usr/bin:/bin', 'KIT_GOLDEN_DIR': os.path.join(ROOT, 'tests', 'golden', lesson)},
                   capture_output=True, check=False)
    rows = []
    for case in sorted(glob.glob(os.path.join(folder, 'cases', '*.case'))):
        with open(case, 'rb') as f:
            text = f.read()
        with open(case[:-len('.case')] + '.trace') as f:
            trace = f.read()
        h = 14695981039346656037
        for byte in text:
            h = ((h ^ byte) * 1099511628211) % 2 ** 64
        rows.append(f'    {{{h}ull, {json.dumps(trace)}}},')
    return '\n'.join(rows), len(rows)


def make_submissions(lesson, folder, out, seed, replay_table, names=None):
    """One folder per attack (and the classmate, the stubs, the links);
    returns {name: header}."""
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    with open(os.path.join(ROOT, 'lessons', lesson, 'schedulers.c')) as f:
        stub = f.read()
    with open(os.path.join(ROOT, 'solutions', lesson, 'schedulers.c')) as f:
        reference = f.read()
    headers = {}
    fill = {'@KITREL@': ROOT.lstrip('/'), '@KIT@': ROOT, '@OUT@': out, '@SEED@': seed,
            '@REPLAY_TABLE@': replay_table}
    for path in sorted(glob.glob(os.path.join(ATTACKS, '*.c'))):
        name = os.path.basename(path)[:-2]
        if names is not None and name not in names:
            continue
        header = parse_header(path)
        with open(path) as f:
            text = f.read()
        for key, value in fill.items():
            text = text.replace(key, value)
        text += '\n' + {'stub': stub, 'reference': reference, 'none': ''}[header['base']]
        os.makedirs(os.path.join(folder, name))
        with open(os.path.join(folder, name, 'schedulers.c'), 'w') as f:
            f.write(text)
        headers[name] = header
    for name, text in (('ref', reference), ('stubs', stub)):
        os.makedirs(os.path.join(folder, name))
        with open(os.path.join(folder, name, 'schedulers.c'), 'w') as f:
            f.write(text)
    if names is None:
        links = {'link-reference': os.path.join(ROOT, 'solutions', lesson, 'schedulers.c'),
                 'link-shadow': '/etc/shadow'}
        for name, target in links.items():
            os.makedirs(os.path.join(folder, name))
            os.symlink(target, os.path.join(folder, name, 'schedulers.c'))
            headers[name] = {'what': f'the submission file is a symbolic link to {target}',
                             'expect': ['stub'], 'base': 'link'}
        with tarfile.open(os.path.join(folder, 'link-in-archive.tar.gz'), 'w:gz') as tar:
            member = tarfile.TarInfo('schedulers.c')
            member.type = tarfile.SYMTYPE
            member.linkname = links['link-reference']
            tar.addfile(member)
        headers['link-in-archive'] = {'what': 'an archive whose schedulers.c is a link to the reference',
                                      'expect': ['stub'], 'base': 'link'}
    return headers


def grade(lesson, submissions, out, seed):
    shutil.rmtree(out, ignore_errors=True)
    env = {k: v for k, v in os.environ.items() if k not in ('MAKEFLAGS', 'MAKELEVEL', 'MFLAGS')}
    env.update(LIMITS, GRADE_OUT=out, GRADING_SEED=seed)
    started, began = time.monotonic(), time.time()
    done = subprocess.run(['make', '--no-print-directory', 'grade', f'LESSON={lesson}',
                           f'SUBMISSIONS={submissions}', 'JOBS=2'], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=1800)
    seconds = time.monotonic() - started
    log = done.stdout + done.stderr
    with open(out + '.log', 'w') as f:
        f.write(log)
    users = re.findall(r', as (kitgrader\d+(?:, kitgrader\d+)*)$', log, re.M)
    return done.returncode, log, seconds, users[-1].split(', ') if users else [], (began, time.time())


def read_results(out, student):
    try:
        with open(os.path.join(out, 'students', student, 'results.json')) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def reports(out):
    """Every report of the class: (path, text as a reader gets it)."""
    paths = [os.path.join(out, n) for n in ('gradebook.csv', 'summary.md', 'summary.html')]
    for name in ('feedback.md', 'feedback.html', 'results.json'):
        paths += glob.glob(os.path.join(out, 'students', '*', name))
    found = []
    for path in sorted(paths):
        with open(path, encoding='utf-8', errors='replace') as f:
            text = f.read()
        found.append((path, text))
    return found


def hidden_lines():
    """Distinctive code lines of the hidden checks (tests/3.2/hidden.c)."""
    others = ''
    for path in glob.glob(os.path.join(ROOT, 'tests', '3.2', '*.[ch]')) + \
            glob.glob(os.path.join(ROOT, 'lessons', '3.2', '*.[ch]')):
        if not path.endswith('hidden.c'):
            with open(path) as f:
                others += f.read()
    lines = []
    with open(os.path.join(ROOT, 'tests', '3.2', 'hidden.c')) as f:
        for line in f:
            code = line.strip()
            if len(code) >= 28 and not code.startswith(('/*', '*', '//', '#')) and code not in others:
                lines.append(code)
    return lines


def _started_at(pid):
    """When a process started (seconds since the epoch), from /proc."""
    with open('/proc/stat') as f:
        boot = next(int(line.split()[1]) for line in f if line.startswith('btime '))
    with open(f'/proc/{pid}/stat', 'rb') as f:
        fields = f.read().rsplit(b')', 1)[1].split()
    return boot + int(fields[19]) / os.sysconf('SC_CLK_TCK')


def leftovers(users, window):
    """Processes and files in /tmp and /dev/shm of these grading users that
    were started or written while the batch ran (window: its start and end,
    time.time()): another batch on this machine may take the same users
    before or after this one, and what that one starts and writes is not
    this batch's."""
    started, ended = window
    uids = {pwd.getpwnam(u).pw_uid for u in users}
    processes = []
    for entry in os.listdir('/proc'):
        if entry.isdigit():
            try:
                if os.stat(f'/proc/{entry}').st_uid in uids and started <= _started_at(entry) < ended:
                    processes.append(entry)
            except (OSError, StopIteration):
                pass
    files = []
    for user in users:
        done = subprocess.run(['find', '/tmp', '/dev/shm', '-xdev', '-user', user, '-newermt', f'@{started:.3f}',
                               '!', '-newermt', f'@{ended:.3f}', '-print'], capture_output=True, text=True)
        files += done.stdout.split()
    return processes, files


def exit_statuses(results):
    return [int(n) for t in (results or {}).get('tests', []) for n in re.findall(r'called exit\((\d+)\)', t['output'])]


def hidden_messages(results):
    """The numbers of the hidden checks' messages, hint left out: which hint
    a failing check gets, and the kind of failure (a crash, an exit), are a
    few bits the submission can steer (tools/grade/README.md); a number it
    could choose would carry a hidden value."""
    return {t['name']: re.findall(r'\d+', re.sub(r'\nhint \[[^\]]*\]:.*', '', t['output'], flags=re.S))
            for t in (results or {}).get('tests', []) if '/hidden' in t['name']}


def judge_attack(t, name, header, row, results, stubs_total, page):
    """The expectations of one attack; returns whether all of them held."""
    held = True
    total = float(row['total']) if row else None
    bonus = float(row.get('warmup_cosine') or 0) if row else 0
    expect = header['expect']
    if 'below-half' in expect:
        held &= t.check(f'{name}: under half of the required points (< {REQUIRED_MAX // 2}/{REQUIRED_MAX})',
                        total is not None and total - bonus < REQUIRED_MAX / 2, f'total {total}, bonus {bonus}')
    else:
        held &= t.check(f'{name}: scores no more than the stubs ({stubs_total:g})',
                        total is not None and total <= stubs_total, f'total {total}')
    for token in expect:
        if token.startswith('status '):
            want = token.split(' ', 1)[1]
            held &= t.check(f'{name}: status {want}', row is not None and row['status'] == want,
                            row['status'] if row else 'no row')
        if token.startswith('exit <= '):
            bound = int(token.split()[-1])
            seen = exit_statuses(results)
            held &= t.check(f'{name}: what it measured stays within the limits (exit status <= {bound})',
                            bool(seen) and max(seen) <= bound, f'exit statuses {sorted(set(seen))}')
        if token == 'escaped':
            held &= t.check(f'{name}: its messages are in feedback.html, as text', '&lt;' in page
                            and not LIVE_MARKUP.search(page), (LIVE_MARKUP.search(page) or [''])[0])
    found = [x['name'] for x in (results or {}).get('tests', []) if FOUND_MARKER in x['output']]
    if 'marker seen' in expect:
        held &= t.check(f'{name}: (control) its "{FOUND_MARKER}" reaches the report', bool(found))
    else:
        held &= t.check(f'{name}: never found what it looked for (no "{FOUND_MARKER}")', not found,
                        ', '.join(found))
    return held


def scan_reports(t, lesson, out, seed, label):
    """No report under out holds a line of the reference or of the hidden
    checks, or the seed; no HTML report has a live tag or link."""
    sys.path.insert(0, os.path.join(ROOT, 'tests', 'book'))
    import reference_lines
    from pathlib import Path
    telling = reference_lines.telling_lines(Path(ROOT), lesson)
    secret_hidden = hidden_lines()
    with open(os.path.join(ROOT, 'solutions', lesson, 'schedulers.c')) as f:
        reference = f.read()
    with open(os.path.join(out, '.grading-seed-in-use')) as f:
        seed_in_use = f.read().strip()
    t.check(f'scan ({label}): {len(telling)} reference lines and {len(secret_hidden)} hidden-check lines to '
            'look for; (control) the scan finds them all in the reference, and the seed is the batch\'s',
            len(telling) >= 10 and len(secret_hidden) >= 10 and
            len(reference_lines.leaked(reference, telling)) == len(telling) and seed_in_use == seed)
    seen_reference, seen_hidden, seen_seed, live = [], [], [], []
    for path, text in reports(out):
        student = os.path.basename(os.path.dirname(path))
        where = os.path.relpath(path, out)
        plain = reference_lines.html_text(Path(path)) if path.endswith('.html') else text
        if student != 'hidden-exfil-epoch':  # its own file holds the reference: its compile may quote it
            seen_reference += [f'{where}: {line}' for line in reference_lines.leaked(plain, telling)]
        seen_hidden += [f'{where}: {line}' for line in secret_hidden if line in plain]
        if seed in text:
            seen_seed.append(where)
        if path.endswith('.html') and LIVE_MARKUP.search(text):
            live.append(f'{where}: {LIVE_MARKUP.search(text)[0]}')
    t.check(f'no report of {label} holds a line of the reference', not seen_reference, str(seen_reference[:3]))
    t.check(f'no report of {label} holds a line of the hidden checks', not seen_hidden, str(seen_hidden[:3]))
    t.check(f'no report of {label} holds the seed', not seen_seed, str(seen_seed[:3]))
    t.check(f'no HTML report of {label} has a live tag or link', not live, str(live[:3]))


def main():
    parser = argparse.ArgumentParser(description='The attack catalogue of the batch grader.')
    parser.add_argument('--lesson', required=True)
    parser.add_argument('--summary')
    args = parser.parse_args()
    t = Checks()
    if os.geteuid() != 0:
        print('attacks: skipped: the catalogue grades as root (grading users, bubblewrap); CI runs it')
        return 0
    lesson = args.lesson
    work = os.path.join(ROOT, 'build', 'grade', f'attacks-{lesson}')
    os.makedirs(work, exist_ok=True)
    os.chmod(work, 0o700)
    started = time.monotonic()
    replay_table, replayed = record_public_cases(lesson, work)
    t.check(f'replay table: the public cases recorded ({replayed})', replayed >= 10, str(replayed))

    # The batch: every attack, the classmate and the stubs.
    out = os.path.join(work, 'out')
    submissions = os.path.join(work, 'submissions')
    headers = make_submissions(lesson, submissions, out, SEEDS[0], replay_table)
    code, log, seconds, users, window = grade(lesson, submissions, out, SEEDS[0])
    print(f'attacks: one batch of {len(headers) + 2} submissions ({len(headers)} attacks): {seconds:.1f} s, JOBS=2',
          flush=True)
    if not t.check('make grade of the attack batch exits 0', code == 0, log[-2000:]):
        return finish(t, args.summary)
    t.check('the batch ran as grading users', bool(users), log[:300])
    t.check('the batch ran under bubblewrap', 'sandbox: bubblewrap' in log, log[:300])
    with open(os.path.join(out, 'gradebook.csv'), newline='') as f:
        rows = {row['student']: row for row in csv.DictReader(f)}
    ref = rows.get('ref')
    t.check('the correct classmate keeps full marks (48/44, ok)', ref is not None and ref['status'] == 'ok'
            and float(ref['total']) == 48 and float(ref['max']) == REQUIRED_MAX, str(ref))
    stubs = rows.get('stubs')
    t.check('the stubs score 0', stubs is not None and float(stubs['total']) == 0, str(stubs))
    stubs_total = float(stubs['total']) if stubs else 0

    table = []
    for name, header in sorted(headers.items()):
        row = rows.get(name)
        results = read_results(out, name)
        page = ''
        if os.path.exists(os.path.join(out, 'students', name, 'feedback.html')):
            with open(os.path.join(out, 'students', name, 'feedback.html')) as f:
                page = f.read()
        held = judge_attack(t, name, header, row, results, stubs_total, page)
        measured = sorted(set(exit_statuses(results)))
        table.append((name, row['status'] if row else 'not graded',
                      f'{float(row["total"]):g}/{row["max"]}' if row else '-', held,
                      (f'[exit {",".join(map(str, measured))}] ' if measured else '') + header['what']))

    # The class's reports: no reference, no hidden check, no seed, no live markup.
    scan_reports(t, lesson, out, SEEDS[0], 'the class')
    processes, files = leftovers(users, window)
    t.check(f'nothing of {", ".join(users)} is left running', not processes, str(processes[:5]))
    t.check(f'nothing of {", ".join(users)} is left in /tmp or /dev/shm', not files, str(files[:5]))

    # The same exfiltration attacks under another seed: their hidden messages must not move.
    exfil = [n for n in headers if 'hidden messages seed-free' in headers[n]['expect']]
    out2 = os.path.join(work, 'out-second-seed')
    submissions2 = os.path.join(work, 'submissions-second-seed')
    make_submissions(lesson, submissions2, out2, SEEDS[1], replay_table, names=set(exfil))
    code2, log2, seconds2, users2, window2 = grade(lesson, submissions2, out2, SEEDS[1])
    print(f'attacks: second batch ({len(exfil)} exfiltration attacks, another seed): {seconds2:.1f} s', flush=True)
    if t.check('make grade of the second-seed batch exits 0', code2 == 0, log2[-1000:]):
        scan_reports(t, lesson, out2, SEEDS[1], 'the second-seed batch')
    for name in exfil:
        first, second = hidden_messages(read_results(out, name)), hidden_messages(read_results(out2, name))
        moved = [k for k in first if first[k] != second.get(k)]
        ok = t.check(f'{name}: no number in its hidden checks\' messages depends on the seed', first and not moved,
                     '; '.join(f'{k}: {first[k][:120]!r} vs {second.get(k, "")[:120]!r}' for k in moved[:2]))
        table = [(n, s, sc, h and (ok or n != name), w) for n, s, sc, h, w in table]
    processes, files = leftovers(users2, window2)
    t.check('second batch: nothing of its grading users is left', not processes and not files,
            str(processes[:3] + files[:3]))

    print(f'\n{"attack":<26} {"status":<14} {"score":<8} held  what it tries')
    for name, status, score, held, what in table:
        print(f'{name:<26} {status:<14} {score:<8} {"yes " if held else "NO  "}  {what[:90]}')
    held_count = sum(1 for row in table if row[3])
    print(f'\nattacks: {held_count} held of {len(table)}; batch {seconds:.1f} s + second seed {seconds2:.1f} s; '
          f'catalogue {time.monotonic() - started:.0f} s in all')
    return finish(t, args.summary)


def finish(t, summary):
    print(f'attacks: {t.passed} passed, {t.failed} failed')
    if summary:
        os.makedirs(os.path.dirname(os.path.abspath(summary)), exist_ok=True)
        with open(summary, 'a') as f:
            f.write(f'attacks {t.passed} {t.failed}\n')
    return 1 if t.failed else 0


if __name__ == '__main__':
    sys.exit(main())
