/*
 * Control-register accesses (SDM Vol. 3C, "Exit Qualification for
 * Control-Register Accesses"). CR0 and CR4 bits the hypervisor owns (see
 * vmcs_global_init) trap when the guest changes them: the guest gets its
 * value in the read shadow, the hardware gets that value with the VMX fixed
 * bits applied. CR3 loads trap only for guests started with cr3exit=1: each
 * one is counted and its value remembered. CR8 (64-bit guests) is the
 * virtual local APIC's task priority.
 */
#include "vmx/exit.h"
#include "vmx/vmcs.h"
#include "vmx/platform.h"
#include "boot/x86.h"
#include "boot/msr.h"
#include <hv/log.h>

#define CR_QUAL_NUMBER(q)   ((q) & 0xF)
#define CR_QUAL_TYPE(q)     (((q) >> 4) & 3)
#define CR_QUAL_GPR(q)      (((q) >> 8) & 0xF)
#define CR_QUAL_LMSW_SRC(q) (((q) >> 16) & 0xFFFF)
#define CR_TYPE_MOV_TO      0
#define CR_TYPE_MOV_FROM    1
#define CR_TYPE_CLTS        2
#define CR_TYPE_LMSW        3

#define CR0_RESERVED_HIGH   0xFFFFFFFF00000000ULL
#define PDPTE_PRESENT       BIT(0)

static uint64_t read_gpr(struct vcpu *v, unsigned r)
{
    return r == GPR_RSP ? vmread(VMCS_GUEST_RSP) : v->regs.gpr[r];
}

static void write_gpr(struct vcpu *v, unsigned r, uint64_t val)
{
    if (r == GPR_RSP)
        vmwrite(VMCS_GUEST_RSP, val);
    else
        v->regs.gpr[r] = val;
}

/* Reserved bits of a present PAE PDPTE: 2:1, 8:5 and MAXPHYADDR up (SDM
 * Vol. 3A, "PAE Paging", the PDPTE format). */
static uint64_t pdpte_reserved(void)
{
    static uint64_t mask;
    if (!mask) {
        unsigned maxphy = 36;
        if (cpuid(0x80000000, 0).eax >= 0x80000008)
            maxphy = cpuid(0x80000008, 0).eax & 0xFF;
        mask = ~((1ULL << maxphy) - 1) | 0x1E6;
    }
    return mask;
}

/* PAE paging outside long mode: with EPT, VM entry loads the four PDPTEs
 * from the VMCS, so they are read from guest memory here (SDM Vol. 3C,
 * "Loading Guest PDPTEs"). Returns false if they cannot be read or a
 * present one has reserved bits set: the MOV to CR0/CR3/CR4 then raises
 * #GP (SDM Vol. 3A, "PDPTE Registers"), which a VM entry with such PDPTEs
 * would not do (it fails). */
static bool load_pdptes(struct vcpu *v, uint64_t cr3)
{
    uint64_t pdpte[4];
    if (gmem_read(&v->vm->mem, cr3 & 0xFFFFFFE0ULL, pdpte, sizeof(pdpte)) < 0)
        return false;
    for (int i = 0; i < 4; i++)
        if ((pdpte[i] & PDPTE_PRESENT) && (pdpte[i] & pdpte_reserved()))
            return false;
    for (int i = 0; i < 4; i++)
        vmwrite(VMCS_GUEST_PDPTE0 + 2 * i, pdpte[i]);
    return true;
}

static bool pae_paging(uint64_t cr0, uint64_t cr4, uint64_t efer)
{
    return (cr0 & CR0_PG) && (cr4 & CR4_PAE) && !(efer & IA32_EFER_LMA);
}

static enum exit_action set_cr0(struct vcpu *v, uint64_t val)
{
    uint64_t old = v->cr0_shadow;
    uint64_t efer = vmread(VMCS_GUEST_IA32_EFER);
    uint64_t cr4 = v->cr4_shadow;

    /* SDM Vol. 3A, "CR0": #GP for reserved bits, PG without PE, NW without CD. */
    if ((val & CR0_RESERVED_HIGH) || ((val & CR0_PG) && !(val & CR0_PE)) ||
        ((val & CR0_NW) && !(val & CR0_CD))) {
        vcpu_inject_gp(v);
        return EXIT_RESUME;
    }
    val |= CR0_ET;                                  /* hardwired to 1 */

