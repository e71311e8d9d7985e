#!/bin/sh
# setup.sh: Gradescope runs this once, as root, when it builds the
# autograder's image. It installs the Debian packages the kit needs to build
# and run its graders (the kit's own scripts/deps.sh, tier "grade": bubblewrap too), Python 3
# for the batch grader, and then builds the reference grader once so that
# every submission only compiles its own file.
set -eu
root=${AUTOGRADER_ROOT:-/autograder}
cd "$root/source"

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
command -v python3 >/dev/null 2>&1 || apt-get install -y -qq --no-install-recommends python3 >/dev/null
scripts/deps.sh grade
chmod +x run_autograder scripts/*.sh
cp run_autograder "$root/run_autograder" 2>/dev/null || true

# Warm the build: the core library and the reference grader, graded once.
mkdir -p /tmp/kit-warmup/submission
ln -s "$root/source" /tmp/kit-warmup/source
cp "solutions/$(cat LESSON)/$(sed -n 's/^STUDENT_FILES *:*= *//p' "lessons/$(cat LESSON)/lesson.mk")" \
    /tmp/kit-warmup/submission/
AUTOGRADER_ROOT=/tmp/kit-warmup ./run_autograder >/dev/null 2>&1 || true
rm -rf /tmp/kit-warmup
