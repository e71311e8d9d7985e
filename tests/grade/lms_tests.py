"""lms_tests.py: an instructor's term, for run_tests.py (make test-grade).

Fixtures made here from the generated class (make_class.py):
  * a Canvas bulk download (flat files, one late, one re-uploaded as
    Schedulers-1.c, a text entry, strays) graded as a folder: ids, late
    flag, the file taken, the Canvas export, every stray in the summary;
  * a Moodle "download all" as the .zip itself: names with spaces, a doubled
    file, an un-extracted lab3.zip, two near names with no exact one
    (GRADE_PICK near refuses with what it found, last grades the newer), an
    online-text folder, a name that is a spreadsheet formula and HTML;
  * a similarity pair (the same file with its layout and names changed);
  * an override CSV: applied, shown in the feedback, recorded, kept through
    a regrade, and a change recorded again;
  * what the instructor reads: no build path in compiler messages, whole
    numbers on the histogram's axis, escaped names in Markdown, HTML, CSV.
"""

import csv
import html as html_module
import io
import json
import os
import re
import shutil
import subprocess
import time
import zipfile


def _read(path):
    with open(path, encoding='utf-8', errors='replace') as f:
        return f.read()


def page_text(path):
    """What a reader of an HTML page sees: its text, markup gone, entities undone."""
    text = re.sub(r'<(style|script)\b.*?</\1>', '', _read(path), flags=re.S)
    return re.sub(r'\s+', ' ', html_module.unescape(re.sub(r'<[^>]+>', ' ', text)))


def _rows(path):
    with open(path, newline='') as f:
        return list(csv.DictReader(f))


def disguise(source):
    """The same code with its layout and comments changed and its local
    names renamed: what sim_c must still see as a copy."""
    text = re.sub(r'//[^\n]*', '', source)
    text = re.sub(r'/\*.*?\*/', '', text, flags=re.S)
    text = re.sub(r'[ \t]+', '  ', text)
    text = text.replace('{\n', '\n{\n')
    for old, new in (('next_lr', 'nxt'), ('progress', 'frac'), ('improved', 'better')):
        text = re.sub(rf'\b{old}\b', new, text)
    return '/* my own work! <script>alert("hi")</script> */\n' + text


def canvas_class(folder, submissions, lesson):
    files = {
        'leeming_98765_4433221_schedulers.c': _read(os.path.join(submissions, 'reference', 'schedulers.c')),
        'okafor_late_12345_4433222_Schedulers-1.c':
            disguise(_read(os.path.join(submissions, 'reference', 'schedulers.c'))),
        'tran_33333_4433223_schedulers.c': _read(os.path.join(submissions, 'mutant-step-early', 'schedulers.c')),
        'wu_44444_4433224_schedulers.c': _read(os.path.join(submissions, 'fault-compile-error', 'schedulers.c')),
        'zed_55555_4433225_submission_text.html': '<p>I could not upload my file</p>\n',
        '.DS_Store': 'x',
        'grading-notes.txt': 'not a submission\n',
    }
    os.makedirs(folder)
    for name, text in files.items():
        with open(os.path.join(folder, name), 'w') as f:
            f.write(text)


def moodle_zip(path, submissions):
    variant = _read(os.path.join(submissions, 'variant-restructured', 'schedulers.c'))
    reference = _read(os.path.join(submissions, 'reference', 'schedulers.c'))
    stubs = _read(os.path.join(submissions, 'stubs', 'schedulers.c'))
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, 'w') as lab:
        lab.writestr('lab3/schedulers.c', reference)
    members = {
        'Kim Lee_123456_assignsubmission_file_/schedulers.c': variant,
        'Ana María_234567_assignsubmission_file_/schedulers.c': reference,
        'Ana María_234567_assignsubmission_file_/schedulers (1).c': stubs,
        'Bo Chen_345678_assignsubmission_file_/lab3.zip': inner.getvalue(),
        'Dee Ray_456789_assignsubmission_file_/Schedulers.c': stubs,
        'Dee Ray_456789_assignsubmission_file_/schedulers (2).c': reference,
        'Eve Moss_567890_assignsubmission_onlinetext_/onlinetext.html': '<p>see my file</p>',
        '=1+2 <i>Bold_678901_assignsubmission_file_/schedulers.c': stubs,
    }
    with zipfile.ZipFile(path, 'w', zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)


