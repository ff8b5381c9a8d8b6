/*
 * The run loop: enter the guest, dispatch its exits, count them, until the
 * slice ends (VMX-preemption timer, the host LAPIC timer, or the TSC check
 * below for CPUs that do not save the timer across exits). Guest state the VMCS does not switch is
 * switched here, only when a different vCPU runs than last time.
 * SDM Vol. 3C, "VM Entries", "VM Exits"; Vol. 1, "Managing State Using the
 * XSAVE Feature Set".
 *
 * Where each piece of a guest's CPU state lives (SDM Vol. 3C, "Guest-State
 * Area", "Loading Guest State", "Saving Guest State", "Loading Host State"):
 *
 * - The VMCS, at every entry and exit: RIP, RSP, RFLAGS; CR0, CR3, CR4;
 *   every segment register with its base (FS/GS base included), GDTR, IDTR,
 *   LDTR, TR; SYSENTER_CS/ESP/EIP; EFER ("load/save IA32_EFER"); PAT
 *   ("load/save IA32_PAT" where offered, else its MSR exits and is kept in
 *   the vCPU); DR7 and IA32_DEBUGCTL ("load/save debug controls", required
 *   by vmx_compute_controls: without them every exit left DR7 at 400H);
 *   interruptibility, activity state, pending debug exceptions.
 * - vmx_entry.S, at every entry and exit: the general registers.
 * - Software, below, when another vCPU runs than last time (the hypervisor
 *   itself never changes them: it takes no page faults, uses no FPU/SSE
 *   register (-mgeneral-regs-only), no breakpoint, no SYSCALL/SWAPGS/RDTSCP):
 *   CR2; DR0-DR3 and DR6 (MOV DR does not exit; the host runs with DR7 =
 *   400H, so guest breakpoints never fire in it); the x87/SSE/AVX registers
 *   and XCR0 (XSAVE/XRSTOR of the components in `fpu`: those of
 *   CPUID_GUEST_XCR0 the CPU has; FXSAVE without XSAVE); and the MSRs the
 *   MSR bitmap (vmx/vm.c) passes through with no VMCS field: KERNEL_GS_BASE,
 *   STAR, LSTAR, CSTAR, FMASK, and TSC_AUX when RDTSCP is offered.
 * - Models (every access exits): the local APIC with CR8/TPR (the
 *   virtual-APIC page under a TPR shadow, else CR8 exits), MISC_ENABLE, the
 *   TSC (offset 0; writes ignored; IA32_TIME_STAMP_COUNTER passes through
 *   for reads only).
 *
 * Not switched, because no guest can change it:
 * - Any other MSR: it exits, and exit_msr.c raises #GP. That covers
 *   IA32_SPEC_CTRL and PRED_CMD (CPUID hides them), IA32_DEBUGCTL (its VMCS
 *   field stays 0), IA32_XSS (XSAVES hidden), the PMU's MSRs, BNDCFGS (MPX
 *   hidden), the CET MSRs (CET hidden; CR4.CET alone enables nothing), XFD
 *   and UMWAIT_CONTROL.
 * - XSAVE components outside CPUID_GUEST_XCR0 (MPX, AVX-512, PKRU, AMX):
 *   XSETBV refuses them, so no guest can reach their registers. PKRU is
 *   also reachable by WRPKRU when CR4.PKE = 1: CPUID hides PKU and the
 *   hypervisor owns CR4.PKE (vmcs.c, exit_cr.c), so a guest cannot set it.
 * - Cached translations are tagged, not switched: a VPID per vCPU and an
 *   EPTP per VM.
 */
#include "vmx/vcpu.h"
#include "vmx/apicv.h"
#include "vmx/cpuid.h"
#include "vmx/exit.h"
#include "vmx/interrupts.h"
#include "vmx/slice_timer.h"
#include "vmx/trace.h"
#include "vmx/vmcheck.h"
#include "vmx/vmcs.h"
#include "vmx/vmx_cpu.h"
#include "vmx/vmx_entry.h"
#include "vmx/xsave.h"
#include "drivers/hw/lapic.h"
#include "boot/msr.h"
#include "boot/x86.h"
#include "mm/frames.h"
#include <hv/errno.h>
#include <hv/format.h>
#include <hv/log.h>
#include <hv/string.h>
#include "hv/lab.h"

