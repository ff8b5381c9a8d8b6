/*
 * The register API of vmm/vm.h on a VMCS: vcpu_get_state/vcpu_set_state
 * and the MSRs a vCPU keeps. A new state is checked by the software
 * VM-entry checker (vmx/vmcheck.c) laid over the current VMCS before
 * anything is written, so a state entry would refuse is refused here, with
 * the rule it breaks.
 *
 * The guest's CR2 and the MSRs vmx/vcpu.c switches (KERNEL_GS_BASE, STAR,
 * LSTAR, CSTAR, FMASK, TSC_AUX) are in struct vcpu between slices; these
 * functions are called between slices only.
 */
#include "vmm/vm.h"
#include "vmx/vcpu_state_vmcs.h"
#include "vmx/vmcheck.h"
#include "vmx/vmcs.h"
#include "boot/msr.h"
#include <hv/errno.h>
#include <hv/format.h>
#include <hv/log.h>

#define MSR_IA32_DEBUGCTL 0x1D9   /* SDM Vol. 4, "IA32_DEBUGCTL" */
#define PDPTE_MASK  0xFFFFFFE0ULL        /* CR3 bits that locate the PAE PDPT */

static uint64_t read_vmcs(void *ctx, enum vmcs_field f)
{
    (void)ctx;
    return vmread(f);
}

int vcpu_get_state(struct vcpu *v, struct vcpu_state *st)
{
    vmcs_load(v);
    for (unsigned i = 0; i < 16; i++)
        st->gpr[i] = v->regs.gpr[i];
    vcpu_state_decode(st, read_vmcs, NULL);
    st->cr2 = v->cr2;
    return 0;
}

/* Broken rules are kept until we know they are new (see check_fields). */
#define KEEP_LINES 4
struct kept {
    char line[KEEP_LINES][120];
    unsigned n;
};

static void keep_line(void *ctx, const char *line)
{
    struct kept *k = ctx;
    if (k->n < KEEP_LINES)
        fmt_snprintf(k->line[k->n], sizeof(k->line[0]), "%s", line);
    k->n++;
}

static void drop_line(void *ctx, const char *line)
{
    (void)ctx;
    (void)line;
}

/* Would entry take the current VMCS with these fields? Rules the VMCS
 * breaks already (a selftest= on purpose) are not the new state's fault:
 * only more broken rules than before refuse it. */
static int check_fields(struct vcpu *v, const struct vmcs_field_value *f, unsigned n)
{
    struct kept k = { .n = 0 };
    unsigned bad = vmcheck_overlay(f, n, keep_line, &k);
    if (!bad || bad <= vmcheck_current(drop_line, NULL))
        return 0;
    for (unsigned i = 0; i < k.n && i < KEEP_LINES; i++)
        pr_err("guest %s: registers: %s\n", v->vm->name, k.line[i]);
    return -HV_EINVAL;
}

static int refuse(struct vcpu *v, const char *why, uint64_t val)
{
    pr_err("guest %s: registers: %s (%#llx)\n", v->vm->name, why, (unsigned long long)val);
    return -HV_EINVAL;
}

int vcpu_set_state(struct vcpu *v, const struct vcpu_state *st)
{
    struct vmcs_field_value f[VCPU_STATE_MAX_FIELDS + 4];

    /* What the fixed bits would hide rather than refuse (vmcs_cr0_for_guest
     * keeps only bits 31:0), and CR4 bits CPUID does not offer the guest. */
    if (st->cr0 >> 32)
        return refuse(v, "CR0 bits 63:32 are reserved", st->cr0);
    if ((st->cr0 & CR0_NW) && !(st->cr0 & CR0_CD))
        return refuse(v, "CR0.NW without CR0.CD", st->cr0);
    if (st->cr4 & ~vmcs_cr4_allowed())
        return refuse(v, "CR4 sets bits the guest may not", st->cr4 & ~vmcs_cr4_allowed());

    vmcs_load(v);
    unsigned n = vcpu_state_encode(st, vmcs_cr0_for_guest(st->cr0), vmcs_cr4_for_guest(st->cr4),
                                   (uint32_t)vmread(VMCS_VM_ENTRY_CONTROLS), f);
    /* PAE paging outside long mode: with EPT, entry loads the PDPTEs from
     * the VMCS (SDM Vol. 3C, "Loading Guest PDPTEs"); the checker then
     * looks at their reserved bits. */
    if ((st->cr0 & CR0_PG) && (st->cr4 & CR4_PAE) && !(st->efer & IA32_EFER_LMA)) {
        uint64_t pdpte[4];
        if (gmem_read(&v->vm->mem, st->cr3 & PDPTE_MASK, pdpte, sizeof(pdpte)) < 0)
            return refuse(v, "PAE paging with the PDPT outside guest RAM", st->cr3);
        for (unsigned i = 0; i < 4; i++)
            f[n++] = (struct vmcs_field_value){ (enum vmcs_field)(VMCS_GUEST_PDPTE0 + 2 * i),
                                                pdpte[i] };
    }
    int rc = check_fields(v, f, n);
    if (rc < 0)
        return rc;

    for (unsigned i = 0; i < n; i++)
        vmwrite(f[i].field, f[i].value);
    v->cr0_shadow = st->cr0;
    v->cr4_shadow = st->cr4;
    v->cr2 = st->cr2;
    for (unsigned i = 0; i < 16; i++)
        if (i != GPR_RSP)
            v->regs.gpr[i] = st->gpr[i];
    return 0;
}

