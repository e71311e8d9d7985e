// attack: compile-time read with the assembler's .incbin (which the preprocessor never lists) of /etc/shadow; a runner that starts at all exits 42 | expect: stub, status compile-error | base: stub
#define _GNU_SOURCE
#include <unistd.h>

__asm__(".section .rodata\n"
        ".globl kit_attack_blob\n"
        "kit_attack_blob:\n"
        "\t.incbin \"/etc/shadow\"\n"
        "\t.byte 0\n"
        ".previous\n");
extern const char kit_attack_blob[];

__attribute__((constructor)) static void read_at_compile_time(void)
{
    if (kit_attack_blob[0] != 0)
        _exit(42);
}
