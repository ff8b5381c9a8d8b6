/*
 * What CPUID tells a guest (SDM Vol. 2A, "CPUID"): the host's values with
 * what is not virtualized hidden (VMX, SMX, thermal and performance
 * monitoring, machine checks, MTRRs; the local APIC, x2APIC and the
 * TSC-deadline timer are the virtual ones),
 * the hypervisor-present bit set, leaves 0x15/0x16 telling the TSC
 * frequency the guest really sees, and leaf 0x40000000 naming this
 * hypervisor (the convention KVM, Xen and Hyper-V share). Leaves that do
 * not depend on the vCPU or a subleaf are computed once and served from a
 * table: CPUID is the most frequent exit of many kernels.
 */
#include "vmx/cpuid.h"
#include "vmx/vmcs.h"
#include "vmx/vcpu.h"
#include "vmx/xsavec_check.h"
#include "boot/msr.h"
#include <hv/log.h>
#include <hv/string.h>
#include <hv/version.h>

/* CPUID feature bits the guest must not see (leaf 1). */
#define CPUID1_ECX_MONITOR   BIT(3)
#define CPUID1_ECX_DS_CPL    BIT(4)
#define CPUID1_ECX_VMX       BIT(5)
#define CPUID1_ECX_SMX       BIT(6)
#define CPUID1_ECX_EST       BIT(7)
#define CPUID1_ECX_TM2       BIT(8)
#define CPUID1_ECX_SDBG      BIT(11)
#define CPUID1_ECX_PDCM      BIT(15)
#define CPUID1_ECX_DCA       BIT(18)
#define CPUID1_ECX_X2APIC    BIT(21)
#define CPUID1_ECX_TSC_DEADLINE BIT(24)
#define CPUID1_ECX_OSXSAVE   BIT(27)
#define CPUID1_ECX_HYPERVISOR BIT(31)
#define CPUID1_EDX_MCE       BIT(7)
#define CPUID1_EDX_APIC      BIT(9)
#define CPUID1_EDX_MTRR      BIT(12)
#define CPUID1_EDX_MCA       BIT(14)
#define CPUID1_EDX_DS        BIT(21)
#define CPUID1_EDX_ACPI      BIT(22)
#define CPUID1_EDX_HTT       BIT(28)
#define CPUID1_EDX_TM        BIT(29)
#define CPUID1_EDX_PBE       BIT(31)
#define CPUID7_EBX_SGX       BIT(2)
#define CPUID7_EBX_INVPCID   BIT(10)
#define CPUID7_EBX_RDT_M     BIT(12)
#define CPUID7_EBX_RDT_A     BIT(15)
#define CPUID7_EBX_PT        BIT(25)
#define CPUID7_EBX_MPX       BIT(14)
#define CPUID7_ECX_PKU       BIT(3)
#define CPUID7_ECX_OSPKE     BIT(4)
#define CPUID7_ECX_WAITPKG   BIT(5)
#define CPUID7_ECX_CET_SS    BIT(7)
#define CPUID7_ECX_RDPID     BIT(22)
#define CPUID7_ECX_SGX_LC    BIT(30)
#define CPUID7_EDX_HYBRID    BIT(15)
#define CPUIDD1_EAX_XSAVEC   BIT(1)
#define CPUID7_EDX_CET_IBT   BIT(20)
#define CPUIDD1_EAX_XSAVES   BIT(3)
#define CPUID80000001_EDX_RDTSCP BIT(27)
/* IBRS/IBPB, STIBP, L1D_FLUSH, ARCH_CAPABILITIES, CORE_CAPABILITIES, SSBD:
 * their MSRs are not offered. */
#define CPUID7_EDX_SPEC_CTRL_MSRS (BIT(26) | BIT(27) | BIT(28) | BIT(29) | BIT(30) | BIT(31))
/* AVX-512 state is not offered (XCR0 bits 5-7): the feature bits go too;
 * so do MPX (XCR0 bits 3-4) and protection keys (PKRU, XCR0 bit 9, and
 * CR4.PKE: see the audit in vmx/vcpu.c). */
#define CPUID7_EBX_AVX512 (BIT(16) | BIT(17) | BIT(21) | BIT(26) | BIT(27) | BIT(28) | \
                           BIT(30) | BIT(31))