/* ---- MSRs ---- */

/* MSRs held in VMCS fields (set through the entry checks). */
static bool msr_field(uint32_t msr, enum vmcs_field *f)
{
    switch (msr) {
    case MSR_IA32_FS_BASE:       *f = VMCS_GUEST_FS_BASE; return true;
    case MSR_IA32_GS_BASE:       *f = VMCS_GUEST_GS_BASE; return true;
    case MSR_IA32_SYSENTER_CS:   *f = VMCS_GUEST_IA32_SYSENTER_CS; return true;
    case MSR_IA32_SYSENTER_ESP:  *f = VMCS_GUEST_IA32_SYSENTER_ESP; return true;
    case MSR_IA32_SYSENTER_EIP:  *f = VMCS_GUEST_IA32_SYSENTER_EIP; return true;
    case MSR_IA32_DEBUGCTL:      *f = VMCS_GUEST_IA32_DEBUGCTL; return true;
    default:                     return false;
    }
}

/* MSRs kept in struct vcpu and switched by vmx/vcpu.c. */
static uint64_t *msr_slot(struct vcpu *v, uint32_t msr)
{
    switch (msr) {
    case MSR_IA32_KERNEL_GS_BASE: return &v->msr_kernel_gs_base;
    case MSR_IA32_STAR:           return &v->msr_star;
    case MSR_IA32_LSTAR:          return &v->msr_lstar;
    case MSR_IA32_CSTAR:          return &v->msr_cstar;
    case MSR_IA32_FMASK:          return &v->msr_fmask;
    case MSR_IA32_TSC_AUX:        return vmx_ctls.rdtscp ? &v->msr_tsc_aux : NULL;
    case MSR_IA32_MISC_ENABLE:    return &v->msr_misc_enable;
    default:                      return NULL;
    }
}

/* A linear address with bits 63:47 all equal (48-bit linear addresses;
 * stricter than a CPU with 57 bits, never looser). */
static bool canonical48(uint64_t a)
{
    return (uint64_t)((int64_t)(a << 16) >> 16) == a;
}

static bool pat_valid(uint64_t pat)
{
    for (int i = 0; i < 8; i++) {
        uint8_t t = (uint8_t)(pat >> (8 * i));
        if (t == 2 || t == 3 || t > 7)           /* reserved memory types */
            return false;
    }
    return true;
}

int vcpu_get_msr(struct vcpu *v, uint32_t msr, uint64_t *val)
{
    enum vmcs_field f;
    uint64_t *slot;

    vmcs_load(v);
    if (msr == MSR_IA32_EFER)
        *val = vmread(VMCS_GUEST_IA32_EFER);
    else if (msr == MSR_IA32_PAT)
        *val = vmx_ctls.load_pat ? vmread(VMCS_GUEST_IA32_PAT) : v->msr_pat;
    else if (msr_field(msr, &f))
        *val = vmread(f);
    else if ((slot = msr_slot(v, msr)))
        *val = *slot;
    else
        return -HV_ENOENT;
    return 0;
}

int vcpu_set_msr(struct vcpu *v, uint32_t msr, uint64_t val)
{
    enum vmcs_field f;
    uint64_t *slot;

    vmcs_load(v);
    if (msr == MSR_IA32_EFER) {
        /* LMA decides the IA-32e entry control: the whole state is checked. */
        struct vcpu_state st;
        vcpu_get_state(v, &st);
        st.efer = val;
        return vcpu_set_state(v, &st);
    }
    if (msr == MSR_IA32_PAT) {
        if (!pat_valid(val))
            return -HV_EINVAL;
        if (vmx_ctls.load_pat)
            vmwrite(VMCS_GUEST_IA32_PAT, val);
        v->msr_pat = val;
        return 0;
    }
    if (msr_field(msr, &f)) {
        struct vmcs_field_value fv = { f, val };
        int rc = check_fields(v, &fv, 1);
        if (rc == 0)
            vmwrite(f, val);
        return rc;
    }
    slot = msr_slot(v, msr);
    if (!slot)
        return -HV_ENOENT;
    switch (msr) {
    case MSR_IA32_KERNEL_GS_BASE:
    case MSR_IA32_LSTAR:
    case MSR_IA32_CSTAR:
        if (!canonical48(val))
            return -HV_EINVAL;
        break;
    case MSR_IA32_TSC_AUX:
        if (val >> 32)
            return -HV_EINVAL;
        break;
    case MSR_IA32_MISC_ENABLE:
        if (val != *slot)                /* its writable bits follow exit_msr.c's rules */
            return -HV_EINVAL;
        break;
    default:
        break;
    }
    *slot = val;
    return 0;
}
