// attack: disk in /tmp and /dev/shm (and /dev, /, the working folder): write 1 MiB files until refused; exit(MiB written) measures what the job got (bound: 16 MiB of /tmp and of /dev/shm) | expect: stub, exit <= 32, nothing left in /tmp or /dev/shm | base: stub
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

__attribute__((constructor)) static void fill_disk(void)
{
    static char block[1 << 20];
    memset(block, 'x', sizeof block);
    signal(SIGXFSZ, SIG_IGN);
    const char *folders[] = {"/tmp", "/dev/shm", ".", "/dev", "/dev/pts", "/", "/var/tmp", "/work"};
    int mib = 0;
    for (size_t f = 0; f < sizeof folders / sizeof *folders; f++) {
        for (int i = 0; i < 256; i++) {
            char path[256];
            snprintf(path, sizeof path, "%s/kit-attack-fill-%zu-%d", folders[f], f, i);
            int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
            if (fd < 0)
                break;
            ssize_t n = write(fd, block, sizeof block);
            close(fd);
            if (n != (ssize_t)sizeof block)
                break;
            mib++;
        }
    }
    _exit(mib > 255 ? 255 : mib);
}
