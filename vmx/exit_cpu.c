/*
 * Exits caused by instructions that act on the CPU itself: CPUID, HLT,
 * INVD/WBINVD, XSETBV, VMCALL (hypercalls), the VMX instructions, plus
 * triple faults. CPUID filtering: SDM Vol. 2A, "CPUID", and the
 * hypervisor-leaf convention (leaf 0x40000000) that KVM, Xen and Hyper-V share.
 */
#include "vmx/exit.h"
#include "vmx/hypercall.h"
#include "vmx/vmcs.h"
#include "boot/msr.h"
#include "boot/x86.h"
#include <hv/string.h>
#include <hv/log.h>
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
#define CPUID7_ECX_WAITPKG   BIT(5)
#define CPUID7_ECX_SGX_LC    BIT(30)
#define CPUID7_EDX_HYBRID    BIT(15)
#define CPUIDD1_EAX_XSAVES   BIT(3)
#define CPUID80000001_EDX_RDTSCP BIT(27)

#define CPUID_LEAF_HYPERVISOR      0x40000000u
#define CPUID_LEAF_HYPERVISOR_MAX  0x40000001u

static inline uint32_t sig_word(const char *s) { uint32_t w; memcpy(&w, s, 4); return w; }

enum exit_action exit_cpuid(struct vcpu *v)
{
    uint64_t *g = v->regs.gpr;
    uint32_t leaf = (uint32_t)g[GPR_RAX], sub = (uint32_t)g[GPR_RCX];
    struct cpuid_regs r;

    switch (leaf) {
    case 1:
        r = cpuid(1, 0);
        r.ecx &= ~(uint32_t)(CPUID1_ECX_MONITOR | CPUID1_ECX_DS_CPL | CPUID1_ECX_VMX |
                             CPUID1_ECX_SMX | CPUID1_ECX_EST | CPUID1_ECX_TM2 | CPUID1_ECX_SDBG |
                             CPUID1_ECX_PDCM | CPUID1_ECX_DCA | CPUID1_ECX_X2APIC |
                             CPUID1_ECX_TSC_DEADLINE);
        r.ecx |= (uint32_t)CPUID1_ECX_HYPERVISOR;
        r.edx &= ~(uint32_t)(CPUID1_EDX_MCE | CPUID1_EDX_APIC | CPUID1_EDX_MTRR | CPUID1_EDX_MCA |
                             CPUID1_EDX_DS | CPUID1_EDX_ACPI | CPUID1_EDX_HTT | CPUID1_EDX_TM |
                             CPUID1_EDX_PBE);
        /* One logical processor; initial APIC ID = vCPU id. */
        r.ebx = (r.ebx & 0x0000FFFF) | (1u << 16) | (v->id << 24);
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
            r.ebx &= ~(uint32_t)(CPUID7_EBX_SGX | CPUID7_EBX_RDT_M | CPUID7_EBX_RDT_A | CPUID7_EBX_PT);
            if (!vmx_ctls.invpcid)
                r.ebx &= ~(uint32_t)CPUID7_EBX_INVPCID;
            r.ecx &= ~(uint32_t)(CPUID7_ECX_WAITPKG | CPUID7_ECX_SGX_LC);
            r.edx &= ~(uint32_t)CPUID7_EDX_HYBRID;
        }
        break;
    case 0xD:
        r = cpuid(0xD, sub);
        if (sub == 1 && !vmx_ctls.xsaves)
            r.eax &= ~(uint32_t)CPUIDD1_EAX_XSAVES;
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
    g[GPR_RAX] = r.eax;
    g[GPR_RBX] = r.ebx;
    g[GPR_RCX] = r.ecx;
    g[GPR_RDX] = r.edx;
    vcpu_skip_instruction();
    return EXIT_RESUME;
}

