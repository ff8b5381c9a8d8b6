/*
 * VMCS set-up (SDM Vol. 3C, "Organization of VMCS Data", "Guest-State Area",
 * "Host-State Area", and "Checks on Guest/Host State" for what entry
 * requires). Controls come from vmx_compute_controls(); host state mirrors
 * the hypervisor's own GDT/IDT/TSS and control registers.
 */
#include "vmx/vmcs.h"
#include "vmx/vcpu_state_vmcs.h"
#include "vmx/vmx_cpu.h"
#include "vmx/vmx_entry.h"
#include "vmx/cpuid.h"
#include "boot/cpu.h"
#include "boot/msr.h"
#include "boot/x86.h"
#include "mm/frames.h"
#include <hv/errno.h>
#include <hv/log.h>
#include "hv/lab.h"

struct vmx_controls vmx_ctls;
static uint64_t cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
static uint64_t cr0_mask, cr4_mask, cr4_allowed;
static uint32_t vmcs_revision;
static struct vcpu *current_vcpu;

#define GUEST_PAT_DEFAULT 0x0007040600070406ULL   /* the PAT's power-up value */

void vmcs_global_init(const struct vmx_controls *ctls, const struct vmx_caps *caps)
{
    vmx_ctls = *ctls;
    vmcs_revision = (uint32_t)(caps->basic & VMX_BASIC_REVISION_MASK);
    /* Unrestricted guest lifts the PE and PG requirements (SDM Vol. 3C,
     * "Checks on Guest Control Registers, Debug Registers, and MSRs"). */
    cr0_fixed0 = caps->cr0_fixed0 & ~(CR0_PE | CR0_PG);
    cr0_fixed1 = caps->cr0_fixed1;
    cr4_fixed0 = caps->cr4_fixed0;
    cr4_fixed1 = caps->cr4_fixed1;
    /* The hypervisor owns every bit it forces either way, plus PG (switching
     * long mode on and off needs EFER.LMA and the entry control updated),
     * PAE (PAE paging needs the PDPTEs in the VMCS). */
    cr0_mask = ((cr0_fixed0 | ~cr0_fixed1) & 0xFFFFFFFFULL) | CR0_PG;
    cr4_mask = ((cr4_fixed0 | ~cr4_fixed1) & 0xFFFFFFFFULL) | CR4_PAE;
    /* CR4 bits of features CPUID hides (VMXE among them) are reserved for
     * the guest: it owns none of them, so a write that sets one exits and
     * gets #GP (vmx/exit_cr.c). PKE is one: PKU is hidden because PKRU is
     * not switched between guests (the audit heading vmx/vcpu.c). */
    cr4_allowed = (cr4_fixed0 | cr4_fixed1) & cpuid_guest_cr4_bits();
    cr4_mask |= ~cr4_allowed;
}

uint64_t vmcs_cr0_for_guest(uint64_t v) { return vmx_fixed_bits(v, cr0_fixed0, cr0_fixed1); }
uint64_t vmcs_cr4_for_guest(uint64_t v) { return vmx_fixed_bits(v, cr4_fixed0, cr4_fixed1); }
uint64_t vmcs_cr4_allowed(void) { return cr4_allowed; }
uint64_t vmcs_cr0_mask(void) { return cr0_mask; }
uint64_t vmcs_cr4_mask(void) { return cr4_mask; }

void vmcs_load(struct vcpu *v)
{
    if (current_vcpu != v) {
        vmptrld(v->vmcs_pa);
        current_vcpu = v;
    }
}

static void write_host_state(void)
{
    /* LAB 2 BEGIN write_host_state: the host-state area: control registers, selectors, FS/GS/TR/GDTR/IDTR bases, SYSENTER MSRs, EFER (and PAT), RIP = vmx_exit_entry */
    vmwrite(VMCS_HOST_CR0, read_cr0());
    vmwrite(VMCS_HOST_CR3, read_cr3());
    vmwrite(VMCS_HOST_CR4, read_cr4());
    vmwrite(VMCS_HOST_ES_SELECTOR, GDT_KERNEL_DS);
    vmwrite(VMCS_HOST_CS_SELECTOR, GDT_KERNEL_CS);
    vmwrite(VMCS_HOST_SS_SELECTOR, GDT_KERNEL_DS);
    vmwrite(VMCS_HOST_DS_SELECTOR, GDT_KERNEL_DS);
    vmwrite(VMCS_HOST_FS_SELECTOR, 0);
    vmwrite(VMCS_HOST_GS_SELECTOR, 0);
    vmwrite(VMCS_HOST_TR_SELECTOR, GDT_TSS);
    vmwrite(VMCS_HOST_FS_BASE, 0);
    vmwrite(VMCS_HOST_GS_BASE, 0);
    vmwrite(VMCS_HOST_TR_BASE, cpu_tss_base());
    vmwrite(VMCS_HOST_GDTR_BASE, cpu_gdt_base());
    vmwrite(VMCS_HOST_IDTR_BASE, cpu_idt_base());
    vmwrite(VMCS_HOST_IA32_SYSENTER_CS, 0);
    vmwrite(VMCS_HOST_IA32_SYSENTER_ESP, 0);
    vmwrite(VMCS_HOST_IA32_SYSENTER_EIP, 0);
    vmwrite(VMCS_HOST_IA32_EFER, rdmsr(MSR_IA32_EFER));
    if (vmx_ctls.load_pat)
        vmwrite(VMCS_HOST_IA32_PAT, rdmsr(MSR_IA32_PAT));
    vmwrite(VMCS_HOST_RIP, (uint64_t)(uintptr_t)vmx_exit_entry);
    /* VMCS_HOST_RSP is written by vmx_enter. */
    /* LAB 2 END */
}

