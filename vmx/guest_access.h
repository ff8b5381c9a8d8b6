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
/*
 * For the MMIO path (vmx/exit_ept.c), which fills its emul_ctx itself:
 * emul_ops whose opaque is a struct guest_mmio (data accesses inside
 * `region`, the device the exit hit or NULL, go straight to it; RAM
 * through the VM's memory) and the decode cache it uses.
 */
struct guest_mmio {
    struct vm *vm;
    const struct io_region *region;
};
extern const struct emul_ops guest_mmio_ops;
extern struct emul_dcache guest_mmio_dcache;

/* What a data access to a guest-physical address with neither RAM nor a
 * device does (boot option unbacked=ones|stop): false (the default), it
 * reads all ones and writes are dropped, as on a PC; true, the guest stops. */
extern bool guest_unbacked_stop;

/* 16, 32 or 64 from CS and EFER.LMA. */
unsigned guest_cpu_mode(void);

#endif
