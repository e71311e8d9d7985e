/* demo.c: one run of the lesson's experiment, set up (see demo.h). */
#include "demo.h"

#include <stdint.h>

void demo_run_init(DemoRun *run, const DemoSettings *s)
{
    rng_manual_seed(&run->g, (uint64_t)s->seed);
    run->all = s->sine ? dataset_sine(&run->g, s->samples) : dataset_linear(&run->g, s->samples, NULL);
    dataset_split(&run->all, s->val_every, &run->train_set, &run->val_set);
    if (s->mlp) {
        model_init_mlp(&run->model, &run->g, 1, s->width, 1);
    } else {
        model_init_linear(&run->model, &run->g, 1, 1);
    }
}

void demo_run_free(DemoRun *run)
{
    model_free(&run->model);
    dataset_free(&run->val_set);
    dataset_free(&run->train_set);
    dataset_free(&run->all);
}
