// attack: memory spread over many processes: fork as many children as allowed, each mapping address space in 16 MiB pieces until refused (touching the first 16 MiB); exit(total MiB / 64) measures what the job got (bound: processes x address-space cap) | expect: stub, exit <= 64 | base: stub
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

__attribute__((constructor)) static void spread_memory(void)
{
    int report[2];
    if (pipe(report) != 0)
        return;
    int children = 0;
    for (int i = 0; i < 64; i++) {
        pid_t pid = fork();
        if (pid < 0)
            break;
        if (pid == 0) {
            unsigned mib = 0;
            for (int k = 0; k < 256; k++) {
                char *p = mmap(NULL, 16 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
                if (p == MAP_FAILED)
                    break;
                if (k == 0)
                    memset(p, 1, 16 << 20);
                mib += 16;
            }
            (void)!write(report[1], &mib, sizeof mib);
            sleep(600);
            _exit(0);
        }
        children++;
    }
    close(report[1]);
    unsigned long total = 0;
    unsigned mib;
    for (int i = 0; i < children && read(report[0], &mib, sizeof mib) == sizeof mib; i++)
        total += mib;
    _exit((int)(total / 64 > 255 ? 255 : total / 64));
}
