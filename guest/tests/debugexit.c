/*
 * debugexit: ending a guest through port 0xF4 (QEMU's isa-debug-exit).
 * Prints its lines, then writes 0x21 to port 0xF4: the hypervisor stops
 * the guest with exit status (0x21 << 1) | 1 = 67. Any line after that
 * is a failure.
 */
#include "guest.h"

#define EXIT_VALUE  0x21u          /* exit status (0x21 << 1) | 1 = 67 */

int main(uint32_t magic, struct mb1_info *info)
{
    (void)info;
    test_begin("debugexit");
    check_eq("multiboot magic in EAX", magic, MB1_BOOTLOADER_MAGIC);
    int result = test_end();
    if (result != 0)
        return result;

    note("outb 0x%02x to port 0xf4, expect exit status %u",
         EXIT_VALUE, (EXIT_VALUE << 1) | 1);
    outb(DEBUG_EXIT_PORT, EXIT_VALUE);
    printf("FAIL debugexit: still running after outb 0x%02x to port 0xf4\n", EXIT_VALUE);
    return 1;
}
