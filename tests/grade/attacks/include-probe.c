// attack: compile-time probe with __has_include of everything secret (the reference, the hidden checks, the judge, the output folder, the seed, /etc/shadow, a classmate's file; directly and through the links of /proc and /etc/alternatives): if any is there, the runner exits 42 | expect: stub | base: stub
#define _GNU_SOURCE
#include <unistd.h>

#if __has_include("@KIT@/solutions/3.2/schedulers.c") || __has_include("@KIT@/tests/3.2/hidden.c") \
    || __has_include("../../../../../../../../@KITREL@/solutions/3.2/schedulers.c") \
    || __has_include("@KIT@/build/opt/3.2/judge-instructor/judge") \
    || __has_include("@OUT@/.grading-seed-in-use") || __has_include("@OUT@/gradebook.csv") \
    || __has_include("/etc/shadow") || __has_include("/etc/passwd") \
    || __has_include("@OUT@/work/ref/submission/schedulers.c") || __has_include("/root/.bashrc") \
    || __has_include("/proc/1/root@KIT@/solutions/3.2/schedulers.c") \
    || __has_include("/proc/self/cwd/../../../../../../..@KIT@/solutions/3.2/schedulers.c") \
    || __has_include("/proc/self/root/etc/shadow") || __has_include("/etc/alternatives/../shadow")
#define KIT_ATTACK_FOUND 1
#else
#define KIT_ATTACK_FOUND 0
#endif

__attribute__((constructor)) static void probe_at_compile_time(void)
{
    if (KIT_ATTACK_FOUND)
        _exit(42);
}
