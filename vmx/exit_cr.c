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
#include "vmx/vcpu_lapic.h"
#include "vmx/cpuid.h"
#include "boot/msr.h"
#include <hv/log.h>
#include "hv/lab.h"

#define CR_QUAL_NUMBER(q)   ((q) & 0xF)
#define CR_QUAL_TYPE(q)     (((q) >> 4) & 3)
#define CR_QUAL_GPR(q)      (((q) >> 8) & 0xF)
#define CR_QUAL_LMSW_SRC(q) (((q) >> 16) & 0xFFFF)
#define CR_TYPE_MOV_TO      0
#define CR_TYPE_MOV_FROM    1
#define CR_TYPE_CLTS        2
#define CR_TYPE_LMSW        3

#define CR0_RESERVED_HIGH   0xFFFFFFFF00000000ULL
/* CR0 bits with a meaning; writes to the others are ignored (SDM Vol. 3A,
 * "CR0": "reserved bits ... should always be set to the values previously
 * read"; KVM drops them the same way). */
#define CR0_DEFINED         (CR0_PE | CR0_MP | CR0_EM | CR0_TS | CR0_ET | CR0_NE | CR0_WP | \
                             CR0_AM | CR0_NW | CR0_CD | CR0_PG)
#define CR3_PCID_MASK       0xFFFULL
#define CR3_NOFLUSH         BIT(63)           /* MOV to CR3 with CR4.PCIDE = 1 */
#define PDPTE_PRESENT       BIT(0)
#define PDPTE_RESERVED_LOW  0x1E6ULL          /* bits 2:1 and 8:5 */
#define AR_L                BIT(13)           /* CS.L: 64-bit code */

static uint64_t read_gpr(struct vcpu *v, unsigned r)
{
    return r == GPR_RSP ? vmcs_readnat(VMCS_GUEST_RSP) : v->regs.gpr[r];
}

static void write_gpr(struct vcpu *v, unsigned r, uint64_t val)
{
    if (r == GPR_RSP)
        vmcs_writenat(VMCS_GUEST_RSP, val);
    else
        v->regs.gpr[r] = val;
}

/* Bits at and above the guest's physical-address width. */
static uint64_t above_maxphyaddr(void)
{
    return ~0ULL << cpuid_guest_maxphyaddr();
}

/* PAE paging outside long mode: with EPT, VM entry loads the four PDPTEs
 * from the VMCS, so they are read from guest memory here (SDM Vol. 3C,
 * "Loading Guest PDPTEs"). A present one with a reserved bit set makes the
 * MOV raise #GP (SDM Vol. 2B, "MOV—Move to/from Control Registers"; VM
 * entry would refuse it too). Returns false for #GP. */
static bool load_pdptes(struct vcpu *v, uint64_t cr3)
{
    uint64_t pdpte[4];
    if (gmem_read(&v->vm->mem, cr3 & 0xFFFFFFE0ULL, pdpte, sizeof(pdpte)) < 0)
        return false;
    for (int i = 0; i < 4; i++)
        if ((pdpte[i] & PDPTE_PRESENT) &&
            (pdpte[i] & (PDPTE_RESERVED_LOW | above_maxphyaddr())))
            return false;
    for (int i = 0; i < 4; i++)
        vmcs_write64(VMCS_GUEST_PDPTE0 + 2 * i, pdpte[i]);
    return true;
}

static bool pae_paging(uint64_t cr0, uint64_t cr4, uint64_t efer)
{
    return (cr0 & CR0_PG) && (cr4 & CR4_PAE) && !(efer & IA32_EFER_LMA);
}

static bool in_64bit_mode(uint64_t efer)
{
    return (efer & IA32_EFER_LMA) && (vmcs_read32(VMCS_GUEST_CS_ACCESS_RIGHTS) & AR_L);
}

static enum exit_action gp(struct vcpu *v)
{
    vcpu_inject_gp(v);
    return EXIT_RESUME;
}

/* MOV to CR0, CLTS, LMSW. #GP(0) cases: SDM Vol. 2B, "MOV—Move to/from
 * Control Registers", and Vol. 3A, "CR0", "Initializing IA-32e Mode". */
static enum exit_action set_cr0(struct vcpu *v, uint64_t val)
{
    uint64_t old = v->cr0_shadow;
    uint64_t efer = vmcs_read64(VMCS_GUEST_IA32_EFER);
    uint64_t cr4 = v->cr4_shadow;

    if ((val & CR0_RESERVED_HIGH) || ((val & CR0_PG) && !(val & CR0_PE)) ||
        ((val & CR0_NW) && !(val & CR0_CD)))
        return gp(v);
    val = (val & CR0_DEFINED) | CR0_ET;             /* ET is hardwired to 1 */

