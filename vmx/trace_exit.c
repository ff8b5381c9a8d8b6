/*
 * The exit trace on the running vCPU (see vmx/trace.h): the exit's RIP and
 * qualification are read before its handler runs, what happened after the
 * exit path is done; then one queued console line.
 */
#include "vmx/trace.h"
#include "vmx/exit.h"
#include "drivers/hw/console.h"

void trace_start(struct vcpu *v, const struct exit_trace *t)
{
    v->trace = *t;
    v->trace.printed = 0;
    v->trace.pending = false;
    v->work |= VCPU_WORK_TRACE;
}

void trace_stop(struct vcpu *v)
{
    v->work &= (uint8_t)~VCPU_WORK_TRACE;
    v->trace.pending = false;
}

void trace_exit_begin(struct vcpu *v, unsigned reason)
{
    if (!trace_wants(&v->trace, reason))
        return;
    v->trace.ev.reason = reason;
    v->trace.ev.rip = vmread(VMCS_GUEST_RIP);
    v->trace.ev.qualification = vmread(VMCS_EXIT_QUALIFICATION);
    v->trace.pending = true;
}

void trace_exit_end(struct vcpu *v, int action, bool slice_over)
{
    struct exit_trace *t = &v->trace;
    if (!t->pending)
        return;
    t->pending = false;
    struct trace_event *e = &t->ev;
    if (action == EXIT_STOP_VM || v->vm->state == VM_STOPPED) {
        e->outcome = TRACE_STOPPED;
    } else if (action == EXIT_YIELD) {
        e->outcome = v->vm->state == VM_HALTED ? TRACE_HALTED : TRACE_YIELDED;
    } else if (slice_over) {
        e->outcome = TRACE_SLICE_OVER;
    } else {
        uint32_t info = (uint32_t)vmread(VMCS_VM_ENTRY_INTERRUPTION_INFO);
        e->outcome = (info & INTR_INFO_VALID) ? TRACE_INJECTED : TRACE_RESUMED;
        e->vector = info & INTR_INFO_VECTOR_MASK;
    }
    char line[160];
    trace_format(line, sizeof(line), v->vm->name, ++t->printed, t->count, e);
    kprintf("%s\n", line);
    if (t->printed >= t->count) {
        trace_stop(v);
        kprintf("[trace] %s: done, %u exit(s) traced\n", v->vm->name, t->printed);
    }
}