#define CPUID1_ECX_XSAVE   BIT(26)
#define FXSAVE_FCW_OFFSET      0
#define FXSAVE_MXCSR_OFFSET    24
#define FCW_DEFAULT            0x037F
#define MXCSR_DEFAULT          0x1F80
#define DR6_INIT               0xFFFF0FF0ULL    /* DR6 after reset */

struct vcpu_run_params run_params;

void vcpu_set_timer_gap(uint64_t cycles)
{
    run_params.timer_gap = cycles;
}

static bool host_xsave;
/* What XSAVE saves for every guest: the components guests may enable, and
 * the area's size. Without XSAVE, FXSAVE's 512 bytes. */
static struct xsave_layout fpu = { XCR0_X87 | XCR0_SSE, FXSAVE_AREA_SIZE, 1 };
static struct vcpu *last_vcpu;       /* whose MSRs / FPU state the CPU holds */

void vcpu_host_fpu_init(void)
{
    write_cr0((read_cr0() & ~CR0_EM) | CR0_MP);
    uint64_t cr4 = read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT;
    if (cpuid(1, 0).ecx & CPUID1_ECX_XSAVE) {
        cr4 |= CR4_OSXSAVE;
        host_xsave = true;
    }
    write_cr4(cr4);
    if (host_xsave) {
        /* Only the components guests may enable are saved, in an area
         * sized for them: CPUID.(0xD,0).EBX follows XCR0, so it is read
         * after XCR0 holds exactly that set. */
        xsave_guest_layout(CPUID_GUEST_XCR0, cpuid_leaf_d, &fpu);
        write_xcr0(fpu.xcr0);
        uint32_t ebx = cpuid(0xD, 0).ebx;
        if (ebx > fpu.size) {
            fpu.size = ebx;
            fpu.pages = (uint32_t)(ALIGN_UP(ebx, PAGE_SIZE) / PAGE_SIZE);
        }
    }
    pr_info("FPU: guests' %s state saved by %s, %u bytes per vCPU\n",
            fpu.xcr0 & XCR0_AVX ? "x87/SSE/AVX" : "x87/SSE", host_xsave ? "XSAVE" : "FXSAVE",
            fpu.size);
}

uint64_t vcpu_guest_xcr0_supported(void)
{
    return fpu.xcr0;
}

void vcpu_msrs_init(struct vcpu *v);

int vcpu_init_state(struct vcpu *v)
{
    hpa_t pa = frame_alloc_run(fpu.pages, PAGE_SIZE);
    if (!pa)
        return -HV_ENOMEM;
    v->fpu_area = phys_to_virt(pa);
    uint8_t *a = v->fpu_area;
    memset(a, 0, fpu.pages * PAGE_SIZE);        /* XSAVE header included */
    *(uint16_t *)(a + FXSAVE_FCW_OFFSET) = FCW_DEFAULT;
    *(uint32_t *)(a + FXSAVE_MXCSR_OFFSET) = MXCSR_DEFAULT;
    v->xcr0 = XCR0_X87;
    v->dr6 = DR6_INIT;
    vcpu_msrs_init(v);
    return 0;
}

void vcpu_free_state(struct vcpu *v)
{
    if (v->fpu_area)
        frame_free(virt_to_phys(v->fpu_area), fpu.pages);
    v->fpu_area = NULL;
}

