// attack: patching the comparator in memory: look for the judge's compare functions (dlsym, and the strings of its messages in every mapping of /proc/self/maps), make every mapping writable with mprotect and patch what it finds; exit 42 says a comparator was there | expect: stub | base: stub
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

__attribute__((constructor)) static void patch_comparator(void)
{
    const char *names[] = {"within", "lr_tolerance", "compare_curves", "curve_compare",
                           "run_golden_test", "srunner_run", "ck_assert_failed", "classify"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (dlsym(RTLD_DEFAULT, names[i]) != NULL)
            _exit(42);
    FILE *maps = fopen("/proc/self/maps", "r");
    if (!maps)
        return;
    char line[512];
    /* The judge's message, put together at run time (the literal would be found here). */
    char marker[64];
    snprintf(marker, sizeof marker, "%s %s", "the learning rate", "differs");
    while (fgets(line, sizeof line, maps)) {
        unsigned long lo, hi;
        char perms[8];
        if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perms) != 3 || perms[0] != 'r')
            continue;
        if (strstr(line, "[vvar]") || strstr(line, "[vsyscall]") || strstr(line, "[stack]"))
            continue;
        int made_writable = mprotect((void *)lo, hi - lo, PROT_READ | PROT_WRITE | PROT_EXEC) == 0;
        if (memmem((void *)lo, hi - lo, marker, strlen(marker)) != NULL)
            _exit(42);
        (void)made_writable;
    }
    fclose(maps);
}