def test_lms(t, lesson, work, make, kit_copy, limits):
    submissions = os.path.join(work, 'submissions')
    scratch = os.path.join(work, 'lms')
    shutil.rmtree(scratch, ignore_errors=True)
    os.makedirs(scratch)
    canvas_dir = os.path.join(scratch, 'canvas')
    canvas_class(canvas_dir, submissions, lesson)
    out = os.path.join(scratch, 'out-canvas')
    overrides = os.path.join(scratch, 'overrides.csv')
    with open(overrides, 'w') as f:
        f.write('student,group,points,comment\n'
                'tran_33333,step,7,"step right but one epoch early: partial credit"\n'
                '98765,total,+1,=presentation bonus\n'
                'nobody,step,3,no such student\n')
    env = dict(limits, GRADE_OUT=out, OVERRIDES=overrides)
    code, log, _ = make('grade', f'LESSON={lesson}', f'SUBMISSIONS={canvas_dir}', 'JOBS=2', env=env, cwd=kit_copy)
    if not t.check('canvas: make grade grades a Canvas bulk download', code == 0, log[-2000:]):
        return
    rows = {row['student']: row for row in _rows(os.path.join(out, 'gradebook.csv'))}
    t.check('canvas: one student per Canvas user, keyed name_id',
            sorted(rows) == ['leeming_98765', 'okafor_12345', 'tran_33333', 'wu_44444', 'zed_55555'], str(sorted(rows)))
    t.check('canvas: the id column is the Canvas user id', rows.get('leeming_98765', {}).get('id') == '98765'
            and rows.get('leeming_98765', {}).get('source') == 'canvas')
    okafor = rows.get('okafor_12345', {})
    t.check('canvas: _late_ marks the row late; Schedulers-1.c is taken and graded',
            okafor.get('late') == 'late' and okafor.get('file') == 'Schedulers-1.c' and okafor.get('status') == 'ok',
            str(okafor))
    t.check('canvas: a text entry is not graded, with what was found',
            rows.get('zed_55555', {}).get('status') == 'missing-file')
    summary = page_text(os.path.join(out, 'summary.html'))
    not_graded = summary.split('Not graded')[-1].split('Score histogram')[0]
    for stray in ('grading-notes.txt', '.DS_Store', 'zed_55555_4433225_submission_text.html'):
        t.check(f'canvas: summary lists {stray} under "Not graded"', stray in not_graded, not_graded[:1500])
    t.check('canvas: the summary does not call the class complete', 'Not complete:' in summary)
    t.check('canvas: the summary says which file was taken for okafor',
            'okafor_12345: graded Schedulers-1.c as schedulers.c' in summary, summary[:2000])
    with open(os.path.join(out, 'gradebook-canvas.csv'), newline='') as f:
        canvas = list(csv.reader(f))
    t.check('canvas export: Canvas\'s import columns', canvas[0] == ['Student', 'ID', 'SIS User ID', 'SIS Login ID',
                                                                    'Section', f'Lesson {lesson}'], str(canvas[:1]))
    by_id = {line[1]: line for line in canvas[1:]}
    t.check('canvas export: each student\'s total under their Canvas id',
            all(by_id.get(row['id'], [None] * 6)[5] == row['total'] for row in rows.values()), str(canvas))

    # Overrides: applied on top of the grader's score, shown, recorded.
    tran = rows.get('tran_33333', {})
    group_cols = [k for k in tran if k not in ('student', 'id', 'name', 'source', 'late', 'total', 'max', 'status',
                                               'file', 'overrides')]
    t.check('override: a group set to its points, the total follows',
            tran.get('step') == '7' and float(tran.get('total', 0)) == sum(float(tran[g]) for g in group_cols),
            str(tran))
    leeming = rows.get('leeming_98765', {})
    t.check('override: a signed total adds to the grader\'s (by student id)',
            float(leeming.get('total', 0)) == sum(float(leeming[g]) for g in group_cols) + 1, str(leeming))
    t.check('override: a comment that is a formula is neutralised in the log',
            "'=presentation bonus" in _read(os.path.join(out, 'overrides-log.csv')))
    feedback = _read(os.path.join(out, 'students', 'tran_33333', 'feedback.md'))
    t.check('override: the feedback shows the adjustment and its comment',
            'Adjustments by your instructor' in feedback and 'partial credit' in feedback, feedback[:800])
    t.check('override: a row naming no student is reported, not applied',
            'nobody' in summary and 'no student of this class' in summary)
    log_lines = _rows(os.path.join(out, 'overrides-log.csv'))
    t.check('override: each change recorded once', len(log_lines) == 2 and all(r['action'] == 'applied' for r in log_lines),
            str(log_lines))
    results = json.load(open(os.path.join(out, 'students', 'tran_33333', 'results.json')))
    code, log, _ = make('grade', f'LESSON={lesson}', f'SUBMISSIONS={canvas_dir}', 'STUDENT=tran_33333', env=env,
                        cwd=kit_copy)
    rows2 = {row['student']: row for row in _rows(os.path.join(out, 'gradebook.csv'))}
    t.check('override: survives a regrade of that student', code == 0 and rows2.get('tran_33333', {}).get('step') == '7'
            and 'partial credit' in _read(os.path.join(out, 'students', 'tran_33333', 'feedback.md')), log[-500:])
    t.check('override: the grader\'s own results.json is untouched by it',
            results['score'] == json.load(open(os.path.join(out, 'students', 'tran_33333', 'results.json')))['score'])
    t.check('override: an unchanged override is not recorded again', len(_rows(os.path.join(out, 'overrides-log.csv'))) == 2)
    with open(overrides, 'w') as f:
        f.write('student,group,points,comment\ntran_33333,step,8,"regraded by hand"\n')
    code, log, _ = make('grade', f'LESSON={lesson}', f'SUBMISSIONS={canvas_dir}', env=env, cwd=kit_copy)
    actions = sorted(r['action'] for r in _rows(os.path.join(out, 'overrides-log.csv'))[2:])
    t.check('override: a change and a removal are recorded', actions == ['applied', 'removed', 'removed'], str(actions))
    t.check('override: the changed points and comment reach the feedback',
            'regraded by hand' in _read(os.path.join(out, 'students', 'tran_33333', 'feedback.md')))

    # Similarity: the disguised copy is found, and the page escapes it.
    pair = re.search(r'(\d+)% leeming_98765 and okafor_12345 ', summary)
    t.check('similarity: the disguised copy is listed with its score', pair is not None and int(pair.group(1)) >= 80,
            summary.split('Similar submissions')[-1][:800])
    page = os.path.join(out, 'similarity', 'leeming_98765--okafor_12345.html')
    text = _read(page) if os.path.exists(page) else ''
    t.check('similarity: a side-by-side page with the shared runs marked', 'class="run run0"' in text, page)
    t.check('similarity: the page escapes the submissions', '&lt;script&gt;' in text and '<script>' not in text)
    t.check('similarity: the compile error and the text entry are not compared',
            not os.path.exists(os.path.join(out, 'similarity', 'regions', 'zed_55555.c')))

    # What the instructor reads.
    wu = _read(os.path.join(out, 'students', 'wu_44444', 'feedback.md'))
    t.check('feedback: compiler messages name the student\'s file, not a build path',
            re.search(r'^schedulers\.c:\d+:\d+: error', wu, re.M) is not None and 'build/' not in wu
            and '_submission' not in wu, wu[wu.find('Compiler'):][:400])
    svg = _read(os.path.join(out, 'histogram.svg'))
    ticks = re.findall(r'<tspan[^>]*>\s*([\d.]+)\s*</tspan>', svg)
    t.check('histogram: whole-number ticks on the student axis', ticks and all('.' not in x for x in ticks), str(ticks))
    t.check('summary: one score statement in results.json, bonus counted in the total',
            results['output'].startswith(f'Score: {results["score"]:g}/{results["max_score"]:g}'), results['output'][:200])

    # Moodle, as the zip itself.
    archive = os.path.join(scratch, 'moodle-download.zip')
    moodle_zip(archive, submissions)
    out = os.path.join(scratch, 'out-moodle')
    env = dict(limits, GRADE_OUT=out)
    code, log, _ = make('grade', f'LESSON={lesson}', f'SUBMISSIONS={archive}', 'JOBS=2', env=env, cwd=kit_copy)
    if not t.check('moodle: make grade grades the download .zip itself', code == 0, log[-2000:]):
        return
    rows = {row['student']: row for row in _rows(os.path.join(out, 'gradebook.csv'))}
    kim = rows.get('Kim_Lee_123456', {})
    t.check('moodle: a name with a space, its participant id', kim.get('name') == 'Kim Lee' and kim.get('id') == '123456'
            and kim.get('status') == 'ok', str(sorted(rows)))
    ana = rows.get('Ana_Maria_234567', {})
    t.check('moodle: a doubled file: schedulers.c graded, the copy named', ana.get('status') == 'ok'
            and ana.get('name') == 'Ana María', str(ana))
    t.check('moodle: an un-extracted lab3.zip is read', rows.get('Bo_Chen_345678', {}).get('file') == 'lab3.zip/lab3/schedulers.c'
            and rows.get('Bo_Chen_345678', {}).get('status') == 'ok', str(rows.get('Bo_Chen_345678')))
    t.check('moodle: the summary says the file came from inside lab3.zip',
            'Bo_Chen_345678: graded lab3.zip/lab3/schedulers.c, read from inside lab3.zip'
            in page_text(os.path.join(out, 'summary.html')))
    dee = json.load(open(os.path.join(out, 'students', 'Dee_Ray_456789', 'results.json')))
    t.check('moodle: two near names, none exact: not graded, both named (GRADE_PICK=near)',
            dee['extra_data']['status'] == 'missing-file' and 'Schedulers.c' in dee['output']
            and 'schedulers (2).c' in dee['output'], dee['output'][:300])
    summary = page_text(os.path.join(out, 'summary.html'))
    t.check('moodle: the online-text folder is listed as not graded, with why',
            'Eve Moss' in summary and 'onlinetext submission' in summary)
    t.check('moodle: the doubled file is noted in the summary', 'Ana_Maria_234567: not graded: schedulers (1).c' in summary,
            summary[:2000])
    formula = [row for key, row in rows.items() if key.endswith('678901')]
    with open(os.path.join(out, 'gradebook-moodle.csv'), newline='') as f:
        moodle = list(csv.reader(f))
    t.check('moodle export: the grading worksheet\'s columns',
            moodle[0] == ['Identifier', 'Full name', 'Status', 'Grade', 'Maximum Grade', 'Feedback comments'])
    t.check('moodle export: Participant ids with the totals',
            ['Participant 123456', 'Kim Lee', 'ok', kim.get('total')] in [line[:4] for line in moodle], str(moodle[1:3]))
    raw = _read(os.path.join(out, 'gradebook.csv')) + _read(os.path.join(out, 'gradebook-moodle.csv'))
    t.check('csv: a name that is a formula is neutralised', formula and "'=1+2 <i>Bold" in raw
            and ',=1+2' not in raw, str(formula))
    page = os.path.join(out, 'students', formula[0]['student'], 'feedback.html') if formula else ''
    html = _read(page) if page and os.path.exists(page) else ''
    t.check('feedback.html: a name with HTML in it is shown as text', '<i>Bold' not in html and '&lt;i&gt;Bold' in html,
            page)
    code, log, _ = make('grade', f'LESSON={lesson}', f'SUBMISSIONS={archive}', 'STUDENT=Dee_Ray_456789',
                        env=dict(env, GRADE_PICK='last'), cwd=kit_copy)
    dee = json.load(open(os.path.join(out, 'students', 'Dee_Ray_456789', 'results.json')))
    t.check('moodle: GRADE_PICK=last grades the highest copy number',
            code == 0 and dee['extra_data']['status'] == 'ok' and dee['extra_data'].get('graded_file') == 'schedulers (2).c',
            json.dumps(dee['extra_data'])[:300] + log[-300:])


