// attack: detached processes left behind: double fork + setsid, the grandchild closes its descriptors and sleeps 10 minutes; the runner goes on as the stub | expect: stub, no process left | base: stub
#define _GNU_SOURCE
#include <unistd.h>

__attribute__((constructor)) static void leave_a_process(void)
{
    pid_t pid = fork();
    if (pid == 0) {
        setsid();
        if (fork() == 0) {
            for (int fd = 0; fd < 64; fd++)
                close(fd);
            sleep(600);
        }
        _exit(0);
    }
}
