/*
 * reset: asks the platform to reset the machine. The hypervisor stops the
 * guest and reports "reset" in its summary.
 *
 * The method is a word on the command line (module2 ... -- METHOD):
 *   kbc     (default) the i8042 command 0xFE, pulse the CPU reset line: 0x64 <- 0xFE
 *   cf9     the reset control register: 0xCF9 <- 0x02, then 0x06 (SYS_RST | RST_CPU)
 *   port92  system control port A: bit 0 from 0 to 1 (fast reset)
 * If the write returns, "FAIL reset: still running after the reset request".
 */
#include "guest.h"

int main(uint32_t magic, struct mb1_info *info)
{
    const char *cmdline = "";
    test_begin("reset");
    if (magic == MB1_BOOTLOADER_MAGIC && (info->flags & MB1_INFO_CMDLINE))
        cmdline = (const char *)(uintptr_t)info->cmdline;

    if (has_word(cmdline, "cf9")) {
        note("writing 0x02, then 0x06 to port 0xCF9");
        outb(0xCF9, 0x02);
        outb(0xCF9, 0x06);
    } else if (has_word(cmdline, "port92")) {
        uint8_t v = inb(0x92);
        note("port 0x92 reads 0x%02x; setting bit 0 (fast reset)", v);
        outb(0x92, (uint8_t)(v & ~1u));
        outb(0x92, (uint8_t)(v | 1u));
    } else {
        uint8_t status = inb(0x64);
        note("i8042 status 0x%02x; writing 0xFE to port 0x64", status);
        outb(0x64, 0xFE);
    }
    printf("FAIL reset: still running after the reset request\n");
    return 1;
}
