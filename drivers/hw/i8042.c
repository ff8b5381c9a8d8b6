/*
 * PS/2 keyboard input, polled: see drivers/hw/i8042.h. The controller's
 * status register (port 0x64) says when a byte waits in its output buffer
 * (port 0x60) and whether it came from the auxiliary (mouse) port, whose
 * bytes are dropped. No command is sent to the controller or the keyboard:
 * the firmware's set-up (translation to set 1 on) is kept.
 * Reference: IBM PC AT Technical Reference, "Keyboard Controller".
 */
#include "drivers/hw/i8042.h"
#include "drivers/hw/kbd_set1.h"
#include "boot/x86.h"

#define I8042_DATA        0x60
#define I8042_STATUS      0x64
#define I8042_STS_OBF     0x01      /* output buffer full: a byte to read */
#define I8042_STS_AUX     0x20      /* ... and it came from the mouse */
#define I8042_DRAIN_MAX   32

static bool present;
static struct kbd_set1 kbd;
static char pending[KBD_OUT_MAX];
static size_t npending, next;

bool i8042_init(void)
{
    present = inb(I8042_STATUS) != 0xFF;
    if (!present)
        return false;
    for (int i = 0; i < I8042_DRAIN_MAX && (inb(I8042_STATUS) & I8042_STS_OBF); i++)
        (void)inb(I8042_DATA);
    kbd_set1_init(&kbd);
    npending = next = 0;
    return true;
}

int i8042_getc(void)
{
    if (!present)
        return -1;
    while (next == npending) {
        uint8_t st = inb(I8042_STATUS);
        if (!(st & I8042_STS_OBF))
            return -1;
        uint8_t code = inb(I8042_DATA);
        if (st & I8042_STS_AUX)
            continue;
        npending = kbd_set1_feed(&kbd, code, pending);
        next = 0;
    }
    return (uint8_t)pending[next++];
}
