"""overrides.py: the instructor's corrections, merged into every batch.

    make grade ... OVERRIDES=overrides.csv

A CSV with a header row and the columns

    student,group,points,comment
    leeming_98765,plateau,17,"cooldown right, reset off by one: partial credit"
    Kim Lee,total,+2,late-day waiver for the lab outage

student   the gradebook's student, id or name;
group     a check group of the lesson (constant, step, ...) or `total`;
points    a number sets that group's score (or the total) to it; a signed
          number (+2, -1.5) adds to what the grader gave;
comment   why: shown to the student in the feedback.

The grader's own results (results.json) are never changed: the overrides
are applied on top of them every time the class outputs are written, so
they survive any regrade (and follow the grader if a regrade changes its
score: "+2" stays two more). Each batch compares the overrides it applies
with the last batch's (overrides-applied.json) and appends every change to
overrides-log.csv: when, who, what, the score before and after, and the
comment. A row that names no known student or group, or whose points are
not a number, stops nothing: it is listed in the summary and not applied.
"""

import csv
import datetime
import json
import os

COLUMNS = ('student', 'group', 'points', 'comment')


class Override:
    def __init__(self, line, student, group, points, comment):
        self.line, self.student, self.group, self.comment = line, student, group, comment
        self.relative = points[:1] in ('+', '-')
        self.value = float(points)
        self.points = points

    def key(self):
        return [self.group, self.points, self.comment]


def read(path):
    """([Override], [(line, problem)]) of an overrides CSV (None: none)."""
    if not path:
        return [], []
    try:
        with open(path, newline='', encoding='utf-8-sig') as f:
            rows = list(csv.reader(f))
    except OSError as error:
        return [], [(0, f'cannot read {path}: {error.strerror}')]
    if not rows or [c.strip().lower() for c in rows[0][:4]] != list(COLUMNS):
        return [], [(1, f'the header must be {",".join(COLUMNS)}')]
    found, problems = [], []
    for number, row in enumerate(rows[1:], 2):
        if not any(cell.strip() for cell in row):
            continue
        row = (row + [''] * 4)[:4]
        student, group, points, comment = (cell.strip() for cell in row)
        try:
            found.append(Override(number, student, group, points, comment))
        except ValueError:
            problems.append((number, f'points {points!r} is not a number'))
    return found, problems


def match_students(overrides, rows, groups):
    """{student key: [Override]}, plus [(line, problem)] for rows naming no
    student or group."""
    by_name = {}
    for row in rows:
        for name in (row['student'], row.get('sid'), row.get('name')):
            if name:
                by_name.setdefault(name, set()).add(row['student'])
    matched, problems = {}, []
    for override in overrides:
        keys = by_name.get(override.student, set())
        if len(keys) != 1:
            problems.append((override.line, f'{override.student!r} is ' +
                             ('no student of this class' if not keys else 'more than one student')))
            continue
        if override.group != 'total' and override.group not in groups:
            problems.append((override.line, f'{override.group!r} is neither a check group '
                             f'({", ".join(groups)}) nor total'))
            continue
        matched.setdefault(next(iter(keys)), []).append(override)
    return matched, problems


def apply(row, overrides):
    """The row's groups and score with its overrides applied (groups in
    file order, then totals). Returns (groups, score, [change dicts])."""
    groups = {g: list(v) for g, v in row['groups'].items()}
    changes = []
    for override in [o for o in overrides if o.group != 'total']:
        before = groups[override.group][0]
        after = before + override.value if override.relative else override.value
        groups[override.group][0] = round(after, 6)
        changes.append({'group': override.group, 'before': before, 'after': round(after, 6),
                        'points': override.points, 'comment': override.comment})
    score = round(sum(v[0] for v in groups.values()), 6)
    for override in [o for o in overrides if o.group == 'total']:
        after = score + override.value if override.relative else override.value
        changes.append({'group': 'total', 'before': score, 'after': round(after, 6),
                        'points': override.points, 'comment': override.comment})
        score = round(after, 6)
    return {g: tuple(v) for g, v in groups.items()}, score, changes


def record(out_dir, applied):
    """Append to overrides-log.csv every override that is new, changed or
    gone since the last batch; applied: {student: [change dicts]}."""
    state_path = os.path.join(out_dir, 'overrides-applied.json')
    try:
        with open(state_path) as f:
            before = json.load(f)
    except (OSError, ValueError):
        before = {}
    now = datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')
    lines = []

    def signature(change):
        return [change['group'], change['points'], change['comment'], change['before'], change['after']]
    for student in sorted(set(before) | set(applied)):
        old = [signature(c) for c in before.get(student, [])]
        new = [signature(c) for c in applied.get(student, [])]
        for item in new:
            if item not in old:
                lines.append([now, student, 'applied', *item])
        for item in old:
            if item not in new:
                lines.append([now, student, 'removed', *item])
    log = os.path.join(out_dir, 'overrides-log.csv')
    if lines:
        fresh = not os.path.exists(log)
        with open(log, 'a', newline='') as f:
            writer = csv.writer(f, lineterminator='\n')
            if fresh:
                writer.writerow(['time', 'student', 'action', 'group', 'points', 'comment', 'before', 'after'])
            for line in lines:
                writer.writerow([line[0], *(_cell(x) for x in line[1:])])
    tmp = state_path + '.tmp'
    with open(tmp, 'w') as f:
        json.dump(applied, f, indent=1, sort_keys=True)
    os.replace(tmp, state_path)
    return len(lines)


def _cell(value):
    """A CSV cell a spreadsheet does not run as a formula."""
    text = f'{value:g}' if isinstance(value, float) else str(value)
    return "'" + text if text[:1] in ('=', '+', '-', '@', '\t', '\r') else text
