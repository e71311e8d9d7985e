#!/bin/sh
# vet-object.sh RAW.o OUT.o SYMBOLS: make a submission's object link cleanly
# into its runner.
#
# Every global symbol except the scheduler API (SYMBOLS, one a line) becomes
# local, so a helper the student forgot to make static can neither clash with
# nor replace a function of the training core or libc. This is about
# correctness, not trust: the runner holds nothing a submission could abuse
# (no reference, no golden data, no seed, no output path), and whatever the
# object does there, constructors included, can only change its own trace
# (tests/3.2/README.md).
set -eu
raw=$1 out=$2 symbols=$3
objcopy --keep-global-symbols="$symbols" "$raw" "$out"
