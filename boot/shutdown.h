/*
 * Stopping the machine at the end of a run or on a fatal error, the way the
 * boot option exit=acpi|key|bochs|qemu|halt says (default: key on real
 * hardware, acpi in a virtual machine; acpi falls back to halt):
 *   acpi  - ACPI S5 soft-off through the FADT's PM1 control registers
 *   key   - wait for a key (PS/2 keyboard or COM1) so that the screen can be
 *           read, then as acpi. "A virtual machine": CPUID's hypervisor bit
 *           is set, or the ACPI tables' OEM ID is BOCHS (Bochs' BIOS, and
 *           QEMU's tables under SeaBIOS and OVMF alike)
 *   bochs - Bochs' shutdown port 0x8900
 *   qemu  - QEMU's isa-debug-exit port 0xF4 (iobase=0xf4,iosize=0x04);
 *           QEMU's exit status is (value << 1) | 1: 33 success, 35 failure
 *   halt  - interrupts off, halt forever
 */
#ifndef BOOT_SHUTDOWN_H
#define BOOT_SHUTDOWN_H

#include <hv/types.h>

struct boot_info;

enum stop_status { STOP_SUCCESS = 0, STOP_FAILURE = 1 };
/* EXIT_AUTO: exit= not given (acpi, or key on real hardware). */
enum exit_method { EXIT_ACPI, EXIT_BOCHS, EXIT_QEMU, EXIT_HALT, EXIT_KEY, EXIT_AUTO };

#define QEMU_DEBUG_EXIT_PORT     0xF4
#define QEMU_EXIT_VALUE_SUCCESS  0x10   /* QEMU exits with 33 */
#define QEMU_EXIT_VALUE_FAILURE  0x11   /* QEMU exits with 35 */
#define BOCHS_SHUTDOWN_PORT      0x8900

/* Take the exit= boot option (EXIT_AUTO: not given) and find the ACPI S5
 * registers (for exit=acpi and key). */
void shutdown_init(enum exit_method how, const struct boot_info *bi);
/* Print the final line and stop the machine; never returns. */
__noreturn void machine_stop(enum stop_status status);

#endif
