// attack: #include of the reference solution by the kit's absolute path (where it is readable, the stub's definitions clash with it and the compiler quotes its lines) | expect: stub, status compile-error | base: stub
#include "@KIT@/solutions/3.2/schedulers.c"
