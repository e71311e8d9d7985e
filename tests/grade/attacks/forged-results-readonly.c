// attack: forged or read-only results files: every step the stub runs, write a full-marks results.json (Gradescope format) into every folder it can reach and make it read-only (chmod 0444, and a read-only folder around it), then go on as the stub | expect: stub | base: stub
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void plant(const char *folder)
{
    static const char fake[] = "{\"score\": 48, \"max_score\": 44, \"tests\": [], "
                               "\"extra_data\": {\"status\": \"ok\"}}\n";
    char path[512];
    snprintf(path, sizeof path, "%s/results.json", folder);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0444);
    if (fd >= 0) {
        (void)!write(fd, fake, sizeof fake - 1);
        close(fd);
        chmod(path, 0444);
    }
    snprintf(path, sizeof path, "%s/run", folder);
    mkdir(path, 0755);
    snprintf(path, sizeof path, "%s/run/results.json", folder);
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0444);
    if (fd >= 0) {
        (void)!write(fd, fake, sizeof fake - 1);
        close(fd);
    }
    snprintf(path, sizeof path, "%s/run", folder);
    chmod(path, 0555);
}

__attribute__((constructor)) static void forge_results(void)
{
    const char *folders[] = {".", "/tmp", "/dev/shm", "/work", "/kit", "/", "/runner/..",
                             "@OUT@", "@OUT@/students/forged-results-readonly",
                             "@OUT@/work/forged-results-readonly/run"};
    for (size_t i = 0; i < sizeof folders / sizeof *folders; i++)
        plant(folders[i]);
}
