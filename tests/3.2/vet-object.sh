#!/bin/sh
# vet-object.sh RAW.o OUT.o SYMBOLS [sanitize]: make a submission's object
# safe to link into a grader.
#
#   - no constructors or destructors (.init_array, .ctors, ...): they would
#     run in the grader's own process, outside Check's forked tests; with
#     SANITIZE=1 the sanitizers add their own, so the check is skipped;
#   - every global symbol except the scheduler API (SYMBOLS, one a line)
#     becomes local, so a helper the student forgot to make static can
#     neither clash with nor replace a function of the grader, Check or libc.
set -eu
raw=$1 out=$2 symbols=$3 sanitize=${4:-0}

if [ "$sanitize" != 1 ]; then
    sections=$(objdump -h "$raw" | awk '{ print $2 }' |
        grep -E '^\.(init_array|fini_array|preinit_array|ctors|dtors)' || true)
    if [ -n "$sections" ]; then
        echo "schedulers.c: constructors and destructors are not allowed (found $(echo $sections))" >&2
        exit 1
    fi
fi
# The instructor grader links the reference as ref_*_init: a submission must
# not call it.
if nm -u "$raw" | awk '{ print $NF }' | grep -q '^ref_'; then
    echo "schedulers.c: calls a function named ref_*: the graders reserve that prefix" >&2
    exit 1
fi
objcopy --keep-global-symbols="$symbols" "$raw" "$out"
