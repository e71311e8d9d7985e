// attack: code before main through an IFUNC resolver (run by the dynamic loader while it relocates, before any constructor and before libc is ready: raw system calls): print a fake trace header and "Score: 44/44", then exit(0) | expect: stub | base: stub
#define _GNU_SOURCE

static long kit_raw_syscall3(long number, long a, long b, long c)
{
    long ret;
    __asm__ volatile("syscall" : "=a"(ret) : "a"(number), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
    return ret;
}

static void real_helper(void) {}

static void (*resolve_helper(void))(void)
{
    static const char text[] = "run,epoch,lr,loss,val_loss,last_epoch,best,num_bad_epochs,"
                               "cooldown_counter\nScore: 44/44\n";
    kit_raw_syscall3(1 /* write */, 1, (long)text, (long)sizeof text - 1);
    kit_raw_syscall3(231 /* exit_group */, 0, 0, 0);
    return real_helper;
}

void kit_attack_helper(void) __attribute__((ifunc("resolve_helper")));
/* A use of the IFUNC, so that the loader must resolve it. */
void (*kit_attack_helper_use)(void) = kit_attack_helper;