/* The guest state that is not registers a loader sets: the power-up
 * values of the debug, SYSENTER and PAT MSRs, no pending events, active. */
static void write_guest_neutral(struct vcpu *v)
{
    /* LAB 2 BEGIN write_guest_neutral: guest state that is not registers: PAT, DR7 = 0x400, no pending debug exceptions, SYSENTER and DEBUGCTL 0, interruptibility 0, active, VMCS link pointer all ones */
    if (vmx_ctls.load_pat)
        vmwrite(VMCS_GUEST_IA32_PAT, GUEST_PAT_DEFAULT);
    v->msr_pat = GUEST_PAT_DEFAULT;
    vmwrite(VMCS_GUEST_DR7, 0x400);
    vmwrite(VMCS_GUEST_PENDING_DBG_EXCEPTIONS, 0);
    vmwrite(VMCS_GUEST_IA32_SYSENTER_CS, 0);
    vmwrite(VMCS_GUEST_IA32_SYSENTER_ESP, 0);
    vmwrite(VMCS_GUEST_IA32_SYSENTER_EIP, 0);
    vmwrite(VMCS_GUEST_IA32_DEBUGCTL, 0);
    vmwrite(VMCS_GUEST_INTERRUPTIBILITY_STATE, 0);
    vmwrite(VMCS_GUEST_ACTIVITY_STATE, ACTIVITY_ACTIVE);
    vmwrite(VMCS_VMCS_LINK_POINTER, ~0ULL);
    /* LAB 2 END */
}

/* Registers at power-up, written without the entry checks (vcpu_set_state
 * checks against a VMCS that must exist first). */
static void write_guest_reset(struct vcpu *v)
{
    struct vcpu_state st;
    struct vmcs_field_value f[VCPU_STATE_MAX_FIELDS];
    vcpu_state_reset(&st);
    unsigned n = vcpu_state_encode(&st, vmcs_cr0_for_guest(st.cr0), vmcs_cr4_for_guest(st.cr4),
                                   vmx_ctls.entry, f);
    for (unsigned i = 0; i < n; i++)
        vmwrite(f[i].field, f[i].value);
    v->cr0_shadow = st.cr0;
    v->cr4_shadow = st.cr4;
    v->cr2 = 0;
    for (unsigned i = 0; i < 16; i++)
        v->regs.gpr[i] = 0;
}

static void write_controls(struct vcpu *v)
{
    struct vm *vm = v->vm;
    uint32_t proc = vmx_ctls.proc;
    if (vm->cr3_exiting)
        proc |= PROC_CTL_CR3_LOAD_EXITING;

    vmwrite(VMCS_PIN_BASED_VM_EXEC_CONTROL, vmx_ctls.pin);
    vmwrite(VMCS_PRIMARY_PROC_BASED_VM_EXEC_CONTROL, proc);
    vmwrite(VMCS_SECONDARY_PROC_BASED_VM_EXEC_CONTROL, vmx_ctls.proc2);
    vmwrite(VMCS_VM_EXIT_CONTROLS, vmx_ctls.exit);
    vmwrite(VMCS_VM_ENTRY_CONTROLS, vmx_ctls.entry);
    vmwrite(VMCS_CR0_GUEST_HOST_MASK, cr0_mask);
    vmwrite(VMCS_CR4_GUEST_HOST_MASK, cr4_mask);
    vmwrite(VMCS_EXCEPTION_BITMAP, 0);           /* the guest handles its own exceptions */
    vmwrite(VMCS_PAGE_FAULT_ERROR_CODE_MASK, 0);
    vmwrite(VMCS_PAGE_FAULT_ERROR_CODE_MATCH, 0);
    vmwrite(VMCS_CR3_TARGET_COUNT, 0);
    vmwrite(VMCS_VM_EXIT_MSR_STORE_COUNT, 0);
    vmwrite(VMCS_VM_EXIT_MSR_LOAD_COUNT, 0);
    vmwrite(VMCS_VM_ENTRY_MSR_LOAD_COUNT, 0);
    vmwrite(VMCS_VM_ENTRY_INTERRUPTION_INFO, 0);
    vmwrite(VMCS_IO_BITMAP_A, vm->io_bitmap_pa);
    vmwrite(VMCS_IO_BITMAP_B, vm->io_bitmap_pa + PAGE_SIZE);
    vmwrite(VMCS_MSR_BITMAP, vm->msr_bitmap_pa);
    vmwrite(VMCS_EPT_POINTER, vm->eptp);
    vmwrite(VMCS_TSC_OFFSET, 0);
    if (vmx_ctls.vpid)
        vmwrite(VMCS_VPID, v->vpid);
}

