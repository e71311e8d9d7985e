// attack: run-time read of the seed from environments: /proc/self/environ (keeps what unsetenv removed), /proc/1/environ and every /proc/*/environ and cmdline it can open, looking for GRADING_SEED and the seed's digits; exit 42 says it found one | expect: stub | base: stub
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int holds_seed(const char *path)
{
    static char buf[1 << 16];
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return 0;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return 0;
    char name[32], digits[32];
    snprintf(name, sizeof name, "%s_%s", "GRADING", "SEED");   /* not a literal of this image */
    snprintf(digits, sizeof digits, "%s", "@SEED@");
    return memmem(buf, (size_t)n, name, strlen(name)) || memmem(buf, (size_t)n, digits, strlen(digits)) ||
           memmem(buf, (size_t)n, "KIT_", 4);
}

__attribute__((constructor)) static void read_environments(void)
{
    if (getenv("GRADING_SEED") || holds_seed("/proc/self/environ") || holds_seed("/proc/1/environ"))
        _exit(42);
    DIR *proc = opendir("/proc");
    if (!proc)
        return;
    for (struct dirent *d; (d = readdir(proc));) {
        char path[300];
        snprintf(path, sizeof path, "/proc/%s/environ", d->d_name);
        if (holds_seed(path))
            _exit(42);
        snprintf(path, sizeof path, "/proc/%s/cmdline", d->d_name);
        if (holds_seed(path))
            _exit(42);
    }
    closedir(proc);
}