#define CPUID7_ECX_AVX512 (BIT(1) | BIT(6) | BIT(11) | BIT(12) | BIT(14))
#define CPUID7_EDX_AVX512 (BIT(2) | BIT(3) | BIT(8) | BIT(23))
#define CPUID_LEAF_TSC       0x15
#define CPUID_LEAF_FREQ      0x16

#define CPUID_LEAF_HYPERVISOR      0x40000000u
#define CPUID_LEAF_HYPERVISOR_MAX  0x40000001u

static bool xsavec_ok = true;        /* cpuid_init: the CPU's XSAVEC layout is right */

static inline uint32_t sig_word(const char *s) { uint32_t w; memcpy(&w, s, 4); return w; }

/* The guest's XCR0 (x87 only before its first XSETBV). */
static uint64_t guest_xcr0(const struct vcpu *v)
{
    return v ? v->xcr0 : XCR0_X87;
}

struct xsave_leaf cpuid_leaf_d(uint32_t sub)
{
    struct cpuid_regs r = cpuid(0xD, sub);
    return (struct xsave_leaf){ r.eax, r.ebx, r.ecx, r.edx };
}

/* Bytes of an XSAVE area holding the offered components set in `xcr0`. */
static uint32_t xsave_size(uint64_t xcr0, bool compacted)
{
    return xsave_area_size(xcr0 & CPUID_GUEST_XCR0, compacted, cpuid_leaf_d);
}

