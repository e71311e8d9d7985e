"""reference_lines.py: can a reader read the reference solution in a book?

The tests' own scan (tools/dist/pack.py has its own; the two must agree):
the telling lines of the reference are the lines inside its
BEGIN SOLUTION / END SOLUTION regions that hold at least 12 characters of
code and that the student's stub does not contain. A built book leaks when
its text, as a reader gets it, contains one of them: the HTML with the
markup taken out (syntax highlighting splits a line into many tags), the PDF
as pdftotext reads it. Whitespace is ignored on both sides, because layout
(side-by-side columns, wrapped long lines) moves it around.

Used by tests/book/check_book.py (the student edition) and
tests/grade/run_tests.py (the student tarball).
"""

from __future__ import annotations

import html
import re
import subprocess
from pathlib import Path

TELLING_LENGTH = 12
# What LaTeX's typesetting puts into code lines that the source does not
# have: fvextra's mark at a wrapped line (a hooked arrow, which pdftotext
# reads as ",\u2192"), typographic quotes and minus signs.
PDF_GLYPHS = {",\u2192": "", "\u2192": "", "\u21aa": "", "\u2019": "'", "\u2018": "'", "\u2212": "-",
              "\u201c": '"', "\u201d": '"'}


def telling_lines(root: Path, lesson: str, student_file: str = "schedulers.c") -> list[str]:
    reference = (root / "solutions" / lesson / student_file).read_text()
    stub = {line.strip() for line in (root / "lessons" / lesson / student_file).read_text().splitlines()}
    telling = []
    for region in re.findall(r"BEGIN SOLUTION(.*?)END SOLUTION", reference, re.S):
        for line in region.splitlines()[1:-1]:
            line = line.strip()
            code = re.sub(r"/\*.*?\*/|//.*$", "", line).strip()
            if len(code) >= TELLING_LENGTH and line not in stub and line not in telling:
                telling.append(line)
    return telling


def squeeze(text: str) -> str:
    for glyph, plain in PDF_GLYPHS.items():
        text = text.replace(glyph, plain)
    return re.sub(r"\s+", "", text)


def html_text(path: Path) -> str:
    """The HTML's text: tags out, entities decoded, embedded images dropped."""
    page = path.read_text()
    page = re.sub(r"<(style|script)\b.*?</\1>", "", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", "", page))


def pdf_text(path: Path) -> str:
    done = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"pdftotext {path}: {done.stderr.strip()}")
    return done.stdout


def book_text(path: Path) -> str:
    return pdf_text(path) if path.suffix == ".pdf" else html_text(path) if path.suffix == ".html" else path.read_text()


def leaked(text: str, telling: list[str]) -> list[str]:
    """The telling lines that a reader can read in text."""
    flat = squeeze(text)
    return [line for line in telling if squeeze(line) in flat]
