// attack: markup injected through the runner's output: HTML and Markdown (an image of file:///etc/passwd, a script, a link) on stdout in place of the trace and on stderr, then exit(0) | expect: stub | base: stub
#define _GNU_SOURCE
#include <unistd.h>

__attribute__((constructor)) static void print_markup(void)
{
    static const char text[] =
        "run,epoch,lr,loss,val_loss,last_epoch,best,num_bad_epochs,cooldown_counter\n"
        "<img src=\"file:///etc/passwd\"><script>alert(1)</script>[x](javascript:alert(1))\n"
        "![y](file:///etc/shadow) <iframe src=\"file:///etc/shadow\"></iframe>\n";
    (void)!write(STDOUT_FILENO, text, sizeof text - 1);
    (void)!write(STDERR_FILENO, text, sizeof text - 1);
    _exit(0);
}
