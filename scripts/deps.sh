#!/bin/sh
# deps.sh TIER: install the Debian packages a make target needs, once.
#
#   check  what `make check` needs: a C compiler, make, pkg-config, Check,
#          json-c (grader reports), gnuplot (the overlay plots of a failure)
#          and inotify-tools (`make watch`)
#   book   check + pandoc, a minimal TeX Live and poppler (the book and its tests),
#          clang + lld + wasi-libc (the post's explorer: the core as WebAssembly)
#          and chromium (its browser test, headless)
#   grade  check + bubblewrap (the batch grader's sandbox), pandoc (feedback
#          pages) and similarity-tester (sim_c, the similarity check of `make grade`)
#   test   book + grade + zip/unzip (the Gradescope bundle) and the tools the
#          kit's own tests drive
#   torch  python3-torch: only to regenerate golden data or to benchmark
#          against PyTorch; never needed to build or test
#
# Idempotent: when everything is present it prints nothing and exits at once.
# It uses apt-get as root or through sudo; anywhere else it stops with the
# list of packages to install (README.md gives the brew and dnf names).
set -eu

tier=${1:-check}

# Each line: a Debian package and how to tell it is present.
needs() {
    case $1 in
    check) cat <<'LIST'
gcc command:cc
libc6-dev file:/usr/include/stdio.h
make command:make
pkg-config command:pkg-config
check pkgconfig:check
libjson-c-dev pkgconfig:json-c
gnuplot-nox command:gnuplot
inotify-tools command:inotifywait
LIST
    ;;
    book) needs check; cat <<'LIST'
pandoc command:pandoc
poppler-utils command:pdftotext
texlive-latex-recommended command:pdflatex
texlive-latex-extra file:/usr/share/texlive/texmf-dist/tex/latex/framed/framed.sty
texlive-fonts-recommended file:/usr/share/texlive/texmf-dist/fonts/type1/urw/courier/ucrr8a.pfb
lmodern file:/usr/share/texmf/tex/latex/lm/lmodern.sty
clang command:clang
lld command:wasm-ld
wasi-libc file:/usr/lib/wasm32-wasi/libc.a
libclang-rt-14-dev-wasm32 file:/usr/lib/llvm-14/lib/clang/14.0.6/lib/wasi/libclang_rt.builtins-wasm32.a
chromium command:chromium
LIST
    ;;
    grade) needs check; cat <<'LIST'
bubblewrap command:bwrap
pandoc command:pandoc
similarity-tester command:sim_c
LIST
    ;;
    test) needs book; needs grade; cat <<'LIST'
zip command:zip
unzip command:unzip
patch command:patch
python3 command:python3
LIST
    ;;
    torch) cat <<'LIST'
python3-torch file:/usr/lib/python3/dist-packages/torch/__init__.py
LIST
    ;;
    *) echo "deps.sh: unknown tier '$1' (check, book, grade, test, torch)" >&2; exit 2 ;;
    esac
}

present() {
    kind=${1%%:*}; what=${1#*:}
    case $kind in
    command) command -v "$what" >/dev/null 2>&1 ;;
    pkgconfig) pkg-config --exists "$what" 2>/dev/null ;;
    file) [ -e "$what" ] ;;
    esac
}

missing=$(needs "$tier" | sort -u | while read -r pkg probe; do
    present "$probe" || printf '%s ' "$pkg"
done)
[ -z "$missing" ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
    echo "deps: please install these packages (Debian names; README.md lists brew and dnf names): $missing" >&2
    exit 1
fi
if [ "$(id -u)" -eq 0 ]; then
    sudo=
elif command -v sudo >/dev/null 2>&1; then
    sudo=sudo
else
    echo "deps: not root and no sudo; please run as root: apt-get install $missing" >&2
    exit 1
fi

echo "deps: installing $missing(for 'make ${tier}')"
export DEBIAN_FRONTEND=noninteractive
# A fresh machine has no package lists yet; refresh them once a day at most.
if [ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' -mtime -1 2>/dev/null | head -n 1)" ]; then
    $sudo apt-get update -qq
fi
# shellcheck disable=SC2086
$sudo apt-get install -y -qq --no-install-recommends $missing >/dev/null
echo "deps: done"