void cpuid_guest(const struct vcpu *v, uint32_t leaf, uint32_t sub, struct cpuid_regs *out)
{
    struct cpuid_regs r;

    switch (leaf) {
    case 0:
        r = cpuid(0, 0);
        if (r.eax < CPUID_LEAF_FREQ)
            r.eax = CPUID_LEAF_FREQ;           /* so the TSC leaves below are seen */
        break;
    case CPUID_LEAF_TSC:
        /* TSC = crystal (ECX) * EBX / EAX: the TSC the guest really sees. */
        r = (struct cpuid_regs){ 1, 1, (uint32_t)MIN(run_params.tsc_hz, 0xFFFFFFFFULL), 0 };
        break;
    case CPUID_LEAF_FREQ:
        r = (struct cpuid_regs){ (uint32_t)(run_params.tsc_hz / 1000000),
                                 (uint32_t)(run_params.tsc_hz / 1000000), 100, 0 };
        break;
    case 1:
        r = cpuid(1, 0);
        r.ecx &= ~(uint32_t)(CPUID1_ECX_MONITOR | CPUID1_ECX_DS_CPL | CPUID1_ECX_VMX |
                             CPUID1_ECX_SMX | CPUID1_ECX_EST | CPUID1_ECX_TM2 | CPUID1_ECX_SDBG |
                             CPUID1_ECX_PDCM | CPUID1_ECX_DCA);
        /* The virtual local APIC offers x2APIC and the TSC-deadline timer. */
        r.ecx |= (uint32_t)(CPUID1_ECX_X2APIC | CPUID1_ECX_TSC_DEADLINE);
        r.ecx |= (uint32_t)CPUID1_ECX_HYPERVISOR;
        r.edx &= ~(uint32_t)(CPUID1_EDX_MCE | CPUID1_EDX_MTRR | CPUID1_EDX_MCA |
                             CPUID1_EDX_DS | CPUID1_EDX_ACPI | CPUID1_EDX_HTT | CPUID1_EDX_TM |
                             CPUID1_EDX_PBE);
        /* One logical processor; initial APIC ID = vCPU id. */
        r.ebx = (r.ebx & 0x0000FFFF) | (1u << 16) | ((v ? v->id : 0) << 24);
        /* OSXSAVE mirrors the guest's own CR4, not the host's. */
        r.ecx &= ~(uint32_t)CPUID1_ECX_OSXSAVE;
        if (v && (vmread(VMCS_GUEST_CR4) & CR4_OSXSAVE))
            r.ecx |= (uint32_t)CPUID1_ECX_OSXSAVE;
        break;
    case 4:
        r = cpuid(4, sub);
        r.eax &= 0x3FFF;                 /* one core, one thread per cache */
        break;
    case 6:                              /* thermal and power management: none */
    case 0xA:                            /* performance monitoring: none */
    case 0xB:                            /* topology: not enumerated */
    case 0x1F:
        r = (struct cpuid_regs){ 0, 0, 0, 0 };
        break;
    case 7:
        r = cpuid(7, sub);
        if (sub == 0) {
            r.ebx &= ~(uint32_t)(CPUID7_EBX_SGX | CPUID7_EBX_RDT_M | CPUID7_EBX_RDT_A |
                                 CPUID7_EBX_PT | CPUID7_EBX_AVX512 | CPUID7_EBX_MPX);
            r.ecx &= ~(uint32_t)(CPUID7_ECX_AVX512 | CPUID7_ECX_PKU | CPUID7_ECX_OSPKE);
            r.edx &= ~(uint32_t)CPUID7_EDX_AVX512;
            if (!vmx_ctls.invpcid)
                r.ebx &= ~(uint32_t)CPUID7_EBX_INVPCID;
            /* RDPID reads TSC_AUX: it works in a guest only with RDTSCP. */
            if (!vmx_ctls.rdtscp)
                r.ecx &= ~(uint32_t)CPUID7_ECX_RDPID;
            /* CET: its MSRs and XSAVES state are not offered. */
            r.ecx &= ~(uint32_t)(CPUID7_ECX_WAITPKG | CPUID7_ECX_SGX_LC | CPUID7_ECX_CET_SS);
            r.edx &= ~(uint32_t)(CPUID7_EDX_HYBRID | CPUID7_EDX_SPEC_CTRL_MSRS |
                                 CPUID7_EDX_CET_IBT);
        }
        break;
    case 0xD:
        /* XSAVE: only the x87, SSE and AVX state components. */
        r = cpuid(0xD, sub);
        if (sub == 0) {
            uint32_t offered = r.eax & (uint32_t)CPUID_GUEST_XCR0;
            r.eax = offered;
            r.edx = 0;
            r.ecx = xsave_size(offered, false);
            r.ebx = xsave_size(guest_xcr0(v), false);
        } else if (sub == 1) {
            r.eax &= ~(uint32_t)CPUIDD1_EAX_XSAVES;   /* no IA32_XSS for guests */
            if (!xsavec_ok)                           /* see vmx/xsavec_check.h */
                r.eax &= ~(uint32_t)CPUIDD1_EAX_XSAVEC;
            /* EBX: XSAVEC's area for XCR0 | IA32_XSS (XSS is 0 here). */
            r.ebx = xsave_size(guest_xcr0(v), true);
            r.ecx = r.edx = 0;
        } else if (sub >= 3) {
            r = (struct cpuid_regs){ 0, 0, 0, 0 };
        }
        break;
    case CPUID_LEAF_HYPERVISOR:
        r.eax = CPUID_LEAF_HYPERVISOR_MAX;
        r.ebx = sig_word(HV_CPUID_SIGNATURE);
        r.ecx = sig_word(HV_CPUID_SIGNATURE + 4);
        r.edx = sig_word(HV_CPUID_SIGNATURE + 8);
        break;
    case CPUID_LEAF_HYPERVISOR_MAX:      /* feature leaf: none defined yet */
        r = (struct cpuid_regs){ 0, 0, 0, 0 };
        break;
    case 0x80000001:
        r = cpuid(leaf, sub);
        if (!vmx_ctls.rdtscp)
            r.edx &= ~(uint32_t)CPUID80000001_EDX_RDTSCP;
        break;
    default:
        if (leaf > CPUID_LEAF_HYPERVISOR && leaf < 0x80000000u) {
            r = (struct cpuid_regs){ 0, 0, 0, 0 };
            break;
        }
        r = cpuid(leaf, sub);
        break;
    }
    *out = r;
}

/* A CR4 bit and the CPUID feature that makes it defined (SDM Vol. 3A,
 * "Control Registers", and Vol. 2A "CPUID", feature flags). */
struct cr4_feature {
    uint64_t cr4;
    uint8_t leaf7;             /* 0: CPUID.1, 1: CPUID.(7,0), 2: CPUID.(7,1) */
    uint8_t reg;               /* 0 EAX, 1 EBX, 2 ECX, 3 EDX */
    uint8_t bit;
};