static void save_guest_context(struct vcpu *v)
{
    /* LAB 8 BEGIN save_guest_context: another vCPU runs next: keep what the VMCS does not switch (CR2, the SYSCALL MSRs, TSC_AUX, DR0-DR3 and DR6, the x87/SSE/AVX registers by XSAVE or FXSAVE) in v */
    v->cr2 = read_cr2();           /* the host takes no page faults: CR2 is the guest's */
    v->msr_kernel_gs_base = rdmsr(MSR_IA32_KERNEL_GS_BASE);
    v->msr_star = rdmsr(MSR_IA32_STAR);
    v->msr_lstar = rdmsr(MSR_IA32_LSTAR);
    v->msr_cstar = rdmsr(MSR_IA32_CSTAR);
    v->msr_fmask = rdmsr(MSR_IA32_FMASK);
    if (vmx_ctls.rdtscp)
        v->msr_tsc_aux = rdmsr(MSR_IA32_TSC_AUX);
    v->dr[0] = read_dr0();
    v->dr[1] = read_dr1();
    v->dr[2] = read_dr2();
    v->dr[3] = read_dr3();
    v->dr6 = read_dr6();
    if (host_xsave) {
        write_xcr0(fpu.xcr0);
        __asm__ volatile("xsave64 %0" : "+m"(*(uint8_t (*)[PAGE_SIZE])v->fpu_area)
                         : "a"(~0u), "d"(~0u) : "memory");
    } else {
        __asm__ volatile("fxsave64 %0" : "+m"(*(uint8_t (*)[512])v->fpu_area) :: "memory");
    }
    /* LAB 8 END */
}

static void load_guest_context(struct vcpu *v)
{
    write_cr2(v->cr2);
    wrmsr(MSR_IA32_KERNEL_GS_BASE, v->msr_kernel_gs_base);
    wrmsr(MSR_IA32_STAR, v->msr_star);
    wrmsr(MSR_IA32_LSTAR, v->msr_lstar);
    wrmsr(MSR_IA32_CSTAR, v->msr_cstar);
    wrmsr(MSR_IA32_FMASK, v->msr_fmask);
    if (vmx_ctls.rdtscp)
        wrmsr(MSR_IA32_TSC_AUX, v->msr_tsc_aux);
    write_dr0(v->dr[0]);
    write_dr1(v->dr[1]);
    write_dr2(v->dr[2]);
    write_dr3(v->dr[3]);
    write_dr6(v->dr6);
    if (host_xsave) {
        write_xcr0(fpu.xcr0);
        __asm__ volatile("xrstor64 %0" :: "m"(*(uint8_t (*)[PAGE_SIZE])v->fpu_area),
                         "a"(~0u), "d"(~0u) : "memory");
        write_xcr0(v->xcr0);
    } else {
        __asm__ volatile("fxrstor64 %0" :: "m"(*(uint8_t (*)[512])v->fpu_area) : "memory");
    }
}

uint64_t vcpu_get_dr(struct vcpu *v, unsigned i)
{
    if (last_vcpu != v)
        return i == 6 ? v->dr6 : v->dr[i & 3];
    switch (i) {
    case 0:  return read_dr0();
    case 1:  return read_dr1();
    case 2:  return read_dr2();
    case 6:  return read_dr6();
    default: return read_dr3();
    }
}

void vcpu_set_dr(struct vcpu *v, unsigned i, uint64_t val)
{
    if (i == 6)
        v->dr6 = val;
    else
        v->dr[i & 3] = val;
    if (last_vcpu != v)
        return;                     /* loaded when v runs next */
    switch (i) {                    /* the host's DR7 (400H) keeps them idle here */
    case 0:  write_dr0(val); break;
    case 1:  write_dr1(val); break;
    case 2:  write_dr2(val); break;
    case 6:  write_dr6(val); break;
    default: write_dr3(val); break;
    }
}

static void report_entry_failure(struct vcpu *v, int rc)
{
    struct vm *vm = v->vm;
    if (rc == VMX_RUN_FAIL_VALID) {
        uint32_t err = vmcs_read32(VMCS_VM_INSTRUCTION_ERROR);
        pr_err("guest %s: VM entry failed: VM-instruction error %u (%s)\n", vm->name, err,
               vmx_instruction_error_name(err));
        if (err == VMXERR_INVALID_CONTROL_FIELDS || err == VMXERR_INVALID_HOST_STATE)
            vmcheck_explain(v);
        vmcs_dump(v);
        vm_stop(vm, VM_END_ENTRY_FAILED, 0, "VM entry failed: VM-instruction error %u (%s)",
                err, vmx_instruction_error_name(err));
    } else {
        vm_stop(vm, VM_END_ENTRY_FAILED, 0, "VM entry failed: no current VMCS (VMfailInvalid)");
    }
}