def commands_of(readme, help_text):
    """Every make command the README's code blocks and `make help` name."""
    found = []
    for block in re.findall(r'```sh\n(.*?)```', readme, re.S):
        for line in block.splitlines():
            command = line.split('  #')[0].strip()
            if command.startswith('make'):
                found.append(command)
    for line in help_text.splitlines():
        match = re.match(r'^\s+(make [^\s].*?)(?:\s{2,}|$)', line)
        if match:
            found.append(match.group(1).replace('ARGS="..."', 'ARGS=--help'))
    unique = []
    for command in found:
        if command not in unique:
            unique.append(command)
    return unique


def test_student_commands(t, lesson, edition, make):
    """The edition's README is a student's, and every command it and
    `make help` name works there (make check fails on the stubs, as it
    should, with a score)."""
    readme = _read(os.path.join(edition, 'README.md'))
    code, help_text, _ = make('help', cwd=edition)
    for word in ('solutions/', 'make grade', 'instructor', 'tools/', 'mutant', '.ci', 'grading_seed'):
        t.check(f'student README: nothing of {word}',
                word not in re.sub(r'\s+', ' ', readme.lower()).replace('your instructor', ''))
    for word in ('make grade', 'golden', 'bench', 'dist-student', 'test-lesson', 'book-student', 'SUBMISSIONS'):
        t.check(f'student make help: no {word}', word not in help_text)
    listed = re.findall(r'^\| `([^`]+)`', readme, re.M)
    missing = [path for cell in listed for path in re.split(r'`, `', cell)
               if not os.path.exists(os.path.join(edition, path.split(',')[0].strip()))
               and not os.path.exists(os.path.join(edition, 'lessons', lesson, path))]
    t.check('student README: every path of the layout table is in the edition', listed and not missing, str(missing))
    commands = commands_of(readme, help_text)
    t.check('student edition: the README and make help name the commands', len(commands) >= 10, str(commands))
    import shlex
    commands.sort(key=lambda command: command.split()[:2] == ['make', 'clean'])  # clean last
    for command in commands:
        argv = shlex.split(command)[1:]
        if 'watch' in argv:
            environment = {k: v for k, v in os.environ.items() if k not in ('MAKEFLAGS', 'MAKELEVEL', 'MFLAGS')}
            process = subprocess.Popen(['make', '--no-print-directory', *argv], cwd=edition, env=environment,
                                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                       start_new_session=True)
            output = ''
            deadline = time.monotonic() + 300
            for line in process.stdout:  # until it says it waits for a save
                output += line
                if line.startswith('[watch]') or time.monotonic() > deadline:
                    break
            os.killpg(process.pid, 9)
            process.wait()
            t.check(f'student edition: {command} grades, then waits for a change',
                    'Score:' in output and '[watch]' in output, output[-600:])
            continue
        code, log, seconds = make(*argv, cwd=edition, timeout=1200)
        if argv and argv[0] == 'check':
            t.check(f'student edition: {command} fails on the stubs with a score, nothing missing',
                    code != 0 and 'Score:' in log and 'No rule to make target' not in log, log[-600:])
        else:
            t.check(f'student edition: {command} works', code == 0 and 'No rule to make target' not in log,
                    log[-600:])
    t.check('student edition: make clean keeps the shipped book',
            os.path.exists(os.path.join(edition, 'build', 'book', f'{lesson}-student.html')))
    return readme


