/*
 * Guest debugging, the VT-x mechanism under vcpu_set_guest_debug (see
 * vmm/vm.h): #BP and #DB exiting in the exception bitmap, single steps,
 * the guest's debug registers, and the exits they cause, each reported
 * upward through vm->debug_ops. No policy here: which INT3s are the
 * debugger's, what a stop means and when the guest goes on are the
 * debugger's (vmm/gdbstub.c).
 * SDM Vol. 3C, "Exception Bitmap", "Monitor Trap Flag", "Event Injection"
 * (a #BP nobody claims goes back to the guest as a software exception with
 * its instruction length). Without the monitor trap flag a step is made by
 * RFLAGS.TF with #DB exiting (Vol. 3B, "Single-Step Exception Condition"),
 * which the guest could notice (PUSHF sees TF). Hardware breakpoints take
 * the guest's DR0-DR3 and DR7 (Vol. 3B, "Debug Registers"; DR7 is in the
 * VMCS guest state) while any is set, with #DB exiting.
 */
#include "vmx/exit.h"
#include "vmx/vcpu.h"
#include "vmx/vmcs.h"
#include "boot/msr.h"
#include <hv/errno.h>

#define VECTOR_DB     1
#define VECTOR_BP     3
#define DR6_BS        BIT(14)        /* single step */
#define DR6_EXIT_BITS 0x600FULL      /* B0-B3, BD, BS: what the exit qualification holds */
#define DR7_FIXED1    0x400ULL       /* bit 10 reads as 1 */
/* The exception-bitmap bits guest debugging owns (the bitmap is 0 else). */
#define DEBUG_VECTORS (BIT(VECTOR_DB) | BIT(VECTOR_BP) | VCPU_DEBUG_CATCHABLE)

const char *vcpu_debug_step_method(void)
{
    return vmx_ctls.monitor_trap_flag ? "the monitor trap flag" : "RFLAGS.TF";
}

static void set_mtf(bool on)
{
    uint32_t proc = vmcs_read32(VMCS_PRIMARY_PROC_BASED_VM_EXEC_CONTROL);
    proc = on ? proc | PROC_CTL_MONITOR_TRAP_FLAG : proc & ~(uint32_t)PROC_CTL_MONITOR_TRAP_FLAG;
    vmcs_write32(VMCS_PRIMARY_PROC_BASED_VM_EXEC_CONTROL, proc);
}

static bool hw_in_use(const struct vcpu_debug *d)
{
    for (unsigned i = 0; i < VCPU_DEBUG_HW_SLOTS; i++)
        if (d->hw[i].kind != VCPU_HW_NONE)
            return true;
    return false;
}

/* #DB exits while a hardware breakpoint or a TF step needs them, #BP while
 * debugging, and the caught exceptions. */
static void update_exception_bitmap(struct vcpu *v)
{
    const struct vcpu_debug_state *s = &v->debug;
    uint32_t bm = vmcs_read32(VMCS_EXCEPTION_BITMAP) & ~(uint32_t)DEBUG_VECTORS;
    if (s->set.control & VCPU_DEBUG_ENABLE)
        bm |= BIT(VECTOR_BP);
    if (hw_in_use(&s->set) || s->step_tf)
        bm |= BIT(VECTOR_DB);
    bm |= s->set.exceptions;
    vmcs_write32(VMCS_EXCEPTION_BITMAP, bm);
}

/* The step by TF is over (or called off): the guest's own TF back. */
static void end_tf_step(struct vcpu *v)
{
    uint64_t rflags = vmcs_readnat(VMCS_GUEST_RFLAGS) & ~(uint64_t)RFLAGS_TF;
    vmcs_writenat(VMCS_GUEST_RFLAGS, rflags | (v->debug.tf_saved ? RFLAGS_TF : 0));
    v->debug.step_tf = false;
}

/* DR7's enable, R/W and LEN fields for the slots in use (Vol. 3B, "Debug
 * Control Register (DR7)"): L<i>; R/W 00 execute, 01 write, 11 read-write;
 * LEN 00 1 byte, 01 2, 11 4, 10 8 (00 for execution). */
