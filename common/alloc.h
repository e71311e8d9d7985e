/* alloc.h: the kit's one behaviour when memory runs out.
 *
 * The datasets (data.h) and the models (model.h) are made by functions that
 * return them ready to use; a lesson program can do nothing sensible without
 * them, and a caller that had to check every one would mostly print the
 * same line and stop. So they allocate through alloc_or_exit, which does
 * exactly that for them: one line on stderr,
 *
 *     error: out of memory for 400 dataset values
 *
 * and exit status 2, the status the lesson program uses for every error that
 * stops it.
 *
 * The training loop (train.h) and curves (curve.h) report running out of
 * memory to their caller instead (they return -1): a curve read by the
 * graders or a run inside a test can then fail on its own, with its own
 * message. The lesson program turns that -1 into the same exit status 2.
 */
#ifndef KIT_ALLOC_H
#define KIT_ALLOC_H

#include <stddef.h>

/* count values of size bytes each, zeroed (calloc); at least one value, so
 * count 0 still gives a pointer to free. Never NULL: out of memory (or a
 * count * size that does not fit in size_t) prints
 * "error: out of memory for <count> <what>" on stderr and exits with status 2. */
void *alloc_or_exit(size_t count, size_t size, const char *what);

#endif
