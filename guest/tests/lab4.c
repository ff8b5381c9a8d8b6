/*
 * lab4: the guest of the exit-dispatcher lab (labs/lab4-exits.md). It does
 * no port I/O: it prints through the VMCALL console (HC_CONSOLE_WRITE) and
 * ends with HLT, interrupts off. Run with cr3exit=1. Checks, one line each:
 *   - CPUID: VMX hidden (leaf 1 ECX bit 5), the hypervisor bit (ECX bit
 *     31), "MiniVisorVMM" at leaf 0x40000000;
 *   - CR0/CR4 through the read shadows: CR4.VMXE reads 0, CR0.NE set and
 *     cleared reads back as written, setting CR4.VMXE raises #GP;
 *   - MSRs: IA32_MISC_ENABLE has fast strings, PAT written reads back, an
 *     unknown MSR and a reserved PAT type raise #GP;
 *   - 1000 CPUIDs in a loop (each exit must move RIP past the instruction);
 *   - 1001 MOVs to CR3 alternating two values (the hypervisor counts them:
 *     "CR3 writes 1001, distinct values 2" in its summary), CR3 reads back.
 */
#include "guest.h"

#define CPUID1_ECX_VMX         (1u << 5)
#define CPUID1_ECX_HYPERVISOR  (1u << 31)
#define MSR_IA32_PAT           0x277u
#define MSR_IA32_MISC_ENABLE   0x1A0u
#define MSR_UNKNOWN            0x4B564D99u     /* no such MSR */
#define PAT_TEST               0x0007010600070106ULL
#define PAT_RESERVED_TYPE      0x0007040600070402ULL   /* type 2 in PA0 */
#define CR3_A                  0x00200000u
#define CR3_B                  0x00300000u
#define CR3_WRITES             1001

static uint32_t saved_cr4;
static uint64_t pat_value;

static void set_vmxe(void) { write_cr4(saved_cr4 | CR4_VMXE); }
static void read_unknown_msr(void) { (void)rdmsr(MSR_UNKNOWN); }
static void write_bad_pat(void) { wrmsr(MSR_IA32_PAT, pat_value); }

static void check_cpuid(void)
{
    struct cpuid_regs r = cpuid(1, 0);
    check(!(r.ecx & CPUID1_ECX_VMX), "CPUID.1:ECX.VMX[bit 5] is 0 (ECX=%08x)", r.ecx);
    check(r.ecx & CPUID1_ECX_HYPERVISOR, "CPUID.1:ECX[bit 31], the hypervisor bit, is 1");
    r = cpuid(0x40000000, 0);
    char sig[13];
    memcpy(sig, &r.ebx, 4);
    memcpy(sig + 4, &r.ecx, 4);
    memcpy(sig + 8, &r.edx, 4);
    sig[12] = 0;
    check(memcmp(sig, "MiniVisorVMM", 12) == 0, "CPUID 0x40000000 says '%s'", sig);

    unsigned done = 0;
    for (unsigned i = 0; i < 1000; i++) {
        (void)cpuid(0, 0);
        done++;
    }
    check(done == 1000, "1000 CPUIDs in a loop, %u iterations", done);
}

static void check_crs(void)
{
    uint32_t cr0 = read_cr0();
    saved_cr4 = read_cr4();
    check(!(saved_cr4 & CR4_VMXE), "CR4.VMXE reads 0 (CR4=%08x)", saved_cr4);
    /* NE must stay 1 in the real CR0 (IA32_VMX_CR0_FIXED0): the hypervisor
     * owns it, so each change exits and lands in the read shadow. */
    write_cr0(cr0 | CR0_NE);
    uint32_t got = read_cr0();
    check(got == (cr0 | CR0_NE), "CR0 with NE reads back %08x (wrote %08x)", got,
          cr0 | CR0_NE);
    write_cr0(cr0 & ~CR0_NE);
    got = read_cr0();
    check(got == (cr0 & ~CR0_NE), "CR0 without NE reads back %08x (wrote %08x)", got,
          cr0 & ~CR0_NE);
    write_cr0(cr0);
    check(expect_fault(VEC_GP, set_vmxe), "MOV to CR4 setting VMXE raises #GP");
}

static void check_msrs(void)
{
    check(rdmsr(MSR_IA32_MISC_ENABLE) & 1, "IA32_MISC_ENABLE has fast strings (bit 0)");
    uint64_t pat = rdmsr(MSR_IA32_PAT);
    wrmsr(MSR_IA32_PAT, PAT_TEST);
    uint64_t got = rdmsr(MSR_IA32_PAT);
    check(got == PAT_TEST, "IA32_PAT written reads back %016llx", got);
    wrmsr(MSR_IA32_PAT, pat);
    check(expect_fault(VEC_GP, read_unknown_msr), "RDMSR of unknown MSR %08x raises #GP",
          MSR_UNKNOWN);
    pat_value = PAT_RESERVED_TYPE;
    check(expect_fault(VEC_GP, write_bad_pat), "WRMSR of a reserved PAT type raises #GP");
    check(rdmsr(MSR_IA32_PAT) == pat, "IA32_PAT unchanged after the refused write");
}

static void check_cr3(void)
{
    for (int i = 0; i < CR3_WRITES; i++)
        write_cr3(i % 2 ? CR3_B : CR3_A);
    uint32_t got = read_cr3();
    check(got == CR3_A, "after %d MOVs to CR3 it reads back %08x", CR3_WRITES, got);
}

int main(uint32_t magic, struct mb1_info *info)
{
    (void)magic;
    (void)info;
    console_use_hypercall();
    test_begin("lab4");
    note("hypercall console works");
    check_cpuid();
    check_crs();
    check_msrs();
    check_cr3();
    test_end();
    note("halting with interrupts off");
    __asm__ volatile("cli; hlt");
    for (;;)
        ;
}