    bool paging_on = (val & CR0_PG) && !(old & CR0_PG);
    bool paging_off = !(val & CR0_PG) && (old & CR0_PG);
    /* Paging cannot go off in 64-bit mode nor while PCIDs are on; CET
     * needs write protection (SDM Vol. 3A, "Process-Context Identifiers",
     * "CET" in "Control Registers"). */
    if (paging_off && (in_64bit_mode(efer) || (cr4 & CR4_PCIDE)))
        return gp(v);
    if (!(val & CR0_WP) && (cr4 & CR4_CET))
        return gp(v);
    if (paging_on && (efer & IA32_EFER_LME)) {
        /* Enabling IA-32e mode needs PAE (SDM Vol. 3A, "Initializing IA-32e Mode"). */
        if (!(cr4 & CR4_PAE))
            return gp(v);
        efer |= IA32_EFER_LMA;
        vmcs_write64(VMCS_GUEST_IA32_EFER, efer);
        vmcs_write32(VMCS_VM_ENTRY_CONTROLS, vmcs_read32(VMCS_VM_ENTRY_CONTROLS) | ENTRY_CTL_IA32E_MODE_GUEST);
    } else if (paging_off && (efer & IA32_EFER_LMA)) {
        efer &= ~IA32_EFER_LMA;
        vmcs_write64(VMCS_GUEST_IA32_EFER, efer);
        vmcs_write32(VMCS_VM_ENTRY_CONTROLS, vmcs_read32(VMCS_VM_ENTRY_CONTROLS) & ~(uint64_t)ENTRY_CTL_IA32E_MODE_GUEST);
    }
    if (pae_paging(val, cr4, efer) && paging_on && !load_pdptes(v, vmcs_readnat(VMCS_GUEST_CR3)))
        return gp(v);
    v->cr0_shadow = val;
    vmcs_writenat(VMCS_CR0_READ_SHADOW, val);
    vmcs_writenat(VMCS_GUEST_CR0, vmcs_cr0_for_guest(val));
    vcpu_skip_instruction();
    return EXIT_RESUME;
}

/* MOV to CR4: bits the CPU cannot hold or CPUID does not offer (VMXE
 * included) are reserved; the SDM's other #GP(0) cases follow (Vol. 2B,
 * "MOV—Move to/from Control Registers"; Vol. 3A, "Control Registers",
 * "Process-Context Identifiers", "IA-32e Mode Operation"). */
static enum exit_action set_cr4(struct vcpu *v, uint64_t val)
{
    uint64_t efer = vmcs_read64(VMCS_GUEST_IA32_EFER);
    uint64_t old = v->cr4_shadow;
    bool lma = efer & IA32_EFER_LMA;

    if (val & ~vmcs_cr4_allowed())
        return gp(v);
    if (lma && (!(val & CR4_PAE) || ((val ^ old) & CR4_LA57)))
        return gp(v);
    if ((val & CR4_PCIDE) && !(old & CR4_PCIDE) &&
        (!lma || (vmcs_readnat(VMCS_GUEST_CR3) & CR3_PCID_MASK)))
        return gp(v);
    if ((val & CR4_CET) && !(v->cr0_shadow & CR0_WP))
        return gp(v);
    if (pae_paging(v->cr0_shadow, val, efer) && !(old & CR4_PAE) &&
        !load_pdptes(v, vmcs_readnat(VMCS_GUEST_CR3)))
        return gp(v);
    v->cr4_shadow = val;
    vmcs_writenat(VMCS_CR4_READ_SHADOW, val);
    vmcs_writenat(VMCS_GUEST_CR4, vmcs_cr4_for_guest(val));
    vcpu_skip_instruction();
    return EXIT_RESUME;
}

static void note_cr3(struct vm *vm, uint64_t cr3)
{
    /* LAB 4 BEGIN note_cr3: count a MOV to CR3 in vm->cr3_writes and remember up to VM_CR3_DISTINCT distinct values (cr3_values, cr3_distinct, cr3_distinct_overflow) */
    vm->cr3_writes++;
    for (unsigned i = 0; i < vm->cr3_distinct; i++)
        if (vm->cr3_values[i] == cr3)
            return;
    if (vm->cr3_distinct < VM_CR3_DISTINCT)
        vm->cr3_values[vm->cr3_distinct++] = cr3;
    else
        vm->cr3_distinct_overflow = true;
    /* LAB 4 END */
}

/* MOV to CR3 (cr3exit=1 guests): in IA-32e mode bits above MAXPHYADDR
 * are reserved, and with PCIDs bit 63 only asks not to flush (SDM Vol. 3A,
 * "Process-Context Identifiers"); it is not stored. */
static enum exit_action set_cr3(struct vcpu *v, uint64_t val)
{
    uint64_t efer = vmcs_read64(VMCS_GUEST_IA32_EFER);
    if ((efer & IA32_EFER_LMA) && (v->cr4_shadow & CR4_PCIDE))
        val &= ~CR3_NOFLUSH;
    if ((efer & IA32_EFER_LMA) && (val & above_maxphyaddr()))
        return gp(v);
    note_cr3(v->vm, val);
    if (pae_paging(v->cr0_shadow, v->cr4_shadow, efer) && !load_pdptes(v, val))
        return gp(v);
    vmcs_writenat(VMCS_GUEST_CR3, val);
    vcpu_skip_instruction();
    return EXIT_RESUME;
}

enum exit_action exit_cr_access(struct vcpu *v)
{
    /* LAB 4 BEGIN exit_cr_access: decode the exit qualification (CR number, access type, GPR) and call set_cr0/set_cr3/set_cr4, CR8 and MOV from CR3/CR8, CLTS and LMSW */
    uint64_t q = vmcs_readnat(VMCS_EXIT_QUALIFICATION);
    unsigned cr = CR_QUAL_NUMBER(q), gpr = CR_QUAL_GPR(q);

    switch (CR_QUAL_TYPE(q)) {
    case CR_TYPE_MOV_TO: {
        uint64_t val = read_gpr(v, gpr);
        if (!(vmcs_read64(VMCS_GUEST_IA32_EFER) & IA32_EFER_LMA))
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
            vcpu_set_cr8(v, val);
            vcpu_skip_instruction();
            return EXIT_RESUME;
        }
        break;
    }
    case CR_TYPE_MOV_FROM:
        if (cr == 3 || cr == 8) {        /* CR3 only when the CPU forces CR3-store exiting */
            write_gpr(v, gpr, cr == 3 ? vmcs_readnat(VMCS_GUEST_CR3) : vcpu_get_cr8(v));
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
    /* LAB 4 END */
}
