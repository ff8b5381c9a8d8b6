/*
 * A GDB remote stub for one guest at a time, over a host serial port
 * (COM2 by default: the console keeps its own). The protocol is
 * include/hv/gdb_rsp.h; this is the VT-x side: registers from the VMCS,
 * memory through the guest's page tables, software breakpoints (INT3 with
 * #BP exiting), single steps by the monitor trap flag. While the debugger
 * holds the guest, the scheduler skips it and the other guests run; the
 * stub polls its UART between time slices.
 */
#ifndef VMX_GDBSTUB_H
#define VMX_GDBSTUB_H

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
