/*
 * EPT exits (SDM Vol. 3C, "EPT Violations" and "Exit Qualification for EPT
 * Violations"). Guest RAM is fully mapped, so a violation means the guest
 * touched an address with no RAM behind it: either a device register (the
 * instruction is decoded and emulated against the device, vmx/insn_emulate.c)
 * or nothing. A data access to nothing is emulated too: reads give all
 * ones and writes are dropped, as on a PC (OSes probe memory that way),
 * logged once per guest and page; with unbacked=stop, or for an
 * instruction fetch (there is no code to run), the guest stops instead.
 * A device or unbacked access the CPU makes while delivering an event is
 * not emulated: it stops the guest.
 */
#include "vmx/exit.h"
#include "vmx/guest_access.h"
#include "vmx/vmcs.h"
#include <hv/log.h>
#include "mm/guest_mem.h"

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
    /* The instruction completed: under RFLAGS.TF its single-step trap is
     * due, as after a skipped one (vmx/exit.h). */
    if (regs.rflags & BIT(8))
        vcpu_single_step_trap();
    return EXIT_RESUME;
}

/* Log an access to unbacked page `gpa` once per guest and page, for the
 * first VM_UNBACKED_LOG_MAX pages (then one line says the rest are not). */
static void note_unbacked(struct vm *vm, gpa_t gpa, bool write)
{
    uint64_t page = gpa & ~(uint64_t)(PAGE_SIZE - 1);
    vm->unbacked_accesses++;
    for (unsigned i = 0; i < vm->unbacked_logged; i++)
        if (vm->unbacked_pages[i] == page)
            return;
    if (vm->unbacked_logged == VM_UNBACKED_LOG_MAX) {
        if (!vm->unbacked_log_full) {
            vm->unbacked_log_full = true;
            pr_info("guest %s: %u unbacked pages logged; accesses to other unbacked pages "
                    "are not\n", vm->name, VM_UNBACKED_LOG_MAX);
        }
        return;
    }
    vm->unbacked_pages[vm->unbacked_logged++] = page;
    pr_info("guest %s: %s of unbacked guest-physical address %#llx at RIP %#llx (reads all "
            "ones, writes dropped; not logged again for this page)\n", vm->name,
            write ? "write" : "read", (unsigned long long)gpa,
            (unsigned long long)vmcs_readnat(VMCS_GUEST_RIP));
}

enum exit_action exit_ept_violation(struct vcpu *v)
{
    struct vm *vm = v->vm;
    uint64_t q = vmcs_readnat(VMCS_EXIT_QUALIFICATION);
    gpa_t gpa = vmcs_read64(VMCS_GUEST_PHYSICAL_ADDRESS);
    bool device = !(q & EPT_QUAL_FETCH) && io_bus_find_mmio(&vm->bus, gpa, 1);

    if (!(q & EPT_QUAL_FETCH) && (device || !guest_unbacked_stop)) {
        uint32_t vectoring = vmcs_read32(VMCS_IDT_VECTORING_INFO);
        if (vectoring & INTR_INFO_VALID) {
            /* The CPU's own access while delivering an event (say, pushing
             * the frame onto a stack in MMIO): no instruction at RIP made
             * it, so there is nothing to emulate (as KVM, we stop the guest). */
            vm_stop(vm, VM_END_EMULATION_FAILED, 0,
                    "MMIO at %#llx during delivery of vector %u, RIP %#llx: not emulated",
                    (unsigned long long)gpa, vectoring & INTR_INFO_VECTOR_MASK,
                    (unsigned long long)vmcs_readnat(VMCS_GUEST_RIP));
            return EXIT_STOP_VM;
        }
    }
    if (!device && !(q & EPT_QUAL_FETCH) && !guest_unbacked_stop) {
        note_unbacked(vm, gpa, q & EPT_QUAL_WRITE);
        device = true;                   /* the emulator reads ones, drops writes */
    }
    if (device) {
        /* The CPU translated the data address already (SDM Vol. 3C, "Exit
         * Qualification for EPT Violations"): the emulator need not walk. */
        bool gla = (q & (EPT_QUAL_GLA_VALID | EPT_QUAL_GLA_XLATE)) ==
                   (EPT_QUAL_GLA_VALID | EPT_QUAL_GLA_XLATE);
        return exit_emulate_mmio(v, gpa, gla, gla ? vmcs_readnat(VMCS_GUEST_LINEAR_ADDRESS) : 0);
    }
    vm_stop(vm, VM_END_BAD_ACCESS, 0,
            "%s of unbacked guest-physical address %#llx at RIP %#llx",
            (q & EPT_QUAL_FETCH) ? "instruction fetch" : (q & EPT_QUAL_WRITE) ? "write" : "read",
            (unsigned long long)gpa, (unsigned long long)vmcs_readnat(VMCS_GUEST_RIP));
    return EXIT_STOP_VM;
}

enum exit_action exit_ept_misconfig(struct vcpu *v)
{
    /* Our own EPT tables are wrong: a hypervisor bug, but only this guest suffers. */
    vm_stop(v->vm, VM_END_UNHANDLED_EXIT, 0, "EPT misconfiguration at guest-physical %#llx",
            (unsigned long long)vmcs_read64(VMCS_GUEST_PHYSICAL_ADDRESS));
    return EXIT_STOP_VM;
}
