/* What vmx/ code calls beyond the VMCS and the board, for host tests: see
 * tests/fakes/vmx_fakes.h. */
#include <stdlib.h>
#include <string.h>
#include "vmx/vmcs.h"
#include "vmx/vmcheck.h"
#include "vmx/cpuid.h"
#include "vmx/vcpu.h"
#include "vmx/exit.h"
#include "drivers/hw/lapic.h"
#include "boot/cpu.h"
#include "mm/frames.h"
#include "mm/ept.h"
#include "tests/fakes/vmx_fakes.h"

struct vmx_env_fake vmx_env_fake;

/* vmx/vmcs.c's policy, for a CPU with unrestricted guest whose CR0/CR4 fixed
 * bits are the common ones. */
struct vmx_controls vmx_ctls;
#define FAKE_CR4_ALLOWED  (CR4_VME | CR4_PVI | CR4_TSD | CR4_DE | CR4_PSE | CR4_PAE | CR4_MCE | \
                           CR4_PGE | CR4_PCE | CR4_OSFXSR | CR4_OSXMMEXCPT | CR4_FSGSBASE | \
                           CR4_PCIDE | CR4_OSXSAVE | CR4_SMEP | CR4_SMAP)

uint64_t vmcs_cr0_for_guest(uint64_t v) { return vmx_fixed_bits(v, FAKE_CR0_FIXED0, 0xFFFFFFFFULL); }
uint64_t vmcs_cr4_for_guest(uint64_t v)
{
    return vmx_fixed_bits(v, FAKE_CR4_FIXED0, FAKE_CR4_ALLOWED | FAKE_CR4_FIXED0);
}
uint64_t vmcs_cr4_allowed(void) { return FAKE_CR4_ALLOWED; }
uint64_t vmcs_cr0_mask(void) { return CR0_PE | CR0_NE | CR0_PG; }
uint64_t vmcs_cr4_mask(void) { return ~FAKE_CR4_ALLOWED | CR4_PAE; }
void vmcs_load(struct vcpu *v) { (void)v; vmx_fake_insns.vmptrld++; }
void vmcs_dump(const struct vcpu *v) { (void)v; vmx_env_fake.vmcs_dumps++; }
unsigned vmcheck_explain(const struct vcpu *v) { (void)v; vmx_env_fake.vmcheck_explains++; return 0; }

/* CPUID policy (vmx/cpuid.c): the tests fill the cache. */
struct cpuid_cache_entry cpuid_cache_basic[CPUID_CACHE_BASIC], cpuid_cache_hv[CPUID_CACHE_HV],
    cpuid_cache_ext[CPUID_CACHE_EXT];

unsigned cpuid_guest_maxphyaddr(void) { return vmx_env_fake.maxphyaddr; }

void cpuid_guest(const struct vcpu *v, uint32_t leaf, uint32_t sub, struct cpuid_regs *out)
{
    (void)v;
    vmx_env_fake.cpuid_guest_calls++;
    vmx_env_fake.cpuid_leaf = leaf;
    vmx_env_fake.cpuid_sub = sub;
    if (leaf == 0x80000001) {
        *out = (struct cpuid_regs){ 0, 0, 0, BIT(11) | BIT(20) | BIT(29) };
        return;
    }
    *out = (struct cpuid_regs){ leaf, sub, ~leaf, leaf ^ sub };
}

/* vmx/vcpu.c */
struct vcpu_run_params run_params;
uint64_t vcpu_guest_xcr0_supported(void) { return vmx_env_fake.xcr0_supported; }

/* XSETBV and WBINVD (boot/x86.h) */
void write_xcr0(uint64_t v)
{
    vmx_env_fake.xcr0_written = v;
    vmx_env_fake.xsetbv_count++;
}
void wbinvd(void) { vmx_env_fake.wbinvd_count++; }

/* The host's local APIC and IDT */
void lapic_eoi(void) { vmx_env_fake.lapic_eois++; }
void lapic_timer_arm(uint64_t deadline) { (void)deadline; }
void cpu_set_irq_handler(unsigned vector, irq_handler_fn fn) { (void)vector; (void)fn; }

/* The guest's debug registers (vmx/vcpu.c): DR0-DR3 and DR6 as the
 * fake keeps them. */
uint64_t vcpu_get_dr(struct vcpu *v, unsigned i)
{
    (void)v;
    return vmx_env_fake.dr[i & 7];
}

void vcpu_set_dr(struct vcpu *v, unsigned i, uint64_t val)
{
    (void)v;
    vmx_env_fake.dr[i & 7] = val;
}

/* Frames come from the C heap (the host tests' RAM is 1:1 too, mm/frames.h). */
hpa_t frame_alloc(void)
{
    void *p = aligned_alloc(PAGE_SIZE, PAGE_SIZE);
    if (p)
        memset(p, 0, PAGE_SIZE);
    return (hpa_t)(uintptr_t)p;
}

void frame_free(hpa_t pa, uint64_t npages)
{
    (void)npages;
    free((void *)(uintptr_t)pa);
}

int ept_map(struct ept *e, gpa_t gpa, hpa_t hpa, uint64_t len, unsigned prot)
{
    (void)e;
    vmx_env_fake.ept_maps++;
    vmx_env_fake.ept_map_gpa = gpa;
    vmx_env_fake.ept_map_hpa = hpa;
    vmx_env_fake.ept_map_len = len;
    vmx_env_fake.ept_map_prot = prot;
    return vmx_env_fake.ept_rc;
}

int ept_unmap(struct ept *e, gpa_t gpa, uint64_t len)
{
    (void)e; (void)gpa; (void)len;
    vmx_env_fake.ept_unmaps++;
    return vmx_env_fake.ept_rc;
}

void vmx_env_fake_reset(void)
{
    memset(&vmx_env_fake, 0, sizeof(vmx_env_fake));
    memset(&vmx_ctls, 0, sizeof(vmx_ctls));
    memset(&run_params, 0, sizeof(run_params));
    memset(cpuid_cache_basic, 0, sizeof(cpuid_cache_basic));
    memset(cpuid_cache_hv, 0, sizeof(cpuid_cache_hv));
    memset(cpuid_cache_ext, 0, sizeof(cpuid_cache_ext));
    vmx_env_fake.xcr0_supported = XCR0_X87 | XCR0_SSE | XCR0_AVX;
    vmx_env_fake.maxphyaddr = 39;
}
