"""similarity.py: which submissions share code, by Debian's similarity-tester.

`sim_c` (Dick Grune's similarity tester, package similarity-tester) reads C
as tokens, so layout, comments and the names of variables do not hide a
copy: it finds the longest common runs of tokens between files (at least
SIMILARITY_RUN tokens, default 24) and says what share of each file such
runs cover.

What it compares is each student's own part: their file with every line the
stub (lessons/<L>/<file>) also has blanked out (so the kit's comments,
signatures and boilerplate that everyone shares count for nothing, and the
line numbers stay the student's). A pair is listed when either file
consists for SIMILARITY_THRESHOLD percent (default 60) or more of the
other's material; each listed pair gets a side-by-side page (HTML, every
line escaped) with the shared runs marked.

What it does not catch: code both copied from a third place (the web, an AI
assistant, last year's class) unless that source is in the folder too;
rewrites that change the token stream throughout (loops turned into other
loops, statements reordered line by line, helper functions split or
inlined); copies shorter than SIMILARITY_RUN tokens. And what it flags is
not proof: a scheduler's correct step is a few short lines, so two correct
students can share most of a small file. Read the pages before concluding.
"""

import csv
import hashlib
import html
import json
import os
import re
import shutil
import subprocess

RUN_HEADER = re.compile(r'^(?P<a>\S+): line (?P<a1>\d+)-(?P<a2>\d+)\s*\|(?P<b>\S+): line (?P<b1>\d+)-(?P<b2>\d+)\s*\[(?P<tokens>\d+)\]')
PERCENT = re.compile(r'^(?P<a>\S+) consists for (?P<pct>\d+) % of (?P<b>\S+) material')


