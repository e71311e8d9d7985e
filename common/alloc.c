/* alloc.c: allocation that ends the program when memory runs out (see alloc.h). */
#include "alloc.h"

#include <stdio.h>
#include <stdlib.h>

void *alloc_or_exit(size_t count, size_t size, const char *what)
{
    void *p = calloc(count > 0 ? count : 1, size > 0 ? size : 1);
    if (p == NULL) {
        fprintf(stderr, "error: out of memory for %zu %s\n", count, what);
        exit(2);
    }
    return p;
}
