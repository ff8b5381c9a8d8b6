/*
 * Everything a test guest needs, in one include. A guest defines
 *     int main(uint32_t magic, struct mb1_info *info);
 * which crt0.S calls with the loader's EAX and EBX; main's return value
 * becomes the exit status (0 = pass, 1 = fail) through port 0xF4.
 */
#ifndef GUEST_LIB_GUEST_H
#define GUEST_LIB_GUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "console.h"
#include "desc.h"
#include "fault.h"
#include "irq.h"
#include "multiboot.h"
#include "pc.h"
#include "pmtimer.h"
#include "str.h"
#include "test.h"
#include "x86.h"

int main(uint32_t magic, struct mb1_info *info);

/* Linker-script symbols (guest.ld): use their addresses, not their values. */
extern char __image_start[], __image_end[];

#endif
