"""report.py: what an instructor and a student read after a batch.

  gradebook.csv           one row per student (sorted): student, id, name,
                          source, late, one column per check group, total,
                          max, status, the file graded, overrides
  gradebook-canvas.csv    Canvas's gradebook import layout (Canvas students)
  gradebook-moodle.csv    Moodle's grading worksheet layout (Moodle students)
  students/<s>/feedback.md, feedback.html
                          the score table, every lost point with the grader's
                          message and hint, compiler messages, the overlay
                          plots (pandoc, one self-contained HTML file)
  summary.md, summary.html
                          status counts, a score histogram (gnuplot), group
                          averages, the most common failure hints, every
                          input not graded and why, similar pairs
Everything that comes from a submission (names, file names, compiler and
grader messages) is escaped for where it goes: Markdown punctuation
backslashed (pandoc reads it with raw HTML off), code in fences no backtick
run can close, CSV cells that a spreadsheet would run as a formula
(= + - @) prefixed with a quote.
"""

import collections
import csv
import math
import os
import re
import statistics
import subprocess

CSS = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'feedback.css')


def _num(value):
    return f'{value:g}'


def _fence(text):
    """A fenced code block that no backtick run inside text can close."""
    longest = max((len(run) for run in re.findall(r'`+', text)), default=0)
    fence = '`' * max(3, longest + 1)
    return f'{fence}text\n{text.rstrip()}\n{fence}\n'


MD_SPECIAL = re.compile(r'([\\`*_{}\[\]<>&|#$~^@!])')


def md_text(text):
    """Text that pandoc's Markdown shows as it is, on one line: its
    inline marks backslashed (pandoc escapes any punctuation), and the
    starts of lists, headings and smart dashes too."""
    text = MD_SPECIAL.sub(r'\\\1', str(text).replace('\r', ' ').replace('\n', ' '))
    text = text.replace('--', '-\\-').replace("'", "\\'").replace('"', '\\"')
    return re.sub(r'^(\s*)([-+.:=]|\d+[.)])', r'\1\\\2', text)


_md_cell = md_text


def yaml_title(text):
    """A YAML single-quoted title whose Markdown reading is text itself."""
    return "'" + md_text(text).replace("'", "''") + "'"


def csv_cell(value):
    """A CSV cell: numbers as %g, text that a spreadsheet would run as a
    formula (= + - @, tab, CR first) prefixed with a quote."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _num(value)
    text = str(value if value is not None else '')
    return "'" + text if text[:1] in ('=', '+', '-', '@', '\t', '\r') else text


BUILD_PATH = re.compile(r'[^\s:\'"`()<>]*(?:build|work|submission)/[^\s:\'"`()<>]*')


def student_view(text, wanted):
    """Compiler messages with the student's file name where the build has
    its copy (build/opt/<L>/<key>/src/schedulers.c -> schedulers.c), other
    build paths cut to their last part, and make's own lines left out."""
    def short(match):
        path = match.group(0)
        return wanted if path.endswith('/' + wanted) else os.path.basename(path.rstrip('/')) or path
    lines = []
    for line in str(text).splitlines():
        if line.startswith(('make:', 'make[')) or re.match(r'^\s+(CC|LD|AR|GEN)\s', line):
            continue
        lines.append(BUILD_PATH.sub(short, line))
    return '\n'.join(lines)


GRADEBOOK_FIXED = ['student', 'id', 'name', 'source', 'late']


def _write_csv(path, header, rows):
    tmp = path + '.tmp'
    with open(tmp, 'w', newline='') as f:
        writer = csv.writer(f, lineterminator='\n')
        writer.writerow(header)
        for row in rows:
            writer.writerow([csv_cell(cell) for cell in row])
    os.replace(tmp, path)