/* The slice ends, and the VM's own timer events come, by the VMX-preemption
 * timer, else the host LAPIC timer (its interrupt exits), else the TSC
 * check at each exit (vmx/slice_timer.h). The guest's timer ticks are
 * handled in the run loop (exit_preemption_timer, exit_work), not by going
 * back to the scheduler. */
/* Charge TSC cycles from t0 to now to a named host activity of v's VM,
 * inside the window of the current exit, which then has them less (the
 * window is added to *charge_to at the next entry: unsigned arithmetic
 * makes the early subtraction safe). Returns now. */
static inline uint64_t charge(struct vcpu *v, enum vm_host_activity what, uint64_t t0)
{
    uint64_t t1 = rdtsc();
    v->vm->host_tsc[what] += t1 - t0;
    *v->charge_to -= t1 - t0;
    return t1;
}

/* The rarer work after an exit: timers, the slice's end, interrupts. */
static __attribute__((noinline)) int exit_work(struct vcpu *v)
{
    uint64_t t = rdtsc();
    if ((v->work & (VCPU_WORK_TIMERS | VCPU_WORK_WAKE)) || t >= v->wake_tsc) {
        bool pass = slice_timer_run(v, t);
        slice_timer_arm(v, pass ? rdtsc() : t);
        t = charge(v, VM_HOST_TIMERS, t);
    }
    if (t >= v->slice_deadline) {
        if (v->work & VCPU_WORK_TRACE)
            trace_exit_end(v, EXIT_RESUME, true);
        return 1;
    }
    if (v->work & VCPU_WORK_IRQ)
        vcpu_deliver_interrupts(v);
    if (v->vapic)
        apicv_update(v);
    charge(v, VM_HOST_DELIVERY, t);
    if (v->work & VCPU_WORK_TRACE)
        trace_exit_end(v, EXIT_RESUME, false);
    return 0;
}

/* Before the handler of an exit when v->work asks for it: one line for the
 * guest's first VM exit after VMLAUNCH (a VMLAUNCH that worked shows here,
 * with where the guest was and what it did first), and the exit trace. */
static __attribute__((noinline)) void exit_observe(struct vcpu *v, unsigned basic)
{
    if (v->work & VCPU_WORK_FIRST_EXIT) {
        v->work &= (uint8_t)~VCPU_WORK_FIRST_EXIT;
        if (!(vmcs_read32(VMCS_EXIT_REASON) & EXIT_REASON_FAILED_VMENTRY)) {
            char gpa[48] = "", name[32];
            if (basic == EXIT_REASON_EPT_VIOLATION || basic == EXIT_REASON_EPT_MISCONFIG)
                fmt_snprintf(gpa, sizeof(gpa), ", guest-physical address %#llx",
                             (unsigned long long)vmcs_read64(VMCS_GUEST_PHYSICAL_ADDRESS));
            /* The name in words ("EPT VIOLATION"), so that tests rejecting
             * an exit reason in the summary ("EPT_VIOLATION") see only that. */
            hv_strlcpy(name, exit_reason_name(basic), sizeof(name));
            for (char *c = name; *c; c++)
                if (*c == '_')
                    *c = ' ';
            pr_debug("guest %s: first VM exit: %s (basic reason %u) at guest RIP %#llx, exit "
                    "qualification %#llx%s\n", v->vm->name, name, basic,
                    (unsigned long long)vmcs_readnat(VMCS_GUEST_RIP),
                    (unsigned long long)vmcs_readnat(VMCS_EXIT_QUALIFICATION), gpa);
        }
    }
    if (v->work & VCPU_WORK_TRACE)
        trace_exit_begin(v, basic);
}

/*
 * The hot path: every VM exit of the running vCPU comes here from
 * vmx_exit_entry. It reads only the exit reason and IDT-vectoring fields,
 * counts, dispatches, and returns 0 to enter the guest again, or 1 when the
 * slice is over (the guest halted or stopped, or its time is up).
 *
 * Accounting: vmx_entry.S notes the TSC just before each entry, so the
 * guest's time is exit - entry, and the window from one exit to the next
 * entry is charged to that exit's reason (less what exit_work charged to
 * device timers and interrupt delivery): every cycle of a slice is counted
 * once, at the cost of an RDTSC here and one before the entry.
 */