def check_score_claims(t, readme, reference_log, reference_tests):
    """The README's numbers: the public checks' points here, the graded ones."""
    local = re.search(r'^Score: (\d+)/(\d+)$', reference_log, re.M)
    bonus = re.search(r'^Bonus \(.*\): (\d+)/(\d+)$', reference_log, re.M)
    graded = sum(x['max_score'] for x in reference_tests if not x['extra_data'].get('bonus'))
    graded_bonus = sum(x['score'] for x in reference_tests if x['extra_data'].get('bonus'))
    if not t.check('student edition: make check prints its score and bonus', local and bonus, reference_log[-300:]):
        return
    hidden = graded - int(local.group(2))
    claims = [f'**public checks**: {local.group(2)} points, plus {bonus.group(2)} bonus',
              f'worth {hidden} more points, plus {graded_bonus - int(bonus.group(2))} more',
              f'out of {graded:g} points, plus up to {graded_bonus:g} bonus']
    for claim in claims:
        t.check(f'student README says, truly: {claim}', claim in re.sub(r'\s+', ' ', readme), claim)


def run_autograder(root, submission_files, metadata=None, limits=None, timeout=600):
    """One Gradescope run in a scratch /autograder: submission_files
    {name: text}; returns (results dict or None, its log)."""
    for folder in ('submission', 'results'):
        shutil.rmtree(os.path.join(root, folder), ignore_errors=True)
    os.makedirs(os.path.join(root, 'submission'))
    for name, text in submission_files.items():
        with open(os.path.join(root, 'submission', name), 'w') as f:
            f.write(text)
    meta = os.path.join(root, 'submission_metadata.json')
    if metadata is None:
        if os.path.exists(meta):
            os.unlink(meta)
    else:
        with open(meta, 'w') as f:
            json.dump(metadata, f)
    done = subprocess.run([os.path.join(root, 'source', 'run_autograder')], cwd=root,
                          env=dict(os.environ, AUTOGRADER_ROOT=root, **(limits or {})),
                          capture_output=True, text=True, timeout=timeout)
    try:
        with open(os.path.join(root, 'results', 'results.json')) as f:
            return json.load(f), done.stdout + done.stderr
    except (OSError, ValueError):
        return None, done.stdout + done.stderr


