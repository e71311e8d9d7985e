#!/bin/sh
# bench-lesson.sh MAKE BUILD LESSON: speed figures for lesson 3.2, no pass/fail.
#
#   1. `make check` cold: a scratch build folder (BUILD/bench-lesson, only
#      this script's), so the core, the grader and the stubs are all compiled;
#   2. `make check` warm: the same again with nothing changed;
#   3. the lesson program's default run (four schedules, 100 epochs) against
#      the same demo in PyTorch, when /usr/bin/python3 imports torch.
# `make check` grades the stubs here, so it exits 1: that is expected.
set -u
make=$1 build=$2 lesson=$3
scratch=$build/bench-lesson
rm -rf "$scratch"

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
# calc EXPR: floating-point arithmetic without bc
calc() { awk "BEGIN { printf \"%.6f\", $1 }"; }

t0=$(now)
$make --no-print-directory check LESSON="$lesson" BUILD="$scratch" >/dev/null 2>&1
t1=$(now)
echo "bench-lesson: make check LESSON=$lesson, cold (core + grader + stubs compiled): $(elapsed "$t0" "$t1") s"

runs=5
t0=$(now)
i=0
while [ $i -lt $runs ]; do
    $make --no-print-directory check LESSON="$lesson" BUILD="$scratch" >/dev/null 2>&1
    i=$((i + 1))
done
t1=$(now)
echo "bench-lesson: make check LESSON=$lesson, warm (nothing changed): $(calc "($t1 - $t0) / $runs" | xargs printf '%.3f') s (mean of $runs)"

$make --no-print-directory "$scratch/opt/$lesson/solutions_$lesson/lesson" BUILD="$scratch" >/dev/null 2>&1
program=$scratch/opt/$lesson/solutions_$lesson/lesson
runs=20
t0=$(now)
i=0
while [ $i -lt $runs ]; do
    "$program" >/dev/null
    i=$((i + 1))
done
t1=$(now)
c_ms=$(calc "($t1 - $t0) * 1000 / $runs")
echo "bench-lesson: lesson program, default run (4 schedules x 100 epochs, 200 samples): $(printf '%.2f' "$c_ms") ms per run (mean of $runs, process included)"

if /usr/bin/python3 -c 'import torch' >/dev/null 2>&1; then
    out=$(/usr/bin/python3 "tests/$lesson/bench_torch_demo.py")
    torch_total_ms=$(echo "$out" | awk '/^process_ms/ { print $2 }')
    torch_train_ms=$(echo "$out" | awk '/^train_ms/ { print $2 }')
    echo "bench-lesson: PyTorch, the same demo: $(printf '%.1f' "$torch_train_ms") ms of training (in-process), $(printf '%.0f' "$torch_total_ms") ms with interpreter start and import torch"
    echo "bench-lesson: ratio PyTorch / C: $(calc "$torch_train_ms / $c_ms" | xargs printf '%.1f')x (training only vs the whole C process), $(calc "$torch_total_ms / $c_ms" | xargs printf '%.0f')x (whole processes)"
else
    echo "bench-lesson: PyTorch not found (scripts/deps.sh torch installs it); no comparison"
fi
rm -rf "$scratch"