def write_gradebook(path, rows, groups):
    """rows: dicts with student, sid, name, lms, late, groups {g: (score, max)},
    score, max_score, status, graded_file and overrides (after overrides)."""
    _write_csv(path, [*GRADEBOOK_FIXED, *groups, 'total', 'max', 'status', 'file', 'overrides'],
               [[row['student'], row.get('sid', ''), row.get('name', row['student']), row.get('lms', 'folder'),
                 'late' if row.get('late') else '', *(row['groups'][g][0] for g in groups),
                 row['score'], row['max_score'], row['status'], row.get('graded_file') or '',
                 '; '.join(f'{c["group"]} {_num(c["before"])}->{_num(c["after"])}: {c["comment"]}'
                           for c in row.get('overrides', []))]
                for row in sorted(rows, key=lambda r: r['student'])])


def write_canvas(path, rows, assignment):
    """Canvas's gradebook import: Student, ID, SIS User ID, SIS Login ID,
    Section, then one column per assignment, "Name (assignment id)" as
    Canvas exports it (a name alone makes Canvas create a new assignment).
    ID is the Canvas user id of the bulk download's file names. Only the
    students that came from a Canvas download are written."""
    mine = [row for row in sorted(rows, key=lambda r: r['student']) if row.get('lms') == 'canvas']
    _write_csv(path, ['Student', 'ID', 'SIS User ID', 'SIS Login ID', 'Section', assignment],
               [[row.get('name', ''), row['sid'], '', '', '', row['score']] for row in mine])
    return len(mine)


def write_moodle(path, rows, max_score):
    """Moodle's offline grading worksheet (Assignment > Upload grading
    worksheet): Identifier "Participant N" (the id in the download's folder
    names), Full name, Grade, Maximum Grade, Feedback comments. Only the
    students that came from a Moodle download are written."""
    mine = [row for row in sorted(rows, key=lambda r: r['student']) if row.get('lms') == 'moodle']
    _write_csv(path, ['Identifier', 'Full name', 'Status', 'Grade', 'Maximum Grade', 'Feedback comments'],
               [[f'Participant {row["sid"]}', row.get('name', ''), row['status'], row['score'], max_score,
                 f'{row["status"]}: {_num(row["score"])}/{_num(row["max_score"])}; see feedback.html'
                 + ''.join(f'; {c["group"]} {_num(c["before"])}->{_num(c["after"])}: {c["comment"]}'
                           for c in row.get('overrides', []))]
                for row in mine])
    return len(mine)


def score_statement(results):
    """The one way the score is said everywhere (results.json's output,
    feedback, Gradescope): the total, then what the bonus added."""
    bonus = sum(t['score'] for t in results['tests'] if t['extra_data'].get('bonus'))
    bonus_max = sum(max(t['max_score'], t['score']) for t in results['tests'] if t['extra_data'].get('bonus'))
    penalty = -sum(t['score'] for t in results['tests'] if t['extra_data'].get('late_penalty'))
    total = results['score']
    text = f'Score: {_num(total)}/{_num(results["max_score"])}'
    parts = []
    if bonus_max:
        parts.append(f'{_num(total - bonus + penalty)} from the required checks + {_num(bonus)} of '
                     f'{_num(bonus_max)} bonus (extra credit)')
    if penalty:
        parts.append(f'{_num(penalty)} off for lateness')
    return text + (': ' + '; '.join(parts) if parts else '')


