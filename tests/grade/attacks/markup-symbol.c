// attack: markup injected through symbol names: functions whose (quoted) assembler names are HTML and Markdown (an image of file:///etc/passwd, a script, a link), called but never defined, so that the linker names them in its messages | expect: stub, status compile-error, escaped | base: stub
void kit_attack_img(void) __asm__("\"<img src=file:///etc/passwd>\"");
void kit_attack_script(void) __asm__("\"<script>alert(1)</script>[x](javascript:alert(1))\"");
void kit_attack_link(void) __asm__("\"![y](file:///etc/shadow)\"");

void kit_attack_calls(void);
void kit_attack_calls(void)
{
    kit_attack_img();
    kit_attack_script();
    kit_attack_link();
}
