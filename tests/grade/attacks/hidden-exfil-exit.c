// attack: a hidden value leaked through the exit status: before main, read the case and exit with a number made from its first lr= value, so that "called exit(N)" in a hidden check's message would tell the hidden rate (the hidden checks' messages must be the same whatever the seed) | expect: stub, hidden messages seed-free | base: stub
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

__attribute__((constructor)) static void leak_by_exit_status(void)
{
    static char text[1 << 16];
    ssize_t n = read(STDIN_FILENO, text, sizeof text - 1);
    if (n <= 0)
        _exit(1);
    text[n] = '\0';
    const char *lr = strstr(text, " lr=");
    double value = lr ? strtod(lr + 4, NULL) : 0;
    _exit(1 + (int)((unsigned long)(value * 1e9) % 250));
}