def unpack_bundle(bundle, root):
    shutil.rmtree(root, ignore_errors=True)
    with zipfile.ZipFile(bundle) as archive:
        archive.extractall(os.path.join(root, 'source'))
        for info in archive.infolist():
            if (info.external_attr >> 16) & 0o111:
                os.chmod(os.path.join(root, 'source', info.filename), 0o755)


def test_gradescope_term(t, lesson, work, make, private, limits):
    """The bundle as a course uses it: the course seed (so a local regrade
    draws Gradescope's hidden checks), hidden checks shown after the due
    date, a late policy against submission_metadata.json, a compile error
    the student can read, a misnamed file, one score statement, no plot
    paths; setup.sh fails when the image cannot grade."""
    submissions = os.path.join(work, 'submissions')
    batch_out = os.path.join(work, 'out')
    bundle = os.path.join(work, 'term-autograder.zip')
    environment = {'GRADING_SEED': '', 'GRADE_OUT': batch_out, 'HIDDEN_VISIBILITY': 'after_due_date',
                   'LATE_POLICY': '10,5'}
    code, log, _ = make('gradescope', f'LESSON={lesson}', f'GRADESCOPE_ZIP={bundle}', env=environment)
    if not t.check('gradescope term: bundle with the course seed, visibility and a late policy',
                   code == 0 and os.path.exists(bundle), log[-800:]):
        return
    with zipfile.ZipFile(bundle) as archive:
        packed_seed = archive.read('GRADING_SEED').decode().strip()
        settings = {name: archive.read(name).decode().strip() for name in ('HIDDEN_VISIBILITY', 'LATE_POLICY')}
    t.check('gradescope term: no GRADING_SEED given: the bundle carries make grade\'s course seed',
            packed_seed == _read(os.path.join(batch_out, 'grading-seed')).strip() and 'fingerprint' in log, log[-400:])
    t.check('gradescope term: the settings travel in the bundle',
            settings == {'HIDDEN_VISIBILITY': 'after_due_date', 'LATE_POLICY': '10,5'}, str(settings))
    root = os.path.join(private, 'autograder-term')
    unpack_bundle(bundle, root)
    reference = _read(os.path.join(submissions, 'reference', 'schedulers.c'))

    mutant = next(s for s in sorted(os.listdir(submissions)) if s.startswith('mutant-plateau'))
    data, log = run_autograder(root, {'schedulers.c': _read(os.path.join(submissions, mutant, 'schedulers.c'))},
                               limits=limits)
    if not t.check('gradescope term: a mutant is graded', data is not None, log[-1500:]):
        return
    local = json.load(open(os.path.join(batch_out, 'students', mutant, 'results.json')))
    hidden = {x['name']: x['output'] for x in data['tests'] if x['extra_data'].get('hidden')}
    local_hidden = {x['name']: x['output'] for x in local['tests'] if x['name'] in hidden}
    t.check('gradescope term: the hidden checks are make grade\'s, same seed, same results',
            hidden and {k: v for k, v in hidden.items()} == local_hidden and data['score'] == local['score'],
            f'{data["score"]} vs {local["score"]}')
    t.check('gradescope term: hidden checks shown after the due date', hidden and all(
        x['visibility'] == 'after_due_date' for x in data['tests'] if x['name'] in hidden)
        and all(x['visibility'] == 'visible' for x in data['tests'] if x['name'] not in hidden))
    t.check('gradescope term: no test output names a plot the student cannot open',
            not [x for x in data['tests'] if re.search(r'^\s*plots?: ', x['output'], re.M)])
    t.check('gradescope term: one score statement: output says the score Gradescope shows',
            data['output'].startswith(f'Score: {data["score"]:g}/{data["max_score"]:g}'), data['output'][:200])

    data, log = run_autograder(root, {'schedulers.c': _read(os.path.join(submissions, 'fault-compile-error',
                                                                         'schedulers.c'))}, limits=limits)
    output = data['output'] if data else ''
    t.check('gradescope term: a compile error shows the compiler\'s message, with the student\'s file name',
            re.search(r'^schedulers\.c:\d+:\d+: error: ', output, re.M) is not None and 'build/' not in output
            and data['extra_data']['status'] == 'compile-error', output[:600])

    data, log = run_autograder(root, {'Schedulers.c': reference}, limits=limits)
    t.check('gradescope term: a misnamed file is graded, with a note saying so',
            data is not None and data['extra_data']['status'] == 'ok' and 'graded Schedulers.c as schedulers.c'
            in data['output'], (data or {}).get('output', log)[-400:])

    metadata = {'created_at': '2026-11-20T10:00:00.000000-08:00',
                'assignment': {'due_date': '2026-11-19T04:00:00.000000-08:00', 'title': 'Lesson 3.2'},
                'users': [{'name': 'Kim Lee', 'assignment': {'due_date': '2026-11-19T04:00:00.000000-08:00'}}]}
    data, log = run_autograder(root, {'schedulers.c': reference}, metadata=metadata, limits=limits)
    late = [x for x in (data or {}).get('tests', []) if x['name'] == 'late submission']
    expected = round(data['max_score'] * 0.10 * 2, 6) if data else None
    t.check('gradescope term: 30 h late with LATE_POLICY=10,5: two started days, 20% of the maximum off',
            late and late[0]['score'] == -expected and abs(data['score'] - (sum(
                x['score'] for x in data['tests']))) < 1e-9 and 'for lateness' in data['output'].split('\n')[0],
            json.dumps(late) + (data or {}).get('output', '')[:200])
    metadata['users'][0]['assignment']['due_date'] = '2026-11-22T04:00:00.000000-08:00'
    data, log = run_autograder(root, {'schedulers.c': reference}, metadata=metadata, limits=limits)
    t.check('gradescope term: an extension in the student\'s own due date: no penalty',
            data is not None and not [x for x in data['tests'] if x['name'] == 'late submission']
            and data['score'] >= data['max_score'])

    # setup.sh, as Gradescope runs it: green for this bundle, red for a kit
    # whose reference does not pass (the stub in its place).
    if os.geteuid() == 0 and shutil.which('apt-get'):
        done = subprocess.run(['sh', os.path.join(root, 'source', 'setup.sh')], env=dict(
            os.environ, AUTOGRADER_ROOT=root, **limits), capture_output=True, text=True, timeout=900)
        t.check('gradescope setup.sh: builds and grades the reference', done.returncode == 0
                and 'warm-up graded the reference' in done.stdout + done.stderr, (done.stdout + done.stderr)[-800:])
        shutil.copy(os.path.join(submissions, 'stubs', 'schedulers.c'),
                    os.path.join(root, 'source', 'solutions', lesson, 'schedulers.c'))
        done = subprocess.run(['sh', os.path.join(root, 'source', 'setup.sh')], env=dict(
            os.environ, AUTOGRADER_ROOT=root, **limits), capture_output=True, text=True, timeout=900)
        t.check('gradescope setup.sh: fails the image build when the warm-up does not grade',
                done.returncode != 0 and 'this image cannot grade' in done.stderr, (done.stdout + done.stderr)[-800:])


