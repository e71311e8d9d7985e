/* demo.h: one run of the lesson's experiment, set up as the reference program
 * (docs/pytorch-reference-program.md) sets it up.
 *
 * Every run starts afresh from its seed, so every schedule trains on the same
 * data from the same initial weights:
 *
 *   torch.manual_seed(seed)
 *   X = torch.linspace(-1, 1, n).unsqueeze(1); y = ...      dataset_linear / dataset_sine
 *   is_val = torch.arange(n) % k == k - 1                    dataset_split
 *   model = nn.Linear(1, 1), or Linear -> Tanh -> Linear     model_init_linear / model_init_mlp
 *
 * demo_run_init does these steps; the caller then builds its scheduler and
 * hands everything to train() (train.h), with the run's generator, which
 * draws the mini-batch orders from where the initialisation left it:
 *
 *   DemoRun run;
 *   demo_run_init(&run, &settings);
 *   status = train(&run.model, &run.train_set, &run.val_set, sched, &settings.train,
 *                  &run.g, &curve);
 *   demo_run_free(&run);
 *
 * The lesson program (lessons/3.2/main.c) and the graders (tests/3.2/cases.c)
 * both run the experiment this way.
 */
#ifndef KIT_DEMO_H
#define KIT_DEMO_H

#include <stdbool.h>

#include "data.h"
#include "rng.h"
#include "train.h"

typedef struct {
    int seed;           /* torch.manual_seed(seed) */
    int samples;        /* data points, before the split */
    bool sine;          /* y = sin(3x) + 0.1 noise; false: y = 2x + 1 + 0.2 noise */
    int val_every;      /* K >= 2: every K-th sample is validation; 0 or 1: none */
    bool mlp;           /* Linear(1, width) -> tanh -> Linear(width, 1); false: Linear(1, 1) */
    int width;          /* the MLP's hidden width */
    TrainConfig train;  /* epochs, batch size, momentum, the loss the scheduler watches */
} DemoSettings;

typedef struct {
    Generator g;        /* the run's generator, just after the initialisation */
    Dataset all;        /* every sample, in order */
    Dataset train_set;  /* the training samples (all of them without validation) */
    Dataset val_set;    /* the validation samples; n == 0 without validation */
    Model model;        /* freshly initialised */
} DemoRun;

/* Seeds run->g, builds the data, splits it and initialises the model, in the
 * reference program's order. Out of memory ends the program (data.h, model.h). */
void demo_run_init(DemoRun *run, const DemoSettings *s);
void demo_run_free(DemoRun *run);

#endif
