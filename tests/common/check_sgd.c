/* check_sgd.c: common/sgd.c against torch.optim.SGD, bit for bit.
 *
 * sgd.csv (tools/golden/train.py) holds, for a few (momentum, lr) cases, one
 * 67-float parameter and its fixed gradients step by step, with torch's
 * parameter (and momentum buffer) after every step.
 */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core_test.h"
#include "sgd.h"

enum { N = 67, MAX_STEPS = 8 };

/* One case of sgd.csv: the settings and every tensor by step. */
typedef struct {
    double momentum, lr;
    int steps;
    float start[N];
    float grad[MAX_STEPS][N], param[MAX_STEPS][N], buf[MAX_STEPS][N];
} SgdCase;

/* Reads case `id`; returns false when the file has no such case. */
static bool read_case(const CsvTable *t, int id, SgdCase *c)
{
    const int case_col = golden_column(t, "case"), step_col = golden_column(t, "step");
    const int tensor_col = golden_column(t, "tensor"), index_col = golden_column(t, "index");
    const int value_col = golden_column(t, "value");
    bool found = false;
    memset(c, 0, sizeof *c);
    for (int r = 0; r < t->rows; r++) {
        if ((int)csv_table_number(t, r, case_col) != id) {
            continue;
        }
        found = true;
        c->momentum = csv_table_number(t, r, golden_column(t, "momentum"));
        c->lr = csv_table_number(t, r, golden_column(t, "lr"));
        const int step = (int)csv_table_number(t, r, step_col);
        const int i = (int)csv_table_number(t, r, index_col);
        const float v = (float)csv_table_number(t, r, value_col);
        const char *tensor = csv_table_text(t, r, tensor_col);
        ck_assert_msg(step < MAX_STEPS && i < N, "sgd.csv: unexpected step %d index %d", step, i);
        if (step < 0) {
            c->start[i] = v;
        } else if (strcmp(tensor, "grad") == 0) {
            c->grad[step][i] = v;
        } else if (strcmp(tensor, "param") == 0) {
            c->param[step][i] = v;
        } else {
            c->buf[step][i] = v;
        }
        c->steps = step + 1 > c->steps ? step + 1 : c->steps;
    }
    return found;
}

/* Replays every case of sgd.csv with the given momentum setting (0 or not)
 * and compares each step; returns how many cases ran. */
static int replay_cases(bool with_momentum)
{
    CsvTable t = golden_table("sgd.csv");
    static SgdCase c;
    int ran = 0;
    for (int id = 0; read_case(&t, id, &c); id++) {
        if ((c.momentum != 0.0) != with_momentum) {
            continue;
        }
        float param[N], grad[N];
        memcpy(param, c.start, sizeof param);
        Sgd opt;
        sgd_init(&opt, c.momentum);
        ck_assert_int_eq(sgd_add_param(&opt, param, grad, N), 0);
        for (int step = 0; step < c.steps; step++) {
            memcpy(grad, c.grad[step], sizeof grad);
            sgd_step(&opt, c.lr);
            for (int i = 0; i < N; i++) {
                if (with_momentum) {
                    ck_assert_msg(same_float(opt.params[0].velocity[i], c.buf[step][i]),
                                  "momentum %g, step %d, buffer[%d]: expected %.9g got %.9g (first "
                                  "step buf = grad; then buf = (float)momentum * buf, rounded, + grad)",
                                  c.momentum, step, i, (double)c.buf[step][i],
                                  (double)opt.params[0].velocity[i]);
                }
                ck_assert_msg(same_float(param[i], c.param[step][i]),
                              "momentum %g, lr %g, step %d, param[%d]: expected %.9g got %.9g "
                              "(torch: fmaf((float)(-lr), direction, param))", c.momentum, c.lr,
                              step, i, (double)c.param[step][i], (double)param[i]);
            }
        }
        sgd_free(&opt);
        ran++;
    }
    csv_table_free(&t);
    return ran;
}

START_TEST(test_plain_step_equals_torch)
{
    ck_assert_msg(replay_cases(false) >= 2, "sgd.csv must hold plain SGD cases");
}
END_TEST

START_TEST(test_momentum_equals_torch)
{
    ck_assert_msg(replay_cases(true) >= 2, "sgd.csv must hold momentum cases");
}
END_TEST

