/*
 * EPT exits (SDM Vol. 3C, "EPT Violations" and "Exit Qualification for EPT
 * Violations"). Guest RAM is fully mapped, so a violation means the guest
 * touched an address with no RAM behind it: either a device register (the
 * instruction is decoded and emulated against the device, vmx/insn_emulate.c)
 * or nothing, which stops the guest with the address. A device access the
 * CPU makes while delivering an event is not emulated: it stops the guest.
 */
#include "vmx/exit.h"
#include "vmx/guest_access.h"
#include "vmx/vmcs.h"
#include <hv/log.h>

#define EPT_QUAL_READ   BIT(0)
#define EPT_QUAL_WRITE  BIT(1)
#define EPT_QUAL_FETCH  BIT(2)
#define EPT_QUAL_GLA_VALID  BIT(7)   /* the guest-linear address field is valid */
#define EPT_QUAL_GLA_XLATE  BIT(8)   /* ... and it was translated, not a paging entry */

enum exit_action exit_emulate_mmio(struct vcpu *v, gpa_t gpa, bool gla_valid, gva_t gla)
{
    struct vm *vm = v->vm;
    struct emul_ctx ctx;
    struct emul_regs regs;
    char err[160];

    guest_emul_ctx(v, &ctx, &regs);
    if (gla_valid) {
        ctx.hint_valid = true;
        ctx.hint_gva = gla;
        ctx.hint_gpa = gpa;
    }
    if (emul_insn(&ctx, err, sizeof(err)) < 0) {
        vm_stop(vm, VM_END_EMULATION_FAILED, 0, "MMIO at %#llx, RIP %#llx: %s",
                (unsigned long long)gpa, (unsigned long long)regs.rip, err);
        return EXIT_STOP_VM;
    }
    guest_regs_store(v, &regs);
    return EXIT_RESUME;
}

enum exit_action exit_ept_violation(struct vcpu *v)
{
    struct vm *vm = v->vm;
    uint64_t q = vmread(VMCS_EXIT_QUALIFICATION);
    gpa_t gpa = vmread(VMCS_GUEST_PHYSICAL_ADDRESS);

    uint32_t vectoring = (uint32_t)vmread(VMCS_IDT_VECTORING_INFO);
    if (!(q & EPT_QUAL_FETCH) && io_bus_find_mmio(&vm->bus, gpa, 1) &&
        (vectoring & INTR_INFO_VALID)) {
        /* The CPU's own access while delivering an event (say, pushing the
         * frame onto a stack in MMIO): no instruction at RIP made it, so
         * there is nothing to emulate (as KVM, we stop the guest). */
        vm_stop(vm, VM_END_EMULATION_FAILED, 0,
                "MMIO at %#llx during delivery of vector %u, RIP %#llx: not emulated",
                (unsigned long long)gpa, vectoring & INTR_INFO_VECTOR_MASK,
                (unsigned long long)vmread(VMCS_GUEST_RIP));
        return EXIT_STOP_VM;
    }
    if (!(q & EPT_QUAL_FETCH) && io_bus_find_mmio(&vm->bus, gpa, 1)) {
        /* The CPU translated the data address already (SDM Vol. 3C, "Exit
         * Qualification for EPT Violations"): the emulator need not walk. */
        bool gla = (q & (EPT_QUAL_GLA_VALID | EPT_QUAL_GLA_XLATE)) ==
                   (EPT_QUAL_GLA_VALID | EPT_QUAL_GLA_XLATE);
        return exit_emulate_mmio(v, gpa, gla, gla ? vmread(VMCS_GUEST_LINEAR_ADDRESS) : 0);
    }
    vm_stop(vm, VM_END_BAD_ACCESS, 0,
            "%s of unbacked guest-physical address %#llx at RIP %#llx",
            (q & EPT_QUAL_FETCH) ? "instruction fetch" : (q & EPT_QUAL_WRITE) ? "write" : "read",
            (unsigned long long)gpa, (unsigned long long)vmread(VMCS_GUEST_RIP));
    return EXIT_STOP_VM;
}

enum exit_action exit_ept_misconfig(struct vcpu *v)
{
    /* Our own EPT tables are wrong: a hypervisor bug, but only this guest suffers. */
    vm_stop(v->vm, VM_END_UNHANDLED_EXIT, 0, "EPT misconfiguration at guest-physical %#llx",
            (unsigned long long)vmread(VMCS_GUEST_PHYSICAL_ADDRESS));
    return EXIT_STOP_VM;
}
