// attack: (control) the "found it" signal of the probes reaches the report: before main, read a file every sandbox has (/usr/include/stdio.h) as the probes read secrets, and exit 42 on success; this one must show "exit(42)" | expect: stub, marker seen | base: stub
#define _GNU_SOURCE
#include <fcntl.h>
#include <unistd.h>

__attribute__((constructor)) static void read_what_is_there(void)
{
    char byte;
    int fd = open("/usr/include/stdio.h", O_RDONLY);
    if (fd >= 0 && read(fd, &byte, 1) == 1)
        _exit(42);
}
