"""browser.py: the book's HTML in a real browser (Debian's headless Chromium).

measure(html, width) loads a copy of the page at a window `width` px wide,
with a small script added at the end of its body that, once the page has
loaded, lists every element that overflows: one whose content is wider than
its box (a code block, table or formula that would be cut off or need its
own scroll bar), one that reaches outside the window (the page would scroll
sideways), and whether the page as a whole is wider than the window. The
script writes its findings, as JSON, into the page; Chromium's --dump-dom
prints the page after a virtual-time budget, and measure() reads them back.

screenshot(html, width, png) saves what a reader sees, for looking at.

Chromium runs with a fresh profile each time, no sandbox (the tests run as
root in CI), no GPU, none of its background network services, and /tmp
instead of /dev/shm (a container's /dev/shm is often too small).
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--hide-scrollbars", "--disable-dev-shm-usage"]

# Runs after load; ignores elements that are not rendered. An element is
# reported once, not again for each of its children.
PROBE = r"""
<script>
window.addEventListener('load', function () {
  var vw = document.documentElement.clientWidth, found = [], seen = [];
  function name(e) {
    var s = e.tagName.toLowerCase();
    if (e.id) s += '#' + e.id;
    if (typeof e.className === 'string' && e.className) s += '.' + e.className.trim().split(/\s+/).join('.');
    return s;
  }
  function inside(e) { for (var i = 0; i < seen.length; i++) if (seen[i].contains(e)) return true; return false; }
  var all = document.body.getElementsByTagName('*');
  for (var i = 0; i < all.length; i++) {
    var e = all[i];
    if (e.id === 'overflow-report' || inside(e)) continue;
    var r = e.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue;
    var cs = getComputedStyle(e);
    var scrolls = cs.overflowX !== 'visible' && e.scrollWidth > e.clientWidth + 1;
    var outside = r.right > vw + 1 || r.left < -1;
    if (scrolls || outside) {
      seen.push(e);
      found.push({element: name(e), left: Math.round(r.left), right: Math.round(r.right),
                  scroll_width: e.scrollWidth, client_width: e.clientWidth,
                  text: (e.textContent || '').replace(/\s+/g, ' ').trim().slice(0, 80)});
    }
  }
  var host = window.parent.document;   // the framing page (or the page itself)
  var report = host.createElement('pre');
  report.id = 'overflow-report';
  report.textContent = JSON.stringify({viewport: vw, page_width: document.documentElement.scrollWidth,
                                       elements: found});
  host.body.appendChild(report);
});
</script>
"""


def chromium() -> str:
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    raise FileNotFoundError("no chromium (scripts/deps.sh test installs Debian's chromium)")


def run(args: list[str], timeout: int = 120) -> subprocess.CompletedProcess[str]:
    """Chromium with these arguments, a fresh profile and CHROMIUM_FLAGS."""
    with tempfile.TemporaryDirectory(prefix="book-chromium-") as profile:
        return subprocess.run([chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
                              capture_output=True, text=True, timeout=timeout)


def framed(html_text: str, width: int) -> str:
    """A page that shows html_text in a frame `width` px wide: headless
    Chromium's window is at least 500 px wide, a phone's is narrower. The
    frame's document (srcdoc: same origin as the page) writes its report
    into the page, which --dump-dom prints."""
    return ("<!DOCTYPE html><html><head><meta charset=\"utf-8\"></head>"
            "<body style=\"margin:0\"><iframe id=\"frame\" style=\"border:0;width:"
            f"{width}px;height:2000px\" srcdoc=\"{html.escape(html_text, quote=True)}\"></iframe></body></html>")


def measure(html_text: str, width: int, workdir: Path, extra_body: str = "") -> dict[str, Any]:
    """The overflow report of the page at `width` px: viewport, page_width, elements."""
    page = workdir / f"probe-{width}.html"
    body_end = html_text.rindex("</body>")
    page.write_text(framed(html_text[:body_end] + extra_body + PROBE + html_text[body_end:], width))
    res = run([f"--window-size={max(width, 500) + 40},2000", "--virtual-time-budget=10000", "--dump-dom",
                page.as_uri()])
    m = re.search(r'<pre id="overflow-report">(.*?)</pre>', res.stdout, re.S)
    if not m:
        raise RuntimeError(f"chromium wrote no report (exit {res.returncode}): {res.stderr.strip()[-300:]}")
    report: dict[str, Any] = json.loads(m.group(1).replace("&lt;", "<").replace("&gt;", ">")
                                        .replace("&quot;", '"').replace("&amp;", "&"))
    return report


def screenshot(html_text: str, width: int, png: Path, workdir: Path, height: int = 2000) -> None:
    page = workdir / f"shot-{width}.html"
    page.write_text(framed(html_text, width).replace("height:2000px", f"height:{height}px"))
    run([f"--window-size={max(width, 500)},{height}", "--virtual-time-budget=10000", f"--screenshot={png}",
          page.as_uri()])
