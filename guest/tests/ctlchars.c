/*
 * ctlchars: guest output is shown, not obeyed. Prints one line on COM1 and
 * one on the debug port 0xE9 holding C0 controls (ESC [2J, BEL, a CR in
 * mid-line, BS, DEL), C1 controls (0x9B = CSI and 0x9D = OSC for a terminal
 * not in UTF-8 mode, 0x9C, 0x85, 0x80, 0x9F) and UTF-8 text ("café"); then
 * one through the console hypercall. The integration test checks the exact
 * sanitised lines: controls as '?', the CR dropped, the text intact.
 */
#include "guest.h"

static const char line[] =
    "ctl: C0 [\x1b[2J\x07 mid\rline\x08\x7f] C1 [\x9b" "2J\x9d" "0;t\x9c\x85\x80\x9f] "
    "text [caf\xc3\xa9]";

int main(uint32_t magic, struct mb1_info *info)
{
    (void)magic;
    (void)info;
    test_begin("ctlchars");

    printf("%s com1\n", line);
    for (const char *p = line; *p; p++)
        outb(0xE9, (uint8_t)*p);
    for (const char *p = " e9\n"; *p; p++)
        outb(0xE9, (uint8_t)*p);

    static const char hc[] = "ctl: hypercall [\x1b[31m\x9b" "31m]\n";
    int32_t ret;
    __asm__ volatile("vmcall" : "=a"(ret)
                     : "a"(HC_CONSOLE_WRITE), "b"((uint32_t)(uintptr_t)hc), "c"(sizeof(hc) - 1)
                     : "memory");
    check(ret == 0, "console hypercall returned %d", ret);
    return test_end();
}
