#!/bin/sh
# setup.sh: Gradescope runs this once, as root, when it builds the
# autograder's image. It installs the Debian packages the kit needs to build
# and run its graders (the kit's own scripts/deps.sh, tier "grade": bubblewrap too), Python 3
# for the batch grader, and then grades the reference solution once: that
# builds the core and the reference grader (so every submission only
# compiles its own file), and proves the image grades. If the reference does
# not get full marks with status ok, the image build fails here, not on the
# first student's submission.
set -eu
root=${AUTOGRADER_ROOT:-/autograder}
cd "$root/source"

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
command -v python3 >/dev/null 2>&1 || apt-get install -y -qq --no-install-recommends python3 >/dev/null
scripts/deps.sh grade
chmod +x run_autograder scripts/*.sh
if [ "$(cd "$root" && pwd -P)" != "$(cd "$root/source" && pwd -P)" ]; then
    cp run_autograder "$root/run_autograder"
fi

# Warm the build and prove it: the reference solution, graded once.
warm=$(mktemp -d /tmp/kit-warmup.XXXXXX)
mkdir -p "$warm/submission"
ln -s "$root/source" "$warm/source"
lesson=$(cat LESSON)
student_file=$(sed -n 's/^STUDENT_FILES *:*= *//p' "lessons/$lesson/lesson.mk")
cp "solutions/$lesson/$student_file" "$warm/submission/"
AUTOGRADER_ROOT=$warm ./run_autograder >"$warm/log" 2>&1
if ! /usr/bin/python3 - "$warm/results/results.json" <<'PY'
import json, sys
data = json.load(open(sys.argv[1]))
ok = data.get('extra_data', {}).get('status') == 'ok' and data.get('score', 0) >= data.get('max_score', 1) > 0
print(f"setup.sh: warm-up graded the reference {data.get('score')}/{data.get('max_score')} "
      f"({data.get('extra_data', {}).get('status')})")
sys.exit(0 if ok else 1)
PY
then
    echo 'setup.sh: the reference solution does not get full marks: this image cannot grade' >&2
    cat "$warm/log" >&2
    exit 1
fi
rm -rf "$warm"