int vmcs_create(struct vcpu *v)
{
    hpa_t pa = frame_alloc();
    if (!pa)
        return -HV_ENOMEM;
    *(uint32_t *)phys_to_virt(pa) = vmcs_revision;
    if (vmclear(pa) != VMX_OK || vmptrld(pa) != VMX_OK) {
        frame_free(pa, 1);
        return -HV_EIO;
    }
    v->vmcs_pa = pa;
    v->launched = false;
    current_vcpu = v;

    write_controls(v);
    write_host_state();
    write_guest_neutral(v);
    write_guest_reset(v);
    return 0;
}

void vmcs_dump(const struct vcpu *v)
{
    static const struct { enum vmcs_field f; const char *name; } fields[] = {
        { VMCS_PIN_BASED_VM_EXEC_CONTROL, "pin-based controls" },
        { VMCS_PRIMARY_PROC_BASED_VM_EXEC_CONTROL, "processor-based controls" },
        { VMCS_SECONDARY_PROC_BASED_VM_EXEC_CONTROL, "secondary controls" },
        { VMCS_VM_EXIT_CONTROLS, "VM-exit controls" },
        { VMCS_VM_ENTRY_CONTROLS, "VM-entry controls" },
        { VMCS_VM_ENTRY_INTERRUPTION_INFO, "entry interruption info" },
        { VMCS_GUEST_CR0, "guest CR0" }, { VMCS_GUEST_CR3, "guest CR3" },
        { VMCS_GUEST_CR4, "guest CR4" }, { VMCS_GUEST_IA32_EFER, "guest EFER" },
        { VMCS_GUEST_RIP, "guest RIP" }, { VMCS_GUEST_RSP, "guest RSP" },
        { VMCS_GUEST_RFLAGS, "guest RFLAGS" }, { VMCS_GUEST_DR7, "guest DR7" },
        { VMCS_GUEST_CS_SELECTOR, "CS selector" }, { VMCS_GUEST_CS_BASE, "CS base" },
        { VMCS_GUEST_CS_LIMIT, "CS limit" }, { VMCS_GUEST_CS_ACCESS_RIGHTS, "CS access rights" },
        { VMCS_GUEST_SS_SELECTOR, "SS selector" }, { VMCS_GUEST_SS_ACCESS_RIGHTS, "SS access rights" },
        { VMCS_GUEST_DS_ACCESS_RIGHTS, "DS access rights" },
        { VMCS_GUEST_ES_ACCESS_RIGHTS, "ES access rights" },
        { VMCS_GUEST_FS_ACCESS_RIGHTS, "FS access rights" },
        { VMCS_GUEST_GS_ACCESS_RIGHTS, "GS access rights" },
        { VMCS_GUEST_TR_SELECTOR, "TR selector" }, { VMCS_GUEST_TR_ACCESS_RIGHTS, "TR access rights" },
        { VMCS_GUEST_LDTR_ACCESS_RIGHTS, "LDTR access rights" },
        { VMCS_GUEST_GDTR_BASE, "GDTR base" }, { VMCS_GUEST_GDTR_LIMIT, "GDTR limit" },
        { VMCS_GUEST_IDTR_BASE, "IDTR base" }, { VMCS_GUEST_IDTR_LIMIT, "IDTR limit" },
        { VMCS_GUEST_INTERRUPTIBILITY_STATE, "interruptibility" },
        { VMCS_GUEST_ACTIVITY_STATE, "activity state" },
        { VMCS_VMCS_LINK_POINTER, "VMCS link pointer" },
        { VMCS_EPT_POINTER, "EPT pointer" },
    };
    const char *name = v->vm->name;
    for (unsigned i = 0; i < ARRAY_SIZE(fields); i += 2) {
        if (i + 1 < ARRAY_SIZE(fields))
            pr_err("guest %s:   %-26s %#llx   %-26s %#llx\n", name, fields[i].name,
                   (unsigned long long)vmread(fields[i].f), fields[i + 1].name,
                   (unsigned long long)vmread(fields[i + 1].f));
        else
            pr_err("guest %s:   %-26s %#llx\n", name, fields[i].name,
                   (unsigned long long)vmread(fields[i].f));
    }
    const uint64_t *g = v->regs.gpr;
    pr_err("guest %s:   RAX %#llx RBX %#llx RCX %#llx RDX %#llx RSI %#llx RDI %#llx RBP %#llx\n",
           name, (unsigned long long)g[GPR_RAX], (unsigned long long)g[GPR_RBX],
           (unsigned long long)g[GPR_RCX], (unsigned long long)g[GPR_RDX],
           (unsigned long long)g[GPR_RSI], (unsigned long long)g[GPR_RDI],
           (unsigned long long)g[GPR_RBP]);
}