def feedback_markdown(lesson, student, results, details, groups, group_scores, bonus_groups, overrides=()):
    status = results['extra_data']['status']
    intake_note = results['extra_data'].get('intake_note')
    total = results['score']
    if overrides:
        total = overrides[-1]['after'] if overrides[-1]['group'] == 'total' else round(
            sum(group_scores[g][0] for g in groups), 6)
    lines = ['---', f'title: {yaml_title(f"Lesson {lesson}: feedback for {student}")}', '---', '',
             f'**Status:** {md_text(status)} &nbsp; **{md_text(score_statement(results))}**', '']
    if overrides:
        lines += [f'**After your instructor\'s adjustments: {_num(total)}/{_num(results["max_score"])}**', '']
    if intake_note:
        lines += [f'Note: {md_text(intake_note)}', '']
    said = '\n'.join(line for line in results.get('output', '').splitlines() if not line.startswith('Score: '))
    if said.strip():
        lines += [_fence(said), '']
    lines += ['| check group | score | max |', '|---|---:|---:|']
    for group in groups:
        score, maximum = group_scores[group]
        label = f'{group} (bonus)' if group in bonus_groups else group
        lines.append(f'| {md_text(label)} | {_num(score)} | {_num(maximum)} |')
    lines += [f'| **total** | **{_num(total)}** | **{_num(results["max_score"])}** |', '']
    if overrides:
        lines += ['## Adjustments by your instructor', '', '| group | grader | now | why |', '|---|---:|---:|---|']
        lines += [f'| {md_text(c["group"])} | {_num(c["before"])} | {_num(c["after"])} | {md_text(c["comment"])} |'
                  for c in overrides] + ['']

    if details.get('compiler'):
        lines += ['## Compiler messages', '', _fence(details['compiler']), '']
    if details.get('forbidden'):
        lines += ['## What is not allowed', '']
        lines += [f'- {md_text(path)}' for path in details['forbidden']] + ['']

    lost = [t for t in results['tests'] if t['score'] < t['max_score'] or t['status'] == 'failed']
    plots = details.get('plots', [])
    shown = set()
    if lost:
        lines += ['## Where the points went', '']
    else:
        lines += ['Every check passed.', '']
    for test in lost:
        hint = test['extra_data'].get('hint')
        lines += [f'### {md_text(test["name"])}: {_num(test["score"])} / {_num(test["max_score"])}', '']
        message = test['output'].strip() or 'The grader gave no message for this check.'
        lines += [_fence(message)]
        if hint and hint != 'not-graded':
            lines += [f'Hint id: {md_text(hint)}', '']
        for name in plots:
            if name in test['output'] and name not in shown:
                lines += [f'![{md_text(test["name"])}: your curve against the reference](plots/{name})', '']
                shown.add(name)
    remaining = [name for name in plots if name not in shown]
    if remaining:
        lines += ['## Plots', '']
        lines += [f'![{md_text(name)}](plots/{name})\n' for name in remaining]
    return '\n'.join(lines) + '\n'


def pandoc_supports_embed():
    """pandoc >= 2.19 spells self-contained output --embed-resources."""
    try:
        first = subprocess.run(['pandoc', '--version'], capture_output=True, text=True).stdout
    except OSError:
        return None
    version = tuple(int(x) for x in re.findall(r'\d+', first.split('\n')[0])[:2])
    return version >= (2, 19)


_EMBED = None


def markdown_to_html(md_path, html_path):
    """One self-contained HTML file (images inlined) next to md_path."""
    global _EMBED
    if _EMBED is None:
        _EMBED = pandoc_supports_embed()
    if _EMBED is None:
        return 'pandoc is not installed: run `make deps-book`'
    flags = ['--embed-resources', '--standalone'] if _EMBED else ['--self-contained']
    folder = os.path.dirname(os.path.abspath(md_path))
    done = subprocess.run(['pandoc', '-f', 'markdown-raw_html-raw_tex', '-t', 'html5', *flags,
                           '--resource-path', folder, '--css', CSS, '--metadata', 'lang=en',
                           '-o', html_path, md_path],
                          capture_output=True, text=True, cwd=folder)
    return None if done.returncode == 0 else done.stderr.strip()


def write_feedback(student_dir, lesson, student, results, details, groups, group_scores, bonus, overrides=()):
    md_path = os.path.join(student_dir, 'feedback.md')
    with open(md_path, 'w') as f:
        f.write(feedback_markdown(lesson, student, results, details, groups, group_scores, bonus, overrides))
    return markdown_to_html(md_path, os.path.join(student_dir, 'feedback.html'))