def test_pick_rules(t):
    """intake.take's rule, file by file (GRADE_PICK)."""
    import sys
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                                    'tools', 'grade'))
    import intake

    def items(*names):
        return [intake.Item(name, 3, 'file', lambda name=name: name.encode()) for name in names]

    def pick(rule, *names):
        try:
            return intake.take(items(*names), 'schedulers.c', rule).graded
        except intake.Refused as refused:
            return f'refused: {refused.reason}'
    cases = [
        ('exact', ('Schedulers.c',), 'refused'),
        ('exact', ('a/schedulers.c', 'schedulers.c'), 'schedulers.c'),
        ('exact', ('a/schedulers.c', 'b/schedulers.c'), 'refused'),
        ('near', ('Schedulers.c',), 'Schedulers.c'),
        ('near', ('schedulers (1).c', 'schedulers.c'), 'schedulers.c'),
        ('near', ('schedulers-1.c', 'schedulers (2).c'), 'refused'),
        ('near', ('scheduler.c', 'notes.txt'), 'refused'),
        ('near', ('schedulers.h', 'schedulers.c.bak'), 'refused'),
        ('last', ('schedulers.c', 'schedulers (2).c', 'schedulers-1.c'), 'schedulers (2).c'),
        ('last', ('Schedulers.c', 'schedulers_1.c'), 'refused'),
    ]
    for rule, names, want in cases:
        got = pick(rule, *names)
        t.check(f'GRADE_PICK={rule} of {", ".join(names)}: {want}', got.startswith(want) if want == 'refused'
                else got == want, got)
    refused = pick('near', 'scheduler.c', 'notes.txt')
    t.check('a refusal lists what was found', 'found: scheduler.c, notes.txt' in refused, refused)