# A comment, a string or a character literal (so that "/*" in a string starts nothing).
_COMMENT_OR_LITERAL = re.compile(r'/\*.*?\*/|//[^\n]*|"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'', re.S)


def without_comments(source):
    """source with its comments blanked (their newlines kept): sim_c skips
    comments anyway, and blanking a line that closes a comment the stub
    shares would leave an open one swallowing the rest of the file."""
    def blank(match):
        text = match.group(0)
        return re.sub(r'[^\n]', ' ', text) if text.startswith('/') else text
    return _COMMENT_OR_LITERAL.sub(blank, source)


def student_region(source, stub_lines):
    """source without comments, with every line the stub also has
    (whitespace ignored, blank lines aside) blanked: line numbers stay the
    student's. stub_lines are squeezed lines of the stub without comments."""
    kept = []
    for line in without_comments(source).splitlines():
        kept.append('' if squeeze(line) and squeeze(line) in stub_lines else line)
    return '\n'.join(kept) + '\n'


def squeeze(line):
    return re.sub(r'\s+', '', line)


def available():
    try:
        subprocess.run(['sim_c', '-v'], capture_output=True)
        return True
    except OSError:
        return False


PAGES = 60  # side-by-side pages for the highest pairs; pairs.csv lists every pair


def compare(folder, sources, stub_text, threshold=60, run=24):
    """sources: {student: text}. Writes folder/regions/*.c, folder/pairs.csv
    (every pair above the threshold) and a page per pair for the PAGES
    highest, folder/<a>--<b>.html. Returns [(percent, a, b, page or None)],
    highest first, or None when sim_c is not installed. An unchanged class
    (same regions, threshold and run) is not compared again."""
    if not available():
        return None
    stub_lines = {squeeze(line) for line in without_comments(stub_text).splitlines() if squeeze(line)}
    regions = {f'{student}.c': student_region(text, stub_lines) for student, text in sorted(sources.items())}
    key = hashlib.sha256(json.dumps([threshold, run, PAGES, sorted(regions.items())]).encode()).hexdigest()
    state = os.path.join(folder, 'state.json')
    try:
        with open(state) as f:
            kept = json.load(f)
        if kept.get('key') == key:
            return [tuple(pair) for pair in kept['pairs']]
    except (OSError, ValueError):
        pass
    shutil.rmtree(folder, ignore_errors=True)
    region_dir = os.path.join(folder, 'regions')
    os.makedirs(region_dir)
    names = {}
    for file_name, text in regions.items():
        names[file_name] = file_name[:-2]
        with open(os.path.join(region_dir, file_name), 'w') as f:
            f.write(text)
    best = {}
    if len(names) >= 2:
        done = subprocess.run(['sim_c', '-p', '-e', '-s', '-T', f'-r{run}', *sorted(names)],
                              cwd=region_dir, capture_output=True, text=True)
        for line in done.stdout.splitlines():
            match = PERCENT.match(line)
            if not match or match['a'] not in names or match['b'] not in names:
                continue
            pair = tuple(sorted((names[match['a']], names[match['b']])))
            best[pair] = max(best.get(pair, 0), int(match['pct']))
    pairs = []
    for (a, b), percent in sorted(best.items(), key=lambda item: (-item[1], item[0])):
        if percent < threshold:
            continue
        page = None
        if len(pairs) < PAGES:
            page = f'{a}--{b}.html'
            runs = shared_runs(region_dir, f'{a}.c', f'{b}.c', run)
            with open(os.path.join(folder, page), 'w') as f:
                f.write(side_by_side(a, b, sources[a], sources[b], runs, percent))
        pairs.append((percent, a, b, page))
    with open(os.path.join(folder, 'pairs.csv'), 'w', newline='') as f:
        writer = csv.writer(f, lineterminator='\n')
        writer.writerow(['percent', 'student', 'other', 'page'])
        writer.writerows([[pct, a, b, page or ''] for pct, a, b, page in pairs])
    with open(state, 'w') as f:
        json.dump({'key': key, 'pairs': pairs}, f)
    return pairs


def shared_runs(regions, file_a, file_b, run):
    """[(a_first, a_last, b_first, b_last, tokens)] of one pair, 1-based lines."""
    done = subprocess.run(['sim_c', '-n', '-T', f'-r{run}', file_a, file_b],
                          cwd=regions, capture_output=True, text=True)
    runs = []
    for line in done.stdout.splitlines():
        match = RUN_HEADER.match(line)
        if match and {match['a'], match['b']} == {file_a, file_b}:
            a_range = (int(match['a1']), int(match['a2']))
            b_range = (int(match['b1']), int(match['b2']))
            if match['a'] != file_a:
                a_range, b_range = b_range, a_range
            runs.append((*a_range, *b_range, int(match['tokens'])))
    return runs


def _column(text, ranges):
    rows = []
    for number, line in enumerate(text.splitlines(), 1):
        mark = next((index for index, (first, last) in enumerate(ranges) if first <= number <= last), None)
        css = f' class="run run{mark % 6}"' if mark is not None else ''
        rows.append(f'<tr{css}><td class="n">{number}</td><td><code>{html.escape(line)}</code></td></tr>')
    return '<table class="code">' + ''.join(rows) + '</table>'


def side_by_side(a, b, text_a, text_b, runs, percent):
    """One HTML page: the two files, each shared run in the same colour."""
    listing = ''.join(f'<li class="run{index % 6}">{html.escape(a)} lines {a1}-{a2} = '
                      f'{html.escape(b)} lines {b1}-{b2} ({tokens} tokens)</li>'
                      for index, (a1, a2, b1, b2, tokens) in enumerate(runs))
    style = ('body{font-family:sans-serif;margin:1em} .cols{display:flex;gap:1em} .cols>div{flex:1;overflow-x:auto}'
             ' table.code{border-collapse:collapse;font-size:12px} td.n{color:#888;text-align:right;padding-right:.6em}'
             ' code{white-space:pre} .run0{background:#ffe9a8} .run1{background:#c9f0c9} .run2{background:#cfe3ff}'
             ' .run3{background:#f6d0f0} .run4{background:#ffd6c2} .run5{background:#d8d8ff}')
    return ('<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f'<title>{html.escape(a)} and {html.escape(b)}: {percent}% shared</title><style>{style}</style></head>'
            f'<body><h1>{html.escape(a)} and {html.escape(b)}</h1>'
            f'<p>sim_c: {percent}% of one file consists of runs also in the other (the stub\'s lines '
            f'not counted). Shared runs, same colour on both sides:</p><ol>{listing}</ol>'
            f'<div class="cols"><div><h2>{html.escape(a)}</h2>{_column(text_a, [(r[0], r[1]) for r in runs])}</div>'
            f'<div><h2>{html.escape(b)}</h2>{_column(text_b, [(r[2], r[3]) for r in runs])}</div></div>'
            '</body></html>\n')