static uint64_t hw_dr7(const struct vcpu_debug *d)
{
    static const unsigned rw_of_kind[] = {
        [VCPU_HW_EXEC] = 0, [VCPU_HW_WRITE] = 1, [VCPU_HW_ACCESS] = 3,
    };
    static const unsigned len_bits[9] = { 0, 0, 1, 0, 3, 0, 0, 0, 2 };
    uint64_t dr7 = DR7_FIXED1;
    for (unsigned i = 0; i < VCPU_DEBUG_HW_SLOTS; i++) {
        const struct vcpu_hw_break *h = &d->hw[i];
        if (h->kind == VCPU_HW_NONE)
            continue;
        unsigned len = h->kind == VCPU_HW_EXEC ? 0 : len_bits[h->len];
        dr7 |= BIT(2 * i) | (uint64_t)(rw_of_kind[h->kind] | len << 2) << (16 + 4 * i);
    }
    return dr7;
}

static bool valid(const struct vcpu_debug *d)
{
    if (d->control & ~(uint32_t)(VCPU_DEBUG_ENABLE | VCPU_DEBUG_SINGLESTEP) ||
        d->exceptions & ~(uint32_t)VCPU_DEBUG_CATCHABLE)
        return false;
    for (unsigned i = 0; i < VCPU_DEBUG_HW_SLOTS; i++) {
        const struct vcpu_hw_break *h = &d->hw[i];
        if (h->kind == VCPU_HW_NONE || h->kind == VCPU_HW_EXEC)
            continue;
        if (h->kind != VCPU_HW_WRITE && h->kind != VCPU_HW_ACCESS)
            return false;
        /* DRi must be aligned to LEN ("Debug Address Registers") */
        if (!(h->len == 1 || h->len == 2 || h->len == 4 || h->len == 8) || (h->addr & (h->len - 1)))
            return false;
    }
    return true;
}

int vcpu_set_guest_debug(struct vcpu *v, const struct vcpu_debug *d)
{
    static const struct vcpu_debug off;
    if (!valid(d))
        return -HV_EINVAL;
    if (!(d->control & VCPU_DEBUG_ENABLE))
        d = &off;
    struct vcpu_debug_state *s = &v->debug;
    vmcs_load(v);

    bool step = d->control & VCPU_DEBUG_SINGLESTEP;
    if (vmx_ctls.monitor_trap_flag) {
        set_mtf(step);
    } else if (step && !s->step_tf) {
        uint64_t rflags = vmcs_readnat(VMCS_GUEST_RFLAGS);
        s->tf_saved = rflags & RFLAGS_TF;
        s->step_tf = true;
        vmcs_writenat(VMCS_GUEST_RFLAGS, rflags | RFLAGS_TF);
    } else if (!step && s->step_tf) {
        end_tf_step(v);
    }

    /* The guest's debug registers are borrowed with the first slot in use
     * and given back after the last. */
    bool had_hw = hw_in_use(&s->set), has_hw = hw_in_use(d);
    if (has_hw && !had_hw) {
        for (unsigned i = 0; i < VCPU_DEBUG_HW_SLOTS; i++)
            s->guest_dr[i] = vcpu_get_dr(v, i);
        s->guest_dr7 = vmcs_readnat(VMCS_GUEST_DR7);
    }
    if (has_hw) {
        for (unsigned i = 0; i < VCPU_DEBUG_HW_SLOTS; i++)
            vcpu_set_dr(v, i, d->hw[i].kind != VCPU_HW_NONE ? d->hw[i].addr : 0);
        vmcs_writenat(VMCS_GUEST_DR7, hw_dr7(d));
    } else if (had_hw) {
        for (unsigned i = 0; i < VCPU_DEBUG_HW_SLOTS; i++)
            vcpu_set_dr(v, i, s->guest_dr[i]);
        vmcs_writenat(VMCS_GUEST_DR7, s->guest_dr7);
    }

    s->set = *d;
    update_exception_bitmap(v);
    return 0;
}

/* Ask the debugger whether it takes this stop. */
static bool report(struct vcpu *v, const struct vcpu_stop *why)
{
    const struct vm_debug_ops *ops = v->vm->debug_ops;
    return ops && ops->stop(v, why);
}