    bool paging_on = (val & CR0_PG) && !(old & CR0_PG);
    bool paging_off = !(val & CR0_PG) && (old & CR0_PG);
    if (paging_on && (efer & IA32_EFER_LME)) {
        /* Enabling IA-32e mode: needs PAE (SDM Vol. 3A, "Initializing IA-32e Mode"). */
        if (!(cr4 & CR4_PAE)) {
            vcpu_inject_gp(v);
            return EXIT_RESUME;
        }
        efer |= IA32_EFER_LMA;
        vmwrite(VMCS_GUEST_IA32_EFER, efer);
        vmwrite(VMCS_VM_ENTRY_CONTROLS, vmread(VMCS_VM_ENTRY_CONTROLS) | ENTRY_CTL_IA32E_MODE_GUEST);
    } else if (paging_off && (efer & IA32_EFER_LMA)) {
        efer &= ~IA32_EFER_LMA;
        vmwrite(VMCS_GUEST_IA32_EFER, efer);
        vmwrite(VMCS_VM_ENTRY_CONTROLS, vmread(VMCS_VM_ENTRY_CONTROLS) & ~(uint64_t)ENTRY_CTL_IA32E_MODE_GUEST);
    }
    if (pae_paging(val, cr4, efer) && (paging_on || !(old & CR0_PG)) &&
        !load_pdptes(v, vmread(VMCS_GUEST_CR3))) {
        vcpu_inject_gp(v);
        return EXIT_RESUME;
    }
    v->cr0_shadow = val;
    vmwrite(VMCS_CR0_READ_SHADOW, val);
    vmwrite(VMCS_GUEST_CR0, vmcs_cr0_for_guest(val));
    vcpu_skip_instruction();
    return EXIT_RESUME;
}

static enum exit_action set_cr4(struct vcpu *v, uint64_t val)
{
    uint64_t efer = vmread(VMCS_GUEST_IA32_EFER);
    /* Bits the CPU cannot hold (beyond CR4_FIXED1, except VMXE which the
     * guest may not set because CPUID hides VMX) raise #GP, as they would
     * on hardware without those features; so does clearing PAE in long mode. */
    uint64_t allowed = vmcs_cr4_for_guest(~0ULL) & ~CR4_VMXE;
    if ((val & ~allowed) || ((efer & IA32_EFER_LMA) && !(val & CR4_PAE))) {
        vcpu_inject_gp(v);
        return EXIT_RESUME;
    }
    if (pae_paging(v->cr0_shadow, val, efer) && !(v->cr4_shadow & CR4_PAE) &&
        !load_pdptes(v, vmread(VMCS_GUEST_CR3))) {
        vcpu_inject_gp(v);
        return EXIT_RESUME;
    }
    v->cr4_shadow = val;
    vmwrite(VMCS_CR4_READ_SHADOW, val);
    vmwrite(VMCS_GUEST_CR4, vmcs_cr4_for_guest(val));
    vcpu_skip_instruction();
    return EXIT_RESUME;
}

static void note_cr3(struct vm *vm, uint64_t cr3)
{
    vm->cr3_writes++;
    for (unsigned i = 0; i < vm->cr3_distinct; i++)
        if (vm->cr3_values[i] == cr3)
            return;
    if (vm->cr3_distinct < VM_CR3_DISTINCT)
        vm->cr3_values[vm->cr3_distinct++] = cr3;
    else
        vm->cr3_distinct_overflow = true;
}

static enum exit_action set_cr3(struct vcpu *v, uint64_t val)
{
    note_cr3(v->vm, val);
    if (pae_paging(v->cr0_shadow, v->cr4_shadow, vmread(VMCS_GUEST_IA32_EFER)) &&
        !load_pdptes(v, val)) {
        vcpu_inject_gp(v);
        return EXIT_RESUME;
    }
    vmwrite(VMCS_GUEST_CR3, val);
    vcpu_skip_instruction();
    return EXIT_RESUME;
}

enum exit_action exit_cr_access(struct vcpu *v)
{
    uint64_t q = vmread(VMCS_EXIT_QUALIFICATION);
    unsigned cr = CR_QUAL_NUMBER(q), gpr = CR_QUAL_GPR(q);

    switch (CR_QUAL_TYPE(q)) {
    case CR_TYPE_MOV_TO: {
        uint64_t val = read_gpr(v, gpr);
        if (!(vmread(VMCS_GUEST_IA32_EFER) & IA32_EFER_LMA))
            val &= 0xFFFFFFFF;                       /* 32-bit operand outside long mode */
        if (cr == 0)
            return set_cr0(v, val);
        if (cr == 3)
            return set_cr3(v, val);
        if (cr == 4)
            return set_cr4(v, val);
        if (cr == 8) {
            if (val & ~0xFULL) {                     /* reserved bits (SDM Vol. 3A, "CR8") */
                vcpu_inject_gp(v);
                return EXIT_RESUME;
            }
            platform_set_cr8(v->vm, val);
            vcpu_skip_instruction();
            return EXIT_RESUME;
        }
        break;
    }
    case CR_TYPE_MOV_FROM:
        if (cr == 3 || cr == 8) {        /* CR3 only when the CPU forces CR3-store exiting */
            write_gpr(v, gpr, cr == 3 ? vmread(VMCS_GUEST_CR3) : platform_get_cr8(v->vm));
            vcpu_skip_instruction();
            return EXIT_RESUME;
        }
        break;
    case CR_TYPE_CLTS:
        return set_cr0(v, v->cr0_shadow & ~CR0_TS);
    case CR_TYPE_LMSW: {
        /* LMSW loads CR0[3:0] but can set PE, never clear it. */
        uint64_t src = CR_QUAL_LMSW_SRC(q) & 0xF;
        uint64_t val = (v->cr0_shadow & ~0xEULL) | src | (v->cr0_shadow & CR0_PE);
        return set_cr0(v, val);
    }
    }
    return exit_stop_unhandled(v, EXIT_REASON_CR_ACCESS);
}
