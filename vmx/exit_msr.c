/*
 * RDMSR/WRMSR exits (SDM Vol. 3C, "VM Exits Caused by Instructions" and
 * Vol. 4 for the MSRs). The MSR bitmap (vmx/vm.c) lets the guest reach the
 * MSRs the VMCS or a vCPU switch already keeps per guest; everything else
 * exits here. The local APIC's MSRs go to the platform (vmm/board.c);
 * MSRs a booting kernel touches are handled on purpose; any other raises
 * #GP in the guest, as hardware does for an MSR it lacks.
 */
#include "vmx/exit.h"
#include "vmx/vmcs.h"
#include "boot/msr.h"
#include "boot/x86.h"
#include "vmx/vcpu_lapic.h"
#include "vmx/cpuid.h"
#include "hv/lab.h"

#define MISC_ENABLE_FAST_STRINGS BIT(0)
/* IA32_MISC_ENABLE (SDM Vol. 4, "Architectural MSRs"): fast strings (0),
 * automatic thermal control (3), Enhanced SpeedStep (16), MONITOR FSM
 * (18), limit CPUID maxval (22), xTPR message disable (23), XD bit
 * disable (34) are read/write; performance monitoring available (7), BTS
 * and PEBS unavailable (11, 12) are read-only (writes ignored); the other
 * bits are reserved: setting one raises #GP. */
#define MISC_ENABLE_RW    (BIT(0) | BIT(3) | BIT(16) | BIT(18) | BIT(22) | BIT(23) | BIT(34))
#define MISC_ENABLE_RO    (BIT(7) | BIT(11) | BIT(12))
#define CPUID80000001_EDX_SYSCALL BIT(11)
#define CPUID80000001_EDX_NX      BIT(20)
#define CPUID80000001_EDX_LM      BIT(29)

/* EFER bits the guest may set: SCE, LME and NXE where CPUID offers
 * SYSCALL, long mode and NX (SDM Vol. 4, "IA32_EFER"; others reserved). */
static uint64_t efer_guest_bits(void)
{
    static uint64_t bits = ~0ULL;
    if (bits == ~0ULL) {
        struct cpuid_regs r = { 0, 0, 0, 0 };
        if (cpuid(0x80000000, 0).eax >= 0x80000001)
            cpuid_guest(NULL, 0x80000001, 0, &r);
        bits = 0;
        if (r.edx & CPUID80000001_EDX_SYSCALL)
            bits |= IA32_EFER_SCE;
        if (r.edx & CPUID80000001_EDX_LM)
            bits |= IA32_EFER_LME;
        if (r.edx & CPUID80000001_EDX_NX)
            bits |= IA32_EFER_NXE;
    }
    return bits;
}

/* Returns false for an MSR this hypervisor does not offer. */
static bool msr_read(struct vcpu *v, uint32_t msr, uint64_t *val)
{
    switch (msr) {
    case MSR_IA32_EFER:            *val = vmcs_read64(VMCS_GUEST_IA32_EFER); return true;
    case MSR_IA32_PAT:
        *val = vmx_ctls.load_pat ? vmcs_read64(VMCS_GUEST_IA32_PAT) : v->msr_pat;
        return true;
    case MSR_IA32_MISC_ENABLE:     *val = v->msr_misc_enable; return true;
    case MSR_IA32_PLATFORM_ID:
    case MSR_IA32_BIOS_SIGN_ID:    /* no microcode revision to report */
    case MSR_IA32_MCG_STATUS:
        *val = 0;
        return true;
    case MSR_IA32_MCG_CAP:         *val = 0; return true;   /* no machine-check banks */
    case MSR_IA32_TIME_STAMP_COUNTER: *val = rdtsc() + vmcs_read64(VMCS_TSC_OFFSET); return true;
    case MSR_IA32_TSC_ADJUST:      *val = 0; return true;
    default:
        return false;
    }
}

