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

#include "vmx/exit.h"

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
/* A #BP exit of v (exit_exception_nmi): ours stops the guest, another is
 * given back to the guest. */
enum exit_action gdbstub_breakpoint_exit(struct vcpu *v);
/* A #DB exit (exit_exception_nmi): the end of a step by RFLAGS.TF (where
 * there is no monitor trap flag), else given back to the guest. */
enum exit_action gdbstub_debug_exit(struct vcpu *v);
/* #DE, #UD or #GP exits, on while gdb's `monitor catch on` holds: the guest
 * stops with the signal; the exception is delivered when it goes on. */
enum exit_action gdbstub_exception_exit(struct vcpu *v, uint32_t info);

#endif
