// attack: #include of the hidden checks (tests/3.2/hidden.c) by the kit's absolute path | expect: stub, status compile-error | base: stub
#include "@KIT@/tests/3.2/hidden.c"
