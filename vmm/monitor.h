/*
 * The shared physical console. Output lines carry the guest's name; input
 * goes to one place at a time: a guest's COM1, or the hypervisor's own
 * monitor. Keys (Ctrl-A is the escape, as in QEMU and screen):
 *   Ctrl-A n         input to the next guest (then the monitor, then the first guest)
 *   Ctrl-A 0         input to the monitor
 *   Ctrl-A 1..9      input to guest 1..9 (in module order)
 *   Ctrl-A Ctrl-A    send one Ctrl-A to the focused guest
 * Monitor commands: list, stats NAME, pause NAME, resume NAME, stop NAME,
 * vmcheck NAME (vmx/vmcheck.h), trace NAME [N] [REASON...] | off (vmx/trace.h),
 * gdb NAME | off (vmm/gdbstub.h: the debugger on COM2), help.
 * The monitor echoes what is typed after a "monitor> " prompt, which stays on
 * the last line while guest output scrolls above (Backspace, Ctrl-U edit).
 */
#ifndef VMM_MONITOR_H
#define VMM_MONITOR_H

#include <hv/types.h>

/* Handle the bytes typed since the last call. Returns true if any arrived. */
bool monitor_poll(void);
/* At start: input to guest 1 (the monitor if there is none), and print the
 * one-line hint about the keys. */
void monitor_announce(void);

#endif
