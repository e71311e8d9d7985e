// attack: compile-time read with the assembler's .include of the reference solution, the hidden checks and /etc/passwd: where it can read them, the assembler's errors would quote their lines into the compiler messages | expect: stub, status compile-error | base: stub
__asm__(".include \"@KIT@/solutions/3.2/schedulers.c\"\n"
        ".include \"@KIT@/tests/3.2/hidden.c\"\n"
        ".include \"/etc/passwd\"\n");