static const struct cr4_feature cr4_features[] = {
    { CR4_VME, 0, 3, 1 },   { CR4_PVI, 0, 3, 1 },   { CR4_TSD, 0, 3, 4 },
    { CR4_DE, 0, 3, 2 },    { CR4_PSE, 0, 3, 3 },   { CR4_PAE, 0, 3, 6 },
    { CR4_MCE, 0, 3, 7 },   { CR4_PGE, 0, 3, 13 },  { CR4_OSFXSR, 0, 3, 24 },
    { CR4_OSXMMEXCPT, 0, 3, 25 },                   { CR4_VMXE, 0, 2, 5 },
    { CR4_SMXE, 0, 2, 6 },  { CR4_PCIDE, 0, 2, 17 }, { CR4_OSXSAVE, 0, 2, 26 },
    { CR4_FSGSBASE, 1, 1, 0 }, { CR4_SMEP, 1, 1, 7 }, { CR4_SMAP, 1, 1, 20 },
    { CR4_UMIP, 1, 2, 2 },  { CR4_LA57, 1, 2, 16 }, { CR4_PKE, 1, 2, 3 },
    { CR4_CET, 1, 2, 7 },   { CR4_CET, 1, 3, 20 },  { CR4_LAM_SUP, 2, 0, 26 },
};

static uint32_t cpuid_reg(const struct cpuid_regs *r, unsigned reg)
{
    return reg == 0 ? r->eax : reg == 1 ? r->ebx : reg == 2 ? r->ecx : r->edx;
}

uint64_t cpuid_guest_cr4_bits(void)
{
    struct cpuid_regs l[3], zero = { 0, 0, 0, 0 };
    uint32_t max = cpuid(0, 0).eax;
    cpuid_guest(NULL, 1, 0, &l[0]);
    l[1] = l[2] = zero;
    if (max >= 7) {
        cpuid_guest(NULL, 7, 0, &l[1]);
        if (l[1].eax >= 1)
            cpuid_guest(NULL, 7, 1, &l[2]);
    }
    uint64_t bits = CR4_PCE;                  /* RDPMC at CPL > 0: no CPUID flag */
    for (size_t i = 0; i < ARRAY_SIZE(cr4_features); i++) {
        const struct cr4_feature *f = &cr4_features[i];
        if (cpuid_reg(&l[f->leaf7], f->reg) & BIT(f->bit))
            bits |= f->cr4;
    }
    return bits;
}

unsigned cpuid_guest_maxphyaddr(void)
{
    static unsigned width;
    if (!width) {
        width = 36;                           /* without leaf 0x80000008 (SDM Vol. 3A) */
        if (cpuid(0x80000000, 0).eax >= 0x80000008)
            width = cpuid(0x80000008, 0).eax & 0xFF;
    }
    return width;
}

/* Leaves with subleaves, or whose values depend on the vCPU: never cached. */
static bool leaf_is_dynamic(uint32_t leaf)
{
    switch (leaf) {
    case 1: case 4: case 7: case 0xB: case 0xD: case 0xF: case 0x10: case 0x12:
    case 0x14: case 0x17: case 0x18: case 0x1A: case 0x1B: case 0x1D: case 0x1E: case 0x1F:
    case 0x20: case 0x23: case 0x24:
        return true;
    default:
        return false;
    }
}

struct cpuid_cache_entry cpuid_cache_basic[CPUID_CACHE_BASIC], cpuid_cache_hv[CPUID_CACHE_HV],
    cpuid_cache_ext[CPUID_CACHE_EXT];

static void fill(struct cpuid_cache_entry *tab, unsigned n, uint32_t base)
{
    for (unsigned i = 0; i < n; i++) {
        uint32_t leaf = base + i;
        if (leaf_is_dynamic(leaf))
            continue;
        cpuid_guest(NULL, leaf, 0, &tab[i].regs);
        tab[i].valid = true;
    }
}

void cpuid_init(void)
{
    int offset;
    xsavec_ok = xsavec_layout_ok(&offset);
    if (!xsavec_ok)
        pr_info("CPU: XSAVEC stores the AVX state at offset %d, not %u (SDM \"XSAVEC\"): "
                "not offered to guests\n", offset, XSAVEC_FIRST_EXTENDED);
    fill(cpuid_cache_basic, CPUID_CACHE_BASIC, 0);
    fill(cpuid_cache_hv, CPUID_CACHE_HV, CPUID_CACHE_HV_BASE);
    fill(cpuid_cache_ext, CPUID_CACHE_EXT, CPUID_CACHE_EXT_BASE);
}

