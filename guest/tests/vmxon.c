/*
 * vmxon: VMX instructions in a guest. minivisor does not offer nested
 * virtualization, so VMXON, VMPTRLD, VMCLEAR, VMREAD, VMWRITE, VMLAUNCH,
 * VMRESUME and VMXOFF each raise #UD (vector 6) in the guest. VMCALL is
 * different: it is the hypercall, so an unknown hypercall number returns
 * an error in EAX instead of faulting.
 */
#include "guest.h"

#define HC_UNKNOWN  0xFFFFu     /* no such hypercall */

/* A zeroed, 4 KiB aligned region for the instructions' memory operands. */
static uint8_t vmx_region[4096] __attribute__((aligned(4096)));
static uint64_t region_pa;      /* operand of VMXON/VMPTRLD/VMCLEAR: its address */
static uint32_t vmread_value;
static int32_t vmcall_result;

static void do_vmxon(void)    { __asm__ volatile("vmxon %0" : : "m"(region_pa)); }
static void do_vmptrld(void)  { __asm__ volatile("vmptrld %0" : : "m"(region_pa)); }
static void do_vmclear(void)  { __asm__ volatile("vmclear %0" : : "m"(region_pa)); }
static void do_vmread(void)
{
    uint32_t field = 0x681E;    /* guest RIP */
    __asm__ volatile("vmread %1, %0" : "=rm"(vmread_value) : "r"(field) : "cc");
}
static void do_vmwrite(void)
{
    uint32_t field = 0x681E, value = 0;
    __asm__ volatile("vmwrite %1, %0" : : "r"(field), "rm"(value) : "cc");
}
static void do_vmlaunch(void) { __asm__ volatile("vmlaunch" : : : "cc", "memory"); }
static void do_vmresume(void) { __asm__ volatile("vmresume" : : : "cc", "memory"); }
static void do_vmxoff(void)   { __asm__ volatile("vmxoff" : : : "cc", "memory"); }
static void do_vmcall(void)   { vmcall_result = vmcall(HC_UNKNOWN, 0, 0); }

struct vmx_case {
    const char *name;
    void (*fn)(void);
};

static const struct vmx_case cases[] = {
    { "vmxon",    do_vmxon },
    { "vmptrld",  do_vmptrld },
    { "vmclear",  do_vmclear },
    { "vmread",   do_vmread },
    { "vmwrite",  do_vmwrite },
    { "vmlaunch", do_vmlaunch },
    { "vmresume", do_vmresume },
    { "vmxoff",   do_vmxoff },
};

int main(uint32_t magic, struct mb1_info *info)
{
    (void)magic;
    (void)info;
    test_begin("vmxon");

    region_pa = (uint32_t)(uintptr_t)vmx_region;
    note("VMX region at 0x%08x, CR4=%08x", (uint32_t)region_pa, read_cr4());
    for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int vec = catch_fault(cases[i].fn);
        check(vec == VEC_UD, "%s raises #UD: vector %d (expected %d)",
              cases[i].name, vec, VEC_UD);
    }

    vmcall_result = 0;
    int vec = catch_fault(do_vmcall);
    check(vec == NO_FAULT && vmcall_result < 0,
          "vmcall is a hypercall, not #UD: vector %d (expected none), "
          "unknown function 0x%x returns %d (expected < 0)", vec, HC_UNKNOWN, vmcall_result);
    return test_end();
}
