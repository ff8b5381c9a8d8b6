/*
 * The CPUID values a guest sees (vmx/cpuid.c).
 */
#ifndef VMX_CPUID_H
#define VMX_CPUID_H

#include "vmm/vm.h"
#include "boot/x86.h"
#include "vmx/xsave.h"

/* The XSAVE state components guests may enable in XCR0: x87, SSE, AVX. */
#define CPUID_GUEST_XCR0  0x7ULL

/* The host's CPUID leaf 0xD, sub-leaf `sub`, for vmx/xsave.c. */
struct xsave_leaf cpuid_leaf_d(uint32_t sub);

/* Compute the table of vCPU-independent leaves (after the controls are known). */
void cpuid_init(void);
struct cpuid_cache_entry {
    struct cpuid_regs regs;
    bool valid;
};

#define CPUID_CACHE_BASIC     0x20              /* leaves 0x0-0x1F */
#define CPUID_CACHE_HV_BASE   0x40000000u
#define CPUID_CACHE_HV        2                 /* 0x40000000-0x40000001 */
#define CPUID_CACHE_EXT_BASE  0x80000000u
#define CPUID_CACHE_EXT       0x20              /* 0x80000000-0x8000001F */

extern struct cpuid_cache_entry cpuid_cache_basic[CPUID_CACHE_BASIC],
    cpuid_cache_hv[CPUID_CACHE_HV], cpuid_cache_ext[CPUID_CACHE_EXT];

/* The cached answer for `leaf`, or NULL when it must be computed. */
static inline const struct cpuid_regs *cpuid_cached(uint32_t leaf)
{
    const struct cpuid_cache_entry *e;
    if (leaf < CPUID_CACHE_BASIC)
        e = &cpuid_cache_basic[leaf];
    else if (leaf - CPUID_CACHE_EXT_BASE < CPUID_CACHE_EXT)
        e = &cpuid_cache_ext[leaf - CPUID_CACHE_EXT_BASE];
    else if (leaf - CPUID_CACHE_HV_BASE < CPUID_CACHE_HV)
        e = &cpuid_cache_hv[leaf - CPUID_CACHE_HV_BASE];
    else
        return NULL;
    return e->valid ? &e->regs : NULL;
}
/* The CR4 bits whose features CPUID offers guests (all others are
 * reserved for them: writing one raises #GP). */
uint64_t cpuid_guest_cr4_bits(void);
/* The guest's physical-address width (CPUID 0x80000008 EAX[7:0]). */
unsigned cpuid_guest_maxphyaddr(void);
/* Compute leaf/subleaf for vCPU v (v may be NULL for vCPU-independent leaves). */
void cpuid_guest(const struct vcpu *v, uint32_t leaf, uint32_t sub, struct cpuid_regs *out);

#endif
