/* check_alloc.c: common/alloc.c, the kit's one behaviour when memory runs out.
 *
 * alloc_or_exit must hand back zeroed memory, a pointer even for 0 values,
 * and end the process with status 2 (never return NULL) when the memory
 * cannot be had. The last is provoked with a count * size that does not fit
 * in size_t: calloc must refuse it on any machine, at once.
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>

#include "alloc.h"
#include "core_test.h"

START_TEST(test_memory_is_zeroed)
{
    double *values = alloc_or_exit(1000, sizeof *values, "test values");
    for (int i = 0; i < 1000; i++) {
        ck_assert_msg(values[i] == 0.0, "value %d is %g, not 0", i, values[i]);
    }
    free(values);
}
END_TEST

START_TEST(test_zero_values_give_a_pointer)
{
    float *none = alloc_or_exit(0, sizeof *none, "test values");
    ck_assert_ptr_nonnull(none);
    free(none);
}
END_TEST

/* AddressSanitizer would report the impossible calloc itself and abort before
 * alloc_or_exit sees the NULL. ASan reads its default options from this
 * function (a hook it documents; without ASan nothing calls it): let calloc
 * return NULL as it does without ASan, so SANITIZE=1 checks the exit too. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
    return "allocator_may_return_null=1";
}

START_TEST(test_out_of_memory_exits_with_status_2)
{
    (void)alloc_or_exit(SIZE_MAX / 2, 4, "test values");
    ck_abort_msg("alloc_or_exit returned although calloc cannot succeed");
}
END_TEST

static Suite *alloc_suite(void)
{
    Suite *s = suite_create("alloc");
    add_case(s, "memory is zeroed", test_memory_is_zeroed);
    add_case(s, "zero values give a pointer", test_zero_values_give_a_pointer);
    TCase *tc = tcase_create("out of memory exits with status 2");
    tcase_add_exit_test(tc, test_out_of_memory_exits_with_status_2, 2);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return run_suite(alloc_suite());
}
