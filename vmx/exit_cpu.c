/*
 * Exits caused by instructions that act on the CPU itself: CPUID, HLT,
 * INVD/WBINVD, XSETBV, VMCALL (hypercalls), the VMX instructions, plus
 * triple faults. What CPUID tells a guest is decided in vmx/cpuid.c.
 */
#include "vmx/exit.h"
#include "vmx/hypercall.h"
#include "vmx/cpuid.h"
#include "vmx/vmcs.h"
#include "vmx/vcpu.h"
#include "vmx/xsave.h"
#include "boot/msr.h"
#include "boot/x86.h"
#include <hv/string.h>
#include <hv/log.h>
#include <hv/version.h>
#include "hv/lab.h"

static void set_cpuid_result(struct vcpu *v, const struct cpuid_regs *r)
{
    uint64_t *g = v->regs.gpr;
    g[GPR_RAX] = r->eax;
    g[GPR_RBX] = r->ebx;
    g[GPR_RCX] = r->ecx;
    g[GPR_RDX] = r->edx;
}

static __attribute__((noinline)) void cpuid_uncached(struct vcpu *v, uint32_t leaf)
{
    struct cpuid_regs r;
    cpuid_guest(v, leaf, (uint32_t)v->regs.gpr[GPR_RCX], &r);
    set_cpuid_result(v, &r);
}

enum exit_action exit_cpuid(struct vcpu *v)
{
    /* LAB 4 BEGIN exit_cpuid: answer CPUID from the policy (cpuid_cached, else cpuid_guest) into RAX/RBX/RCX/RDX, then move RIP past the instruction */
    uint32_t leaf = (uint32_t)v->regs.gpr[GPR_RAX];
    const struct cpuid_regs *r = cpuid_cached(leaf);
    if (likely(r))
        set_cpuid_result(v, r);
    else
        cpuid_uncached(v, leaf);
    vcpu_skip_instruction();
    return EXIT_RESUME;
    /* LAB 4 END */
}

enum exit_action exit_hlt(struct vcpu *v)
{
    /* LAB 4 BEGIN exit_hlt: skip the HLT; with IF=0 stop the VM (halted with interrupts disabled), with an interrupt pending resume, else mark the VM halted and yield */
    vcpu_skip_instruction();
    /* "STI; HLT" leaves STI blocking set; it ends with the HLT. */
    uint64_t intr = vmcs_read32(VMCS_GUEST_INTERRUPTIBILITY_STATE);
    if (intr & (INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS))
        vmcs_write32(VMCS_GUEST_INTERRUPTIBILITY_STATE,
                intr & ~(uint64_t)(INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS));
    if (!(vmcs_readnat(VMCS_GUEST_RFLAGS) & RFLAGS_IF)) {
        vm_stop(v->vm, VM_END_HALTED, 0, "halted with interrupts disabled at RIP %#llx",
                (unsigned long long)vmcs_readnat(VMCS_GUEST_RIP));
        return EXIT_STOP_VM;
    }
    if (vcpu_interrupt_pending(v)) {
        v->work |= VCPU_WORK_IRQ;          /* an interrupt is already waiting: no sleep */
        return EXIT_RESUME;
    }
    v->vm->state = VM_HALTED;
    return EXIT_YIELD;
    /* LAB 4 END */
}

enum exit_action exit_invd(struct vcpu *v)
{
    /* The guest's caches are the host's: write back and keep data (WBINVD
     * semantics for INVD too, which must never drop host data). */
    (void)v;
    wbinvd();
    vcpu_skip_instruction();
    return EXIT_RESUME;
}

/*
 * XSETBV (SDM Vol. 2C, "XSETBV"; it exits unconditionally: Vol. 3C,
 * "Instructions That Cause VM Exits Unconditionally"). The #UD for CR4.OSXSAVE
 * = 0 comes before the exit ("Relative Priority of Faults and VM Exits":
 * invalid-opcode and privilege-level faults first), and OSXSAVE is the
 * guest's own bit (not in the CR4 guest/host mask), so the CPU has checked
 * it. The #GP(0) at CPL > 0 should come first too, but Bochs exits before
 * that check, so it is repeated here (CPL is SS.DPL). Then the value: ECX
 * must be 0 and the value valid for the components offered (xcr0_valid).
 */
#define AR_DPL(ar)  (((ar) >> 5) & 3)

enum exit_action exit_xsetbv(struct vcpu *v)
{
    uint64_t *g = v->regs.gpr;
    uint64_t value = ((g[GPR_RDX] & 0xFFFFFFFF) << 32) | (g[GPR_RAX] & 0xFFFFFFFF);

    if (AR_DPL(vmcs_read32(VMCS_GUEST_SS_ACCESS_RIGHTS)) != 0 || (uint32_t)g[GPR_RCX] != 0 ||
        !xcr0_valid(value, vcpu_guest_xcr0_supported())) {
        vcpu_inject_gp(v);
        return EXIT_RESUME;
    }
    v->xcr0 = value;
    write_xcr0(value);
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
    vm_stop(v->vm, VM_END_TRIPLE_FAULT, 0, "reset by a triple fault at RIP %#llx (a PC resets on one)",
            (unsigned long long)vmcs_readnat(VMCS_GUEST_RIP));
    return EXIT_STOP_VM;
}

/* The CPL is SS.DPL (SDM Vol. 3C, "Checks on Guest Segment Registers"),
 * bits 6:5 of the access rights. */
#define AR_DPL(ar)  (((ar) >> 5) & 3)

enum exit_action exit_vmcall(struct vcpu *v)
{
    /* LAB 4 BEGIN exit_vmcall: hypercalls (vmx/hypercall.h): HC_EPERM from CPL > 0, HC_CONSOLE_WRITE from guest memory to vm->console, HC_EXIT stops the VM; result in RAX, skip the VMCALL */
    uint64_t *g = v->regs.gpr;
    struct vm *vm = v->vm;
    int64_t ret;

    /* VMCALL exits at any CPL; hypercalls are for the guest's kernel, so a
     * user program gets HC_EPERM and nothing happens (as KVM does). */
    if (unlikely(AR_DPL(vmcs_read32(VMCS_GUEST_SS_ACCESS_RIGHTS)) != 0)) {
        vm->hypercalls_refused++;
        g[GPR_RAX] = (uint64_t)(int64_t)HC_EPERM;
        vcpu_skip_instruction();
        return EXIT_RESUME;
    }

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
    /* LAB 4 END */
}
