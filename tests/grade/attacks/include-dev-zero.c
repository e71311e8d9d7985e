// attack: compile-time resources: #include "/dev/zero" (the preprocessor reads forever) | expect: stub, status compile-error | base: stub
#include "/dev/zero"
