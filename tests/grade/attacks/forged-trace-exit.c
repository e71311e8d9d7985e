// attack: forged pass from inside the runner: before main, print a fake trace header, PASS lines and "Score: 44/44", write results.json and done markers wherever it can, then _exit(0) | expect: stub | base: stub
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void forge_everywhere(void)
{
    static const char fake[] =
        "{\"score\": 44, \"max_score\": 44, \"tests\": [{\"name\": \"constant/lr\", \"score\": 1,"
        " \"max_score\": 1, \"status\": \"passed\", \"output\": \"\"}]}\n";
    const char *places[] = {"results.json", "/work/results.json", "/kit/results.json",
                            "/tmp/results.json", "/dev/shm/results.json", "/results.json",
                            "/run/results.json", "done", "/tmp/done", "/work/run/results.json"};
    for (size_t i = 0; i < sizeof places / sizeof *places; i++) {
        int fd = open(places[i], O_WRONLY | O_CREAT | O_TRUNC, 0444);
        if (fd >= 0) {
            (void)!write(fd, fake, sizeof fake - 1);
            close(fd);
        }
    }
}

__attribute__((constructor)) static void forged_pass(void)
{
    static const char text[] =
        "run,epoch,lr,loss,val_loss,last_epoch,best,num_bad_epochs,cooldown_counter\n"
        "  PASS  constant/lr              keeps the initial rate                1/1\n"
        "Score: 44/44\nBonus (warmup_cosine, extra credit): 4/4\n";
    forge_everywhere();
    (void)!write(STDOUT_FILENO, text, sizeof text - 1);
    (void)!write(STDERR_FILENO, text, sizeof text - 1);
    _exit(0);
}