/* The step asked for is done: it ends here, whoever takes the stop. */
static void step_done(struct vcpu *v)
{
    v->debug.set.control &= ~(uint32_t)VCPU_DEBUG_SINGLESTEP;
}

/* A #BP exit (exit_exception_nmi): an INT3 exits with RIP at it (it was
 * not delivered). The debugger's stops the guest; any other goes on to the
 * guest, past the INT3 or INT 3 that raised it. */
enum exit_action exit_debug_breakpoint(struct vcpu *v, uint32_t info)
{
    const struct vcpu_stop why = { .kind = VCPU_STOP_BREAKPOINT,
                                   .addr = vmcs_readnat(VMCS_GUEST_RIP) };
    if (report(v, &why))
        return EXIT_YIELD;
    uint32_t type = info & INTR_TYPE_MASK;
    vmcs_write32(VMCS_VM_ENTRY_INTERRUPTION_INFO, INTR_INFO_VALID | type | VECTOR_BP);
    if (type != INTR_TYPE_HARD_EXCEPTION)
        vmcs_write32(VMCS_VM_ENTRY_INSTRUCTION_LEN, vmcs_read32(VMCS_VM_EXIT_INSTRUCTION_LEN));
    return EXIT_RESUME;
}

/* A #DB exit (exit_exception_nmi; on while a hardware breakpoint or a TF
 * step needs it): one of our slots hit, or the TF step is over; else the
 * #DB is the guest's and goes back to it with its DR6 bits (an exception
 * exit leaves DR6 as it was; the qualification holds the bits). */
enum exit_action exit_debug_db(struct vcpu *v)
{
    uint64_t qual = vmcs_readnat(VMCS_EXIT_QUALIFICATION);
    const struct vcpu_debug *d = &v->debug.set;
    int slot = -1;
    for (unsigned i = 0; i < VCPU_DEBUG_HW_SLOTS; i++)
        if (d->hw[i].kind != VCPU_HW_NONE && (qual & BIT(i)))
            slot = (int)i;
    bool step = v->debug.step_tf && (qual & DR6_BS);
    if (step) {
        end_tf_step(v);
        step_done(v);
        update_exception_bitmap(v);
    }
    if (slot >= 0 || step) {
        struct vcpu_stop why = { .kind = VCPU_STOP_STEP };
        if (slot >= 0)
            why = (struct vcpu_stop){ .kind = VCPU_STOP_HW, .slot = (unsigned)slot };
        return report(v, &why) ? EXIT_YIELD : EXIT_RESUME;
    }
    vcpu_set_dr(v, 6, vcpu_get_dr(v, 6) | (qual & DR6_EXIT_BITS));
    vcpu_inject_exception(v, VECTOR_DB, false, 0);
    return EXIT_RESUME;
}

/* A caught exception (exit_exception_nmi): the debugger's to take, else
 * delivered to the guest as it was raised. */
enum exit_action exit_debug_exception(struct vcpu *v, uint32_t info)
{
    struct vcpu_stop why = {
        .kind = VCPU_STOP_EXCEPTION,
        .vector = info & INTR_INFO_VECTOR_MASK,
        .has_error_code = info & INTR_INFO_DELIVER_ERROR_CODE,
    };
    if (why.has_error_code)
        why.error_code = vmcs_read32(VMCS_VM_EXIT_INTERRUPTION_ERROR_CODE);
    if (report(v, &why))
        return EXIT_YIELD;
    vcpu_inject_exception(v, why.vector, why.has_error_code, why.error_code);
    return EXIT_RESUME;
}

/* One instruction done under the monitor trap flag: the step is over. */
enum exit_action exit_monitor_trap_flag(struct vcpu *v)
{
    set_mtf(false);
    if (!(v->debug.set.control & VCPU_DEBUG_SINGLESTEP))
        return EXIT_RESUME;
    step_done(v);
    const struct vcpu_stop why = { .kind = VCPU_STOP_STEP };
    return report(v, &why) ? EXIT_YIELD : EXIT_RESUME;
}
