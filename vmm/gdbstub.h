/*
 * A GDB remote stub for one guest at a time, over a host serial port
 * (COM2 by default: the console keeps its own). The protocol's pure part is
 * include/hv/gdb_rsp.h; this is the session above the VM API: registers by
 * vcpu_get_state/vcpu_set_state, memory through vcpu_translate, software
 * breakpoints (INT3s it writes into the guest), hardware breakpoints, single
 * steps and caught exceptions by vcpu_set_guest_debug, whose stops come
 * back through vm->debug_ops. While the debugger holds the guest
 * (vm->gdb_stopped), the scheduler skips it and the other guests run; the
 * stub polls its UART between time slices.
 */
#ifndef VMM_GDBSTUB_H
#define VMM_GDBSTUB_H

#include "vmm/vm.h"

/* Attach the debugger's port (COMn's I/O base) to vm, which stops until gdb
 * says continue. Returns false (with a message) when a guest is already
 * attached or no UART answers at that port. */
bool gdbstub_attach(struct vm *vm, uint16_t port);
/* Detach whatever guest is attached (breakpoints removed, it runs on):
 * false if none is. */
bool gdbstub_detach(void);
/* The exceptions `monitor catch on` stops at: #DE, #UD, #GP. */
#define GDB_CATCH_VECTORS (BIT(0) | BIT(6) | BIT(13))
/* Handle what the debugger sent since the last call and report stops;
 * between slices only. Returns true if any byte arrived. */
bool gdbstub_poll(void);
#endif