def histogram_svg(path, scores, max_score):
    """A gnuplot bar chart of the class's scores in tenths of the maximum;
    the student axis has whole-number ticks only."""
    bins = [0] * 10
    for score in scores:
        fraction = score / max_score if max_score else 0
        bins[min(9, max(0, int(fraction * 10)))] += 1
    data = path + '.dat'
    with open(data, 'w') as f:
        for index, count in enumerate(bins):
            label = f'{index * 10}-{index * 10 + 10}%' if index < 9 else '90-100%'
            f.write(f'"{label}" {count}\n')
    top = max(bins + [1])
    step = max(1, math.ceil(top / 8))
    script = (f'set terminal svg size 640,320 font "sans,11"; set output "{path}"; '
              'set style fill solid 0.6; set boxwidth 0.8; set ylabel "students"; '
              f'set xlabel "score (share of the maximum)"; set yrange [0:{(top // step + 1) * step}]; unset key; '
              f'set ytics 0,{step}; set format y "%.0f"; set mytics 1; '
              f'set grid ytics; plot "{data}" using 0:2:xtic(1) with boxes lc rgb "#3a6ea5"')
    done = subprocess.run(['gnuplot', '-e', script], capture_output=True, text=True)
    os.unlink(data)
    return bins, (None if done.returncode == 0 else done.stderr.strip())


NOT_TAKEN = ('missing-file', 'too-large', 'bad-archive', 'grader-error')


