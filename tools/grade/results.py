"""results.py: one student's Gradescope results.json, whatever happened.

Gradescope's autograder format (gradescope-autograders.readthedocs.io,
"specs"): a top-level `score`, `output`, `tests[]` whose entries have `name`,
`score`, `max_score`, `status` ("passed"/"failed"), `output` and
`visibility`, and `extra_data` for what only instructors read. The lesson's
grader writes this format itself; this module
  * checks and completes what the grader wrote (so a file that a crashing
    submission left half-written never reaches a gradebook),
  * writes the same shape when the grader could not run at all (a compile
    error, a missing file, a crash): every check of the kit, 0 points, and
    the reason, so a student always sees the full list of what is graded,
  * merges per-scheduler re-runs after a crash (partial credit).
The top-level score is always the sum of the tests' scores.
"""

import json
import os

VISIBILITIES = ('hidden', 'after_due_date', 'after_published', 'visible')


class BadResults(Exception):
    pass


def group_of(test, groups):
    """The check group (scheduler) of a test: extra_data.group when the grader
    says it, else the leading name ("step/..." or "step: ...")."""
    extra = test.get('extra_data') or {}
    for key in ('group', 'scheduler'):
        if extra.get(key) in groups:
            return extra[key]
    name = str(test.get('name', ''))
    for group in sorted(groups, key=len, reverse=True):
        for separator in ('/', ':', ' ', '.'):
            if name.startswith(group + separator) or name == group:
                return group
    return None


def _number(value, what):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
        raise BadResults(f'{what} is not a number: {value!r}')
    return value


def load_grader_results(path, groups, bonus_groups=()):
    """The grader's results.json, checked; raises BadResults when it is not
    usable. Opened without following links: the student's code ran as the
    owner of that folder."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError as error:
        raise BadResults(f'no results file ({error.strerror})') from None
    with os.fdopen(fd, 'rb') as f:
        raw = f.read(8 * 1024 * 1024 + 1)
    if len(raw) > 8 * 1024 * 1024:
        raise BadResults('results file over 8 MiB')
    try:
        data = json.loads(raw)
    except ValueError as error:
        raise BadResults(f'results file is not JSON ({error})') from None
    if not isinstance(data, dict) or not isinstance(data.get('tests'), list):
        raise BadResults('results file has no tests[]')
    tests = []
    for index, test in enumerate(data['tests']):
        if not isinstance(test, dict) or 'name' not in test:
            raise BadResults(f'test {index} has no name')
        score = _number(test.get('score', 0), f'score of {test["name"]}')
        max_score = _number(test.get('max_score', 0), f'max_score of {test["name"]}')
        status = test.get('status') or ('passed' if score >= max_score else 'failed')
        extra = dict(test.get('extra_data') or {})
        extra['group'] = group_of(test, groups)
        extra['bonus'] = extra['group'] in bonus_groups
        tests.append({
            'name': str(test['name']),
            'score': score,
            'max_score': max_score,
            'status': 'passed' if status == 'passed' else 'failed',
            'output': str(test.get('output', '')),
            'visibility': test.get('visibility') if test.get('visibility') in VISIBILITIES else 'visible',
            'extra_data': extra,
        })
    return {'tests': tests, 'output': str(data.get('output', ''))}


def not_graded(reference_tests, reason, only_group=None):
    """Every check of the kit (or of one group) at 0 points, with the reason."""
    tests = []
    for test in reference_tests:
        if only_group is not None and test['extra_data'].get('group') != only_group:
            continue
        tests.append({
            'name': test['name'],
            'score': 0,
            'max_score': test['max_score'],
            'status': 'failed',
            'output': f'Not graded: {reason}',
            'visibility': test['visibility'],
            'extra_data': {'group': test['extra_data'].get('group'), 'hint': 'not-graded',
                           'bonus': test['extra_data'].get('bonus', False)},
        })
    return tests


def make_results(tests, status, output, extra):
    """The final results.json object: score is the sum of the tests."""
    score = round(sum(test['score'] for test in tests), 6)
    max_score = round(sum(test['max_score'] for test in tests
                          if not test['extra_data'].get('bonus')), 6)
    return {
        'score': score,
        'max_score': max_score,
        'output': output,
        'output_format': 'text',
        'visibility': 'visible',
        'stdout_visibility': 'hidden',
        'tests': tests,
        'extra_data': dict(extra, status=status),
    }


def group_points(reference_tests, groups):
    """{group: points} the reference earns: a group's maximum, bonus included
    (Gradescope counts a bonus check as max_score 0, score = its points)."""
    points = {group: 0 for group in groups}
    for test in reference_tests:
        group = test['extra_data'].get('group')
        if group in points:
            points[group] += max(test['max_score'], test['score'])
    return points


def group_scores(results, groups, points):
    """{group: (score, max)} for the gradebook columns and the feedback table."""
    totals = {group: 0 for group in groups}
    for test in results['tests']:
        group = test['extra_data'].get('group')
        if group in totals:
            totals[group] += test['score']
    return {group: (round(totals[group], 6), points[group]) for group in groups}


def write_json(path, data):
    tmp = path + '.tmp'
    with open(tmp, 'w') as f:
        json.dump(data, f, indent=1, ensure_ascii=False)
        f.write('\n')
    os.replace(tmp, path)
