"""goldenlib: what the golden scripts (tools/golden/*.py) share.

Imported by core.py, train.py and lesson.py (a package, not a script, so that
`make golden`, which runs every tools/golden/*.py, does not run it). Importing
it sets torch.set_num_threads(1): every golden number comes from one thread,
so no reduction is split differently from one machine to the next.

  REPO, golden_dir(area)    the repository and tests/golden/<area>
  cpu_capability()          the kernels torch dispatched to ("AVX2", ...)
  torch_package()           the Debian package version of python3-torch
  warn_unless_avx2(script)  a warning on stderr when the kernels are not AVX2's
  cell(v), write_csv(...)   CSV as the C readers expect it
  write_meta(...)           meta.csv: the torch package, CPU capability, threads
"""

import csv
import os
import platform
import re
import subprocess
import sys

import torch

torch.set_num_threads(1)

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))


def golden_dir(area):
    """tests/golden/<area> in the repository (whatever the working folder)."""
    return os.path.join(REPO, "tests", "golden", area)


def cpu_capability():
    """The CPU kernels torch dispatched to: AVX2, AVX512, DEFAULT... ('unknown' if it does not say)."""
    m = re.search(r"CPU capability usage: (\S+)", torch.__config__.show())
    return m.group(1) if m else "unknown"


def torch_package():
    """The version of Debian's python3-torch (dpkg-query), or why there is none."""
    try:
        out = subprocess.run(["dpkg-query", "-W", "python3-torch"], capture_output=True,
                             text=True, check=True).stdout.split()
        return out[1]
    except (OSError, subprocess.CalledProcessError, IndexError):
        return "unknown (not a Debian package)"


def warn_unless_avx2(script):
    """The C core reproduces torch's AVX2 kernels: randn, uniform_, linspace,
    sin and tanh differ in the last bits elsewhere (docs/pytorch-semantics.md, 5.2)."""
    capability = cpu_capability()
    if capability != "AVX2":
        print(f"{script}: warning: torch dispatches to {capability}, not AVX2; the C core "
              "reproduces the AVX2 kernels, so these files would not match it", file=sys.stderr)


def cell(v):
    """One CSV field: text as it is, an int in decimal, any other number as
    repr() of its double (the shortest text that reads back as the very same
    double; a float32 is exact in double, so C's (float)strtod() gives its
    bits back; a diverged value is 'nan', 'inf' or '-inf')."""
    if isinstance(v, str):
        return v
    if isinstance(v, int):
        return str(v)
    return repr(float(v))


def write_csv(path, header, rows):
    """A header line and the rows, every field through cell(), '\\n' line ends. Returns path."""
    with open(path, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows([cell(v) for v in row] for row in rows)
    return path


# What meta.csv can record, by name.
def _meta_facts(script):
    return {
        "torch_package": torch_package(),
        "torch_version": torch.__version__,
        "cpu_capability": cpu_capability(),
        "num_threads": torch.get_num_threads(),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "script": os.path.relpath(os.path.abspath(script), REPO),
    }


META_KEYS = [(name, name) for name in
             ["torch_package", "torch_version", "cpu_capability", "num_threads", "python",
              "machine", "script"]]


def write_meta(out_dir, script, keys=META_KEYS):
    """out_dir/meta.csv (key,value): what made the files next to it. script is
    the calling script's __file__; keys lists (key as written, fact) pairs,
    by default every fact under its own name. Returns the path."""
    facts = _meta_facts(script)
    return write_csv(os.path.join(out_dir, "meta.csv"), ["key", "value"],
                     [(key, facts[fact]) for key, fact in keys])