enum exit_action exit_hlt(struct vcpu *v)
{
    vcpu_skip_instruction();
    if (!(vmread(VMCS_GUEST_RFLAGS) & RFLAGS_IF)) {
        vm_stop(v->vm, VM_END_HALTED, 0, "halted with interrupts disabled at RIP %#llx",
                (unsigned long long)vmread(VMCS_GUEST_RIP));
        return EXIT_STOP_VM;
    }
    v->vm->state = VM_HALTED;
    return EXIT_YIELD;
}

enum exit_action exit_invd(struct vcpu *v)
{
    /* The guest's caches are the host's: write back and keep data (WBINVD
     * semantics for INVD too, which must never drop host data). */
    (void)v;
    __asm__ volatile("wbinvd" ::: "memory");
    vcpu_skip_instruction();
    return EXIT_RESUME;
}

/* XSETBV (SDM Vol. 2C, "XSETBV"): ECX must be 0, x87 state must stay on,
 * AVX needs SSE, and only components the host's XSAVE supports. */
enum exit_action exit_xsetbv(struct vcpu *v)
{
    uint64_t *g = v->regs.gpr;
    uint64_t value = ((g[GPR_RDX] & 0xFFFFFFFF) << 32) | (g[GPR_RAX] & 0xFFFFFFFF);
    struct cpuid_regs d = cpuid(0xD, 0);
    uint64_t supported = ((uint64_t)d.edx << 32) | d.eax;

    if ((uint32_t)g[GPR_RCX] != 0 || !(value & BIT(0)) || (value & ~supported) ||
        ((value & BIT(2)) && !(value & BIT(1))) || !(read_cr4() & CR4_OSXSAVE)) {
        vcpu_inject_gp(v);
        return EXIT_RESUME;
    }
    v->xcr0 = value;
    __asm__ volatile("xsetbv" :: "a"((uint32_t)value), "d"((uint32_t)(value >> 32)), "c"(0));
    vcpu_skip_instruction();
    return EXIT_RESUME;
}

enum exit_action exit_vmx_instruction(struct vcpu *v)
{
    /* No nested virtualization: VMX instructions are undefined in a guest,
     * as CPUID tells it (SDM Vol. 3C, "VMX Instructions" in non-root). */
    (void)v;
    vcpu_inject_ud(v);
    return EXIT_RESUME;
}

enum exit_action exit_triple_fault(struct vcpu *v)
{
    vm_stop(v->vm, VM_END_TRIPLE_FAULT, 0, "triple fault at RIP %#llx",
            (unsigned long long)vmread(VMCS_GUEST_RIP));
    return EXIT_STOP_VM;
}

enum exit_action exit_vmcall(struct vcpu *v)
{
    uint64_t *g = v->regs.gpr;
    struct vm *vm = v->vm;
    int64_t ret;

    switch (g[GPR_RAX]) {
    case HC_CONSOLE_WRITE: {
        uint64_t gpa = g[GPR_RBX], len = g[GPR_RCX];
        if (len > HC_CONSOLE_MAX) {
            ret = HC_EINVAL;
            break;
        }
        if (!gmem_contains(&vm->mem, gpa, len)) {
            ret = HC_EFAULT;
            break;
        }
        char buf[256];
        for (uint64_t done = 0; done < len; ) {
            size_t n = (size_t)MIN(len - done, sizeof(buf));
            if (gmem_read(&vm->mem, gpa + done, buf, n) < 0)
                break;
            vconsole_write(&vm->console, buf, n);
            done += n;
        }
        ret = 0;
        break;
    }
    case HC_EXIT:
        vm_stop(vm, VM_END_EXIT_VMCALL, g[GPR_RBX], "exited with status %llu (hypercall)",
                (unsigned long long)g[GPR_RBX]);
        return EXIT_STOP_VM;
    default:
        ret = HC_ENOSYS;
        break;
    }
    g[GPR_RAX] = (uint64_t)ret;
    vcpu_skip_instruction();
    return EXIT_RESUME;
}
