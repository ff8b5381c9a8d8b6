/*
 * Reaching guest memory the way the guest's own instructions do: the
 * current mode and segment bases from the VMCS, linear addresses through the
 * guest's page tables (vmx/insn_emulate.c walks them), data through
 * guest RAM or the device bus.
 */
#ifndef VMX_GUEST_ACCESS_H
#define VMX_GUEST_ACCESS_H

#include "vmm/vm.h"
#include "vmx/insn_emulate.h"

/* Fill ctx from the current VMCS for vCPU v; regs receives the GPRs, RIP
 * and RFLAGS (copy them back with guest_regs_store after emulation). */
void guest_emul_ctx(struct vcpu *v, struct emul_ctx *ctx, struct emul_regs *regs);
void guest_regs_store(struct vcpu *v, const struct emul_regs *regs);
/* What a data access to a guest-physical address with neither RAM nor a
 * device does (boot option unbacked=ones|stop): false (the default), it
 * reads all ones and writes are dropped, as on a PC; true, the guest stops. */
extern bool guest_unbacked_stop;

/* 16, 32 or 64 from CS and EFER.LMA. */
unsigned guest_cpu_mode(void);

#endif
