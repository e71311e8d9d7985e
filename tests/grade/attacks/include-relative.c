// attack: #include of the reference solution by a relative ../ path from the build folder and from the kit's headers | expect: stub, status compile-error | base: stub
#include "../../../../../../../../@KITREL@/solutions/3.2/schedulers.c"