def summary_markdown(lesson, rows, groups, bonus_groups, hints, histogram, batch, extra):
    """batch: {'graded': n, 'reused': n, 'seconds': s}; extra: skipped
    inputs, override problems, similar pairs, exports written."""
    scores = [row['score'] for row in rows]
    max_score = max((row['max_score'] for row in rows), default=0)
    counts = collections.Counter(row['status'] for row in rows)
    skipped = extra.get('skipped', [])
    not_taken = [row for row in rows if row['status'] in NOT_TAKEN]
    lines = ['---', f'title: {yaml_title(f"Lesson {lesson}: class summary")}', '---', '']
    inputs = len(rows) + len(skipped)
    graded = len(rows) - len(not_taken)
    if skipped or not_taken:
        lines += [f'**Not complete:** {inputs} inputs, {graded} graded, '
                  f'{len(skipped) + len(not_taken)} not graded (listed under "Not graded").', '']
    else:
        lines += [f'**Complete:** every one of the {inputs} inputs was graded.', '']
    lines += [f'{len(rows)} students; maximum {_num(max_score)} points (the bonus is extra credit).', '']
    if extra.get('sandbox'):
        lines += [f'Sandbox: {md_text(extra["sandbox"])}.', '']
    if scores:
        lines += [f'Mean {statistics.mean(scores):.2f}, median {_num(statistics.median(scores))}, '
                  f'lowest {_num(min(scores))}, highest {_num(max(scores))}'
                  + (' (after the instructor\'s overrides).' if extra.get('overridden') else '.'), '']
    late = [row for row in rows if row.get('late')]
    if late:
        lines += [f'Late (as the LMS marked them): {len(late)}: '
                  + ', '.join(md_text(row['student']) for row in late), '']
    lines += ['| status | students |', '|---|---:|']
    lines += [f'| {md_text(status)} | {count} |' for status, count in sorted(counts.items())] + ['']

    lines += ['## Not graded', '']
    if skipped or not_taken:
        lines += ['| input | why |', '|---|---|']
        lines += [f'| {md_text(entry)} | {md_text(reason)} |' for entry, reason in skipped]
        lines += [f'| {md_text(row["student"])} ({md_text(", ".join(row.get("entries", [])))}) | '
                  f'{md_text(row["status"])}: {md_text(row.get("reason", ""))} |' for row in not_taken]
    else:
        lines.append('Every input was graded.')
    noted = [row for row in rows if row.get('intake_note')]
    if noted:
        lines += ['', 'Graded with a note on the file taken:', '']
        lines += [f'- {md_text(row["student"])}: {md_text(row["intake_note"])}' for row in noted]
    lines += ['', '## Score histogram', '', '![score histogram](histogram.svg)', '',
              '| score | students |', '|---|---:|']
    for index, count in enumerate(histogram):
        label = f'{index * 10}-{index * 10 + 10}%' if index < 9 else '90-100%'
        lines.append(f'| {label} | {count} |')
    lines += ['', '## Check groups', '', '| group | mean | max | full marks |', '|---|---:|---:|---:|']
    for group in groups:
        values = [row['groups'][group][0] for row in rows]
        maximum = max((row['groups'][group][1] for row in rows), default=0)
        full = sum(1 for row in rows if row['groups'][group][1] and
                   row['groups'][group][0] >= row['groups'][group][1])
        mean = statistics.mean(values) if values else 0
        label = f'{group} (bonus)' if group in bonus_groups else group
        lines.append(f'| {md_text(label)} | {mean:.2f} | {_num(maximum)} | {full} |')
    lines += ['', '## Most common failure hints', '']
    if hints:
        lines += ['| hint | students | example check |', '|---|---:|---|']
        for hint, (students, example) in hints[:15]:
            lines.append(f'| {md_text(hint)} | {len(students)} | {md_text(example)} |')
    else:
        lines.append('No check failed.')

    lines += ['', '## Similar submissions', '']
    pairs = extra.get('similar')
    if pairs is None:
        lines.append('Not checked: sim_c is not installed (`scripts/deps.sh test` installs similarity-tester).')
    else:
        lines.append(f'sim_c over each student\'s own lines (the stub\'s lines left out); pairs where one file '
                     f'is {extra.get("similarity_threshold")}% or more the other\'s material. '
                     'A lead to read, not proof (tools/grade/similarity.py says what it misses).')
        lines.append('')
        if pairs:
            lines += ['| shared | students | side by side |', '|---:|---|---|']
            lines += [f'| {pct}% | {md_text(a)} and {md_text(b)} | '
                      + (f'[{md_text(page)}](similarity/{page}) |' if page else 'in similarity/pairs.csv |')
                      for pct, a, b, page in pairs[:100]]
            if len(pairs) > 100:
                lines += ['', f'{len(pairs) - 100} more pairs above the threshold: similarity/pairs.csv lists them all.']
        else:
            lines.append('No pair above the threshold.')

    overrides = extra.get('overrides_applied', 0)
    problems = extra.get('override_problems', [])
    if overrides or problems:
        lines += ['', '## Overrides', '', f'{overrides} override(s) applied (overrides-log.csv records every change).']
        if problems:
            lines += ['', 'Not applied:', '']
            lines += [f'- line {number}: {md_text(problem)}' for number, problem in problems]
    exports = extra.get('exports', {})
    if exports:
        lines += ['', '## Exports', '']
        lines += [f'- {md_text(name)}: {count} students' for name, count in sorted(exports.items())]
    graded_now, reused = batch.get('graded', 0), batch.get('reused', 0)
    lines += ['', f'This batch graded {graded_now} submission(s) in {batch.get("seconds", 0):.1f} s'
              + (f' and reused {reused} unchanged since an earlier batch.' if reused else '.'), '']
    return '\n'.join(lines)


def common_hints(all_results):
    """[(hint, (set of students, an example test name))], most students first."""
    found = {}
    for student, results in all_results.items():
        for test in results['tests']:
            if test['status'] != 'failed':
                continue
            hint = test['extra_data'].get('hint') or 'no-hint'
            if hint == 'not-graded':  # the status table already counts these
                continue
            students, example = found.setdefault(hint, (set(), test['name']))
            students.add(student)
    return sorted(found.items(), key=lambda item: (-len(item[1][0]), item[0]))


def write_summary(out_dir, lesson, rows, groups, bonus_groups, all_results, batch, extra):
    max_score = max((row['max_score'] for row in rows), default=0)
    histogram, error = histogram_svg(os.path.join(out_dir, 'histogram.svg'),
                                     [row['score'] for row in rows], max_score)
    md = summary_markdown(lesson, rows, groups, bonus_groups, common_hints(all_results),
                          histogram, batch, extra)
    md_path = os.path.join(out_dir, 'summary.md')
    with open(md_path, 'w') as f:
        f.write(md)
    return error or markdown_to_html(md_path, os.path.join(out_dir, 'summary.html'))
