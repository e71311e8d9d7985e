// attack: code before main through the .init section (a call placed there with asm, which no constructor list shows): print a fake trace and "Score: 44/44", then _exit(0) | expect: stub | base: stub
#define _GNU_SOURCE
#include <unistd.h>

void kit_attack_from_init(void);
void kit_attack_from_init(void)
{
    static const char text[] = "run,epoch,lr,loss,val_loss,last_epoch,best,num_bad_epochs,"
                               "cooldown_counter\nScore: 44/44\n";
    (void)!write(STDOUT_FILENO, text, sizeof text - 1);
    _exit(0);
}

__asm__(".section .init,\"ax\",@progbits\n"
        "\tcall kit_attack_from_init\n"
        ".previous\n");
