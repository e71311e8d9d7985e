"""report.py: what an instructor and a student read after a batch.

  gradebook.csv           one row per student (sorted), one column per check
                          group, total, max, status (csv module)
  students/<s>/feedback.md, feedback.html
                          the score table, every lost point with the grader's
                          message and hint, compiler messages, the overlay
                          plots (pandoc, one self-contained HTML file)
  summary.md, summary.html
                          status counts, a score histogram (gnuplot), group
                          averages and the most common failure hints
"""

import collections
import csv
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


def _md_cell(text):
    return str(text).replace('|', '\\|').replace('\n', ' ')


def write_gradebook(path, rows, groups):
    """rows: dicts with student, groups {g: (score, max)}, score, max_score, status."""
    tmp = path + '.tmp'
    with open(tmp, 'w', newline='') as f:
        writer = csv.writer(f, lineterminator='\n')
        writer.writerow(['student', *groups, 'total', 'max', 'status'])
        for row in sorted(rows, key=lambda r: r['student']):
            writer.writerow([row['student'], *(_num(row['groups'][g][0]) for g in groups),
                             _num(row['score']), _num(row['max_score']), row['status']])
    os.replace(tmp, path)


def feedback_markdown(lesson, student, results, details, groups, group_scores, bonus_groups):
    status = results['extra_data']['status']
    bonus = sum(t['score'] for t in results['tests'] if t['extra_data'].get('bonus'))
    lines = ['---', f'title: "Lesson {lesson}: feedback for {student}"', '---', '',
             f'**Status:** {status} &nbsp; **Score:** {_num(results["score"])} / '
             f'{_num(results["max_score"])}' + (f' (including {_num(bonus)} bonus)' if bonus else ''), '']
    if results.get('output'):
        lines += [_fence(results['output']), '']
    lines += ['| check group | score | max |', '|---|---:|---:|']
    for group in groups:
        score, maximum = group_scores[group]
        label = f'{group} (bonus)' if group in bonus_groups else group
        lines.append(f'| {_md_cell(label)} | {_num(score)} | {_num(maximum)} |')
    lines += [f'| **total** | **{_num(results["score"])}** | **{_num(results["max_score"])}** |', '']

    if details.get('compiler'):
        lines += ['## Compiler messages', '', _fence(details['compiler']), '']
    if details.get('forbidden'):
        lines += ['## What is not allowed', '']
        lines += [f'- `{path}`' for path in details['forbidden']] + ['']

    lost = [t for t in results['tests'] if t['score'] < t['max_score'] or t['status'] == 'failed']
    plots = details.get('plots', [])
    shown = set()
    if lost:
        lines += ['## Where the points went', '']
    else:
        lines += ['Every check passed.', '']
    for test in lost:
        hint = test['extra_data'].get('hint')
        lines += [f'### {test["name"]}: {_num(test["score"])} / {_num(test["max_score"])}', '']
        message = test['output'].strip() or 'The grader gave no message for this check.'
        lines += [_fence(message)]
        if hint and hint != 'not-graded':
            lines += [f'Hint id: `{hint}`', '']
        for name in plots:
            if name in test['output'] and name not in shown:
                lines += [f'![{_md_cell(test["name"])}: your curve against the reference](plots/{name})', '']
                shown.add(name)
    remaining = [name for name in plots if name not in shown]
    if remaining:
        lines += ['## Plots', '']
        lines += [f'![{name}](plots/{name})\n' for name in remaining]
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


def write_feedback(student_dir, lesson, student, results, details, groups, group_scores, bonus):
    md_path = os.path.join(student_dir, 'feedback.md')
    with open(md_path, 'w') as f:
        f.write(feedback_markdown(lesson, student, results, details, groups, group_scores, bonus))
    return markdown_to_html(md_path, os.path.join(student_dir, 'feedback.html'))


