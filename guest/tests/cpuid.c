/*
 * cpuid: what CPUID tells a guest under minivisor.
 *   - leaf 1 ECX bit 5 (VMX) is clear: the guest cannot use VT-x itself;
 *   - leaf 1 ECX bit 31 (hypervisor present) is set;
 *   - leaf 0x40000000 (hypervisor leaves) returns the highest hypervisor
 *     leaf in EAX (at least 0x40000000) and "MiniVisorVMM" in EBX, ECX, EDX.
 */
#include "guest.h"

#define CPUID_FEATURES       1u
#define CPUID_ECX_VMX        (1u << 5)
#define CPUID_ECX_HYPERVISOR (1u << 31)
#define CPUID_HV_BASE        0x40000000u
#define EXPECTED_SIGNATURE   "MiniVisorVMM"

int main(uint32_t magic, struct mb1_info *info)
{
    (void)magic;
    (void)info;
    test_begin("cpuid");

    struct cpuid_regs r0 = cpuid(0, 0);
    char vendor[13];
    memcpy(vendor + 0, &r0.ebx, 4);
    memcpy(vendor + 4, &r0.edx, 4);
    memcpy(vendor + 8, &r0.ecx, 4);
    vendor[12] = '\0';
    note("leaf 0: max basic leaf 0x%x, vendor '%s'", r0.eax, vendor);

    struct cpuid_regs r1 = cpuid(CPUID_FEATURES, 0);
    note("leaf 1: eax=%08x ebx=%08x ecx=%08x edx=%08x", r1.eax, r1.ebx, r1.ecx, r1.edx);
    check(!(r1.ecx & CPUID_ECX_VMX), "leaf 1 ECX bit 5 (VMX) clear, ECX=%08x", r1.ecx);
    check(r1.ecx & CPUID_ECX_HYPERVISOR,
          "leaf 1 ECX bit 31 (hypervisor present) set, ECX=%08x", r1.ecx);

    struct cpuid_regs h = cpuid(CPUID_HV_BASE, 0);
    char sig[13];
    memcpy(sig + 0, &h.ebx, 4);
    memcpy(sig + 4, &h.ecx, 4);
    memcpy(sig + 8, &h.edx, 4);
    sig[12] = '\0';
    check(h.eax >= CPUID_HV_BASE && h.eax < CPUID_HV_BASE + 0x100,
          "leaf 0x40000000 EAX (max hypervisor leaf) = 0x%08x, expected 0x400000xx", h.eax);
    check(memcmp(sig, EXPECTED_SIGNATURE, 12) == 0,
          "leaf 0x40000000 signature '%s' (ebx=%08x ecx=%08x edx=%08x), expected '%s'",
          sig, h.ebx, h.ecx, h.edx, EXPECTED_SIGNATURE);
    return test_end();
}