START_TEST(test_golden_tells_fused_from_unfused)
{
    /* The plain-SGD goldens only prove the fused update if rounding the
     * product first would have given a different parameter somewhere. */
    CsvTable t = golden_table("sgd.csv");
    static SgdCase c;
    int differ = 0;
    for (int id = 0; read_case(&t, id, &c); id++) {
        if (c.momentum != 0.0) {
            continue;
        }
        const float alpha = (float)(-c.lr);
        for (int i = 0; i < N; i++) {
            const float product = alpha * c.grad[0][i];
            const float unfused = c.start[i] + product;
            differ += !same_float(unfused, c.param[0][i]) && same_float(fmaf(alpha, c.grad[0][i], c.start[i]), c.param[0][i]);
        }
    }
    ck_assert_msg(differ > 0, "no value in sgd.csv separates fused from unfused updates");
    csv_table_free(&t);
}
END_TEST

START_TEST(test_zero_rate_changes_nothing)
{
    float param[3] = { 1.5f, -2.0f, 0.125f }, grad[3] = { 10.0f, -3.0f, 7.0f };
    Sgd opt;
    sgd_init(&opt, 0.0);
    sgd_add_param(&opt, param, grad, 3);
    sgd_step(&opt, 0.0);
    ck_assert_msg(param[0] == 1.5f && param[1] == -2.0f && param[2] == 0.125f,
                  "lr 0 must leave the parameters as they are");
    sgd_free(&opt);
}
END_TEST

START_TEST(test_step_moves_against_the_gradient)
{
    float param[2] = { 0.0f, 0.0f }, grad[2] = { 2.0f, -4.0f };
    Sgd opt;
    sgd_init(&opt, 0.0);
    sgd_add_param(&opt, param, grad, 2);
    sgd_step(&opt, 0.5);
    ck_assert_msg(param[0] == -1.0f && param[1] == 2.0f,
                  "p -= lr * g: expected (-1, 2), got (%g, %g)", (double)param[0], (double)param[1]);
    sgd_free(&opt);
}
END_TEST

START_TEST(test_momentum_accumulates)
{
    /* A constant gradient g with momentum m: buffers g, (1+m)g, (1+m+m^2)g. */
    float param[1] = { 0.0f }, grad[1] = { 1.0f };
    Sgd opt;
    sgd_init(&opt, 0.5);
    sgd_add_param(&opt, param, grad, 1);
    const float expected[3] = { 1.0f, 1.5f, 1.75f };
    float moved = 0.0f;
    for (int step = 0; step < 3; step++) {
        sgd_step(&opt, 1.0);
        moved += expected[step];
        ck_assert_msg(opt.params[0].velocity[0] == expected[step],
                      "step %d: buffer %g, expected %g", step, (double)opt.params[0].velocity[0],
                      (double)expected[step]);
        ck_assert_msg(param[0] == -moved, "step %d: param %g, expected %g", step, (double)param[0],
                      (double)-moved);
    }
    sgd_free(&opt);
}
END_TEST

START_TEST(test_registration_limits)
{
    float p[1], g[1];
    Sgd plain, heavy;
    sgd_init(&plain, 0.0);
    sgd_init(&heavy, 0.9);
    for (int k = 0; k < SGD_MAX_PARAMS; k++) {
        ck_assert_int_eq(sgd_add_param(&plain, p, g, 1), 0);
    }
    ck_assert_msg(sgd_add_param(&plain, p, g, 1) == -1, "a ninth tensor must be refused with -1");
    ck_assert_msg(plain.params[0].velocity == NULL, "plain SGD keeps no momentum buffer");
    ck_assert_int_eq(sgd_add_param(&heavy, p, g, 1), 0);
    ck_assert_msg(heavy.params[0].velocity != NULL, "momentum SGD allocates its buffer");
    sgd_free(&plain);
    sgd_free(&heavy);
}
END_TEST

static Suite *sgd_suite(void)
{
    Suite *s = suite_create("sgd");
    add_case(s, "plain step equals torch", test_plain_step_equals_torch);
    add_case(s, "momentum equals torch", test_momentum_equals_torch);
    add_case(s, "golden separates fused from unfused", test_golden_tells_fused_from_unfused);
    add_case(s, "zero rate", test_zero_rate_changes_nothing);
    add_case(s, "step direction", test_step_moves_against_the_gradient);
    add_case(s, "momentum accumulates", test_momentum_accumulates);
    add_case(s, "registration limits", test_registration_limits);
    return s;
}

int main(void)
{
    return run_suite(sgd_suite());
}
