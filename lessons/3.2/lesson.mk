# lessons/3.2/lesson.mk: what mk/lesson.mk and the instructor tools need to
# know about lesson 3.2. Plain variables only.

LESSON_TITLE := Learning rate scheduling

# The files a student edits and submits: the only files taken from SUBMISSION.
STUDENT_FILES := schedulers.c

# Pristine lesson files, always taken from lessons/3.2 (never from SUBMISSION).
LESSON_HEADERS := schedulers.h schedule_factory.h runcase.h
LESSON_PROGRAM := main.c

# Pristine kit sources linked into the lesson program, the runner and the judge.
LESSON_KIT_SOURCES := schedule_factory.c runcase.c
# ... and the one that names the student's functions: never in the judge.
LESSON_STUDENT_KIT_SOURCES := sched_build.c
# The runner's main: the student's schedulers on one case (runcase.h).
LESSON_RUNNER := runner.c

# What the graders grade (the check groups: required schedulers, then the
# extra-credit bonus) is tests/3.2/checks.tsv's, the one catalogue.
