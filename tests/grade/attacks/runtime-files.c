// attack: run-time reads of the kit folder (the reference, the hidden checks, the judge), the output folder (gradebook, the seed, classmates' results), the stage's other job folders in /tmp/kit-grade-* (a classmate's schedulers.c) and /etc/shadow; exit 42 says it read one | expect: stub | base: stub
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <glob.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int readable(const char *path)
{
    char byte;
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return 0;
    ssize_t n = read(fd, &byte, 1);
    close(fd);
    return n == 1;
}

__attribute__((constructor)) static void read_at_run_time(void)
{
    const char *files[] = {"@KIT@/solutions/3.2/schedulers.c", "@KIT@/tests/3.2/hidden.c",
                           "@KIT@/build/opt/3.2/judge-instructor/judge", "@OUT@/.grading-seed-in-use",
                           "@OUT@/grading-seed", "@OUT@/gradebook.csv", "@OUT@/work/ref/submission/schedulers.c",
                           "@OUT@/students/ref/results.json", "/etc/shadow", "/etc/passwd",
                           "/root/.bashrc", "/proc/1/root/etc/passwd", "/proc/1/root@KIT@/solutions/3.2/schedulers.c",
                           "/proc/self/cwd/../../../../..@KIT@/solutions/3.2/schedulers.c",
                           "/etc/alternatives/../shadow"};
    for (size_t i = 0; i < sizeof files / sizeof *files; i++)
        if (readable(files[i]))
            _exit(42);
    const char *folders[] = {"@KIT@", "@OUT@", "/work", "/kit/../", "/home", "/root"};
    for (size_t i = 0; i < sizeof folders / sizeof *folders; i++) {
        DIR *d = opendir(folders[i]);
        if (d) {
            int entries = 0;
            while (readdir(d))
                entries++;
            closedir(d);
            if (entries > 2 && strcmp(folders[i], "/kit/../") != 0)
                _exit(42);
        }
    }
    const char *patterns[] = {"/tmp/kit-grade-*", "/tmp/kit-grade-*/job-*/run/schedulers.c",
                              "/var/tmp/kit-grade-*", "/dev/shm/kit-grade-*"};
    for (size_t i = 0; i < sizeof patterns / sizeof *patterns; i++) {
        glob_t g;
        if (glob(patterns[i], 0, NULL, &g) == 0 && g.gl_pathc > 0)
            _exit(42);
        globfree(&g);
    }
}