def histogram_svg(path, scores, max_score):
    """A gnuplot bar chart of the class's scores in tenths of the maximum."""
    bins = [0] * 10
    for score in scores:
        fraction = score / max_score if max_score else 0
        bins[min(9, max(0, int(fraction * 10)))] += 1
    data = path + '.dat'
    with open(data, 'w') as f:
        for index, count in enumerate(bins):
            label = f'{index * 10}-{index * 10 + 10}%' if index < 9 else '90-100%'
            f.write(f'"{label}" {count}\n')
    script = (f'set terminal svg size 640,320 font "sans,11"; set output "{path}"; '
              'set style fill solid 0.6; set boxwidth 0.8; set ylabel "students"; '
              'set xlabel "score (share of the maximum)"; set yrange [0:*]; unset key; '
              f'set grid ytics; plot "{data}" using 0:2:xtic(1) with boxes lc rgb "#3a6ea5"')
    done = subprocess.run(['gnuplot', '-e', script], capture_output=True, text=True)
    os.unlink(data)
    return bins, (None if done.returncode == 0 else done.stderr.strip())


def summary_markdown(lesson, rows, groups, bonus_groups, hints, histogram, seconds, sandbox_note=None):
    scores = [row['score'] for row in rows]
    max_score = max((row['max_score'] for row in rows), default=0)
    counts = collections.Counter(row['status'] for row in rows)
    lines = ['---', f'title: "Lesson {lesson}: class summary"', '---', '',
             f'{len(rows)} submissions; maximum {_num(max_score)} points.', '']
    if sandbox_note:
        lines += [f'Sandbox: {_md_cell(sandbox_note)}.', '']
    if scores:
        lines += [f'Mean {statistics.mean(scores):.2f}, median {_num(statistics.median(scores))}, '
                  f'lowest {_num(min(scores))}, highest {_num(max(scores))}.', '']
    lines += ['| status | students |', '|---|---:|']
    lines += [f'| {status} | {count} |' for status, count in sorted(counts.items())] + ['']
    lines += ['## Score histogram', '', '![score histogram](histogram.svg)', '',
              '| score | students |', '|---|---:|']
    for index, count in enumerate(histogram):
        label = f'{index * 10}-{index * 10 + 10}%' if index < 9 else '90-100%'
        lines.append(f'| {label} | {"#" * count} {count} |')
    lines += ['', '## Check groups', '', '| group | mean | max | full marks |', '|---|---:|---:|---:|']
    for group in groups:
        values = [row['groups'][group][0] for row in rows]
        maximum = max((row['groups'][group][1] for row in rows), default=0)
        full = sum(1 for row in rows if row['groups'][group][1] and
                   row['groups'][group][0] >= row['groups'][group][1])
        mean = statistics.mean(values) if values else 0
        label = f'{group} (bonus)' if group in bonus_groups else group
        lines.append(f'| {label} | {mean:.2f} | {_num(maximum)} | {full} |')
    lines += ['', '## Most common failure hints', '']
    if hints:
        lines += ['| hint | students | example check |', '|---|---:|---|']
        for hint, (students, example) in hints[:15]:
            lines.append(f'| `{hint}` | {len(students)} | {_md_cell(example)} |')
    else:
        lines.append('No check failed.')
    lines += ['', f'Graded in {seconds:.1f} s.', '']
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


def write_summary(out_dir, lesson, rows, groups, bonus_groups, all_results, seconds, sandbox_note=None):
    max_score = max((row['max_score'] for row in rows), default=0)
    histogram, error = histogram_svg(os.path.join(out_dir, 'histogram.svg'),
                                     [row['score'] for row in rows], max_score)
    md = summary_markdown(lesson, rows, groups, bonus_groups, common_hints(all_results),
                          histogram, seconds, sandbox_note)
    md_path = os.path.join(out_dir, 'summary.md')
    with open(md_path, 'w') as f:
        f.write(md)
    return error or markdown_to_html(md_path, os.path.join(out_dir, 'summary.html'))
