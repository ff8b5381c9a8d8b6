/*
 * The screen console: what the hypervisor writes to COM1, also on the
 * display - a text console on GRUB's linear framebuffer (UEFI GOP, VBE) or
 * VGA text mode (BIOS). Text goes into a textgrid from boot on; it is drawn
 * once screen_start has mapped the video memory.
 */
#ifndef DRIVERS_HW_SCREEN_H
#define DRIVERS_HW_SCREEN_H

#include <hv/types.h>

struct boot_info;

/* Choose the console from the boot information's framebuffer tag (nothing
 * happens when there is none or it is unusable: screen_present is false). */
void screen_setup(const struct boot_info *bi);
bool screen_present(void);
/* Map the video memory (write-combining where the CPU has a PAT) and draw.
 * Call after the host page tables are up. */
void screen_start(void);
void screen_write(const char *s, size_t len);

#endif