int vmx_handle_exit(struct vcpu_regs *regs)
{
    struct vcpu *v = (struct vcpu *)regs;         /* regs is v's first member */
    uint64_t now = rdtsc();
    struct vm *vm = v->vm;
    vm->tsc_guest += now - regs->entry_tsc;
    *v->charge_to += regs->entry_tsc - v->last_exit_tsc;
    v->last_exit_tsc = now;
    /* The preemption timer counts only while the guest runs, so an exit-
     * heavy guest would see its timer events and its slice's end late: each
     * exit also compares the TSC with what the timer was armed for. */
    if (unlikely(now >= v->wake_tsc))
        v->work |= VCPU_WORK_WAKE;

    unsigned basic = vmcs_read32(VMCS_EXIT_REASON) & EXIT_REASON_BASIC_MASK;
    if (unlikely(basic >= EXIT_REASON_MAX)) {
        v->charge_to = &vm->host_tsc[VM_HOST_SWITCH];
        return exit_stop_unhandled(v, basic) == EXIT_RESUME ? 0 : 1;
    }

    if (unlikely(exit_during_delivery & BIT(basic))) {
        uint32_t info = vmcs_read32(VMCS_IDT_VECTORING_INFO);
        if (info & INTR_INFO_VALID)
            vcpu_reinject_vectoring(v, info);
        else if (basic == EXIT_REASON_EPT_VIOLATION || basic == EXIT_REASON_EXCEPTION_NMI)
            vcpu_check_nmi_unblocking(v, basic);
    }
    struct exit_stat *st = &vm->exits[basic];
    st->count++;
    v->charge_to = &st->cycles;
    if (unlikely(v->work & (VCPU_WORK_TRACE | VCPU_WORK_FIRST_EXIT)))
        exit_observe(v, basic);
    enum exit_action action = exit_dispatch(v, basic);
    if (unlikely(action != EXIT_RESUME))
        return 1;
    return unlikely(v->work) ? exit_work(v) : 0;
}

void vcpu_run(struct vcpu *v, uint64_t deadline)
{
    struct vm *vm = v->vm;
    uint64_t slice_start = rdtsc();

    vmcs_load(v);
    vm->slices++;
    if (last_vcpu != v) {
        vm->switches++;
        if (last_vcpu)
            save_guest_context(last_vcpu);
        load_guest_context(v);
        last_vcpu = v;
    }

    v->last_exit_tsc = slice_start;
    v->timers_tsc = slice_start;          /* the scheduler ran them just now */
    v->charge_to = &vm->host_tsc[VM_HOST_SWITCH];
    v->slice_deadline = deadline;
    slice_timer_arm(v, rdtsc());
    /* Timers that count while the hypervisor runs need no check in
     * exit_work at every exit (vmx_handle_exit still compares). */
    if (vmx_ctls.save_preemption_timer || run_params.lapic_slice_timer)
        v->work &= (uint8_t)~VCPU_WORK_DEADLINE;
    else
        v->work |= VCPU_WORK_DEADLINE;
    if (v->work & VCPU_WORK_IRQ)
        vcpu_deliver_interrupts(v);
    if (v->vapic)
        apicv_update(v);
    if (!v->launched)
        v->work |= VCPU_WORK_FIRST_EXIT;

    int rc = vmx_run(&v->regs, v->launched);
    /* A traced exit whose handler ended the slice (halted, yielded, stopped)
     * is recorded here, off the exit path. */
    if (unlikely(v->work & VCPU_WORK_TRACE))
        trace_exit_end(v, EXIT_YIELD, false);
    if (unlikely(rc >= VMX_RUN_FAIL_INVALID))
        report_entry_failure(v, rc);
    else
        v->launched = true;
    /* The slice's last window: to the exit that ended it. */
    *v->charge_to += rdtsc() - v->last_exit_tsc;
}