static bool msr_write(struct vcpu *v, uint32_t msr, uint64_t val)
{
    switch (msr) {
    case MSR_IA32_EFER: {
        uint64_t efer = vmcs_read64(VMCS_GUEST_IA32_EFER), guest_bits = efer_guest_bits();
        if (val & ~(guest_bits | IA32_EFER_LMA))
            return false;
        /* LME may not change while paging is on (SDM Vol. 3A, "IA32_EFER"). */
        if ((v->cr0_shadow & CR0_PG) && ((val ^ efer) & IA32_EFER_LME))
            return false;
        /* LMA is read-only: keep the current value. */
        vmcs_write64(VMCS_GUEST_IA32_EFER, (val & guest_bits) | (efer & IA32_EFER_LMA));
        return true;
    }
    case MSR_IA32_PAT:
        for (int i = 0; i < 8; i++) {             /* types 2 and 3 and >7 are reserved */
            uint8_t t = (uint8_t)(val >> (8 * i));
            if (t == 2 || t == 3 || t > 7)
                return false;
        }
        if (vmx_ctls.load_pat)
            vmcs_write64(VMCS_GUEST_IA32_PAT, val);
        v->msr_pat = val;
        return true;
    case MSR_IA32_MISC_ENABLE:
        if (val & ~(MISC_ENABLE_RW | MISC_ENABLE_RO))
            return false;
        v->msr_misc_enable = (val & MISC_ENABLE_RW) | (v->msr_misc_enable & MISC_ENABLE_RO);
        return true;
    case MSR_IA32_BIOS_SIGN_ID:                   /* writes precede a CPUID microcode query */
    case MSR_IA32_MCG_STATUS:
    case MSR_IA32_TIME_STAMP_COUNTER:             /* TSC writes are ignored for now */
    case MSR_IA32_TSC_ADJUST:
        return true;
    default:
        return false;
    }
}

enum exit_action exit_rdmsr(struct vcpu *v)
{
    /* LAB 4 BEGIN exit_rdmsr: RDMSR of ECX: the local APIC's MSRs first, then msr_read; #GP for an MSR not offered, else EDX:EAX and skip the instruction */
    uint64_t *g = v->regs.gpr;
    uint32_t msr = (uint32_t)g[GPR_RCX];
    uint64_t val;
    int rc = vcpu_lapic_rdmsr(v, msr, &val);        /* the local APIC's MSRs */
    if (rc < 0 || (rc == 0 && !msr_read(v, msr, &val))) {
        vcpu_inject_gp(v);
        return EXIT_RESUME;
    }
    g[GPR_RAX] = val & 0xFFFFFFFF;
    g[GPR_RDX] = val >> 32;
    vcpu_skip_instruction();
    return EXIT_RESUME;
    /* LAB 4 END */
}

enum exit_action exit_wrmsr(struct vcpu *v)
{
    /* LAB 4 BEGIN exit_wrmsr: WRMSR of EDX:EAX to ECX: the local APIC's MSRs first, then msr_write; #GP when refused, else skip the instruction */
    uint64_t *g = v->regs.gpr;
    uint64_t val = ((g[GPR_RDX] & 0xFFFFFFFF) << 32) | (g[GPR_RAX] & 0xFFFFFFFF);
    uint32_t msr = (uint32_t)g[GPR_RCX];
    /* IA32_TSC_DEADLINE first: a tickless guest writes it at every tick. */
    int rc = likely(msr == MSR_IA32_TSC_DEADLINE) ? vcpu_lapic_write_tsc_deadline(v, val)
                                                  : vcpu_lapic_wrmsr(v, msr, val);
    if (rc < 0 || (rc == 0 && !msr_write(v, msr, val))) {
        vcpu_inject_gp(v);
        return EXIT_RESUME;
    }
    vcpu_skip_instruction();
    return EXIT_RESUME;
    /* LAB 4 END */
}

/* Initial values of the MSRs kept per vCPU. */
void vcpu_msrs_init(struct vcpu *v);
void vcpu_msrs_init(struct vcpu *v)
{
    v->msr_misc_enable = MISC_ENABLE_FAST_STRINGS;
}
