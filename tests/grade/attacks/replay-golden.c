// attack: replay of the public golden cases with no scheduler logic: before main, read the case, and when it is one of the public cases (a hash of its text) print the trace the public data gives (the student edition's make check sees the same cases and numbers), else nothing | expect: below-half | base: stub
#define _GNU_SOURCE
#include <stdint.h>
#include <string.h>
#include <unistd.h>

typedef struct {
    uint64_t case_hash;   /* FNV-1a of the case text the judge writes */
    const char *trace;
} KitReplay;

static const KitReplay KIT_REPLAY[] = {
@REPLAY_TABLE@
};

__attribute__((constructor)) static void replay_public_cases(void)
{
    static char text[1 << 20];
    size_t n = 0;
    ssize_t r;
    while (n < sizeof text && (r = read(STDIN_FILENO, text + n, sizeof text - n)) > 0)
        n += (size_t)r;
    uint64_t h = 14695981039346656037ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)text[i]) * 1099511628211ull;
    for (size_t i = 0; i < sizeof KIT_REPLAY / sizeof *KIT_REPLAY; i++)
        if (KIT_REPLAY[i].case_hash == h) {
            const char *t = KIT_REPLAY[i].trace;
            size_t len = strlen(t), done = 0;
            while (done < len && (r = write(STDOUT_FILENO, t + done, len - done)) > 0)
                done += (size_t)r;
            _exit(0);
        }
    _exit(0);
}
