/*
 * The exit trace (monitor command `trace NAME [N] [REASON...]`): the next N
 * exits of a guest, optionally only some reasons, one line each with the
 * reason, RIP, exit qualification and what the hypervisor did.
 *
 * It costs the exit path nothing while off: a traced vCPU has
 * VCPU_WORK_TRACE in its work bits (so the existing work check runs
 * exit_work, which ends the record; an exit that ends the slice is recorded
 * after the slice) and its sample countdown kept at 0 (so every exit goes
 * through the existing sampled dispatch, which takes RIP and qualification
 * before the handler changes them). One queued console line per exit.
 *
 * trace.c is the pure part (parsing, filtering, formatting); trace_exit.c
 * reads the VMCS and prints.
 */
#ifndef VMX_TRACE_H
#define VMX_TRACE_H

#include <hv/types.h>

#define TRACE_DEFAULT_COUNT 20
#define TRACE_MAX_COUNT     10000
#define TRACE_REASONS       128          /* bits in the filter */

enum trace_outcome {
    TRACE_RESUMED,           /* the guest goes on */
    TRACE_INJECTED,          /* goes on with an event injected (vector) */
    TRACE_HALTED,            /* waits for an interrupt */
    TRACE_YIELDED,           /* gave up the rest of its slice */
    TRACE_SLICE_OVER,        /* its time slice ended */
    TRACE_STOPPED,           /* the guest was stopped */
};

/* One traced exit. */
struct trace_event {
    unsigned reason;         /* basic exit reason */
    uint64_t rip, qualification;
    enum trace_outcome outcome;
    unsigned vector;         /* TRACE_INJECTED */
};

struct exit_trace {
    uint64_t filter[TRACE_REASONS / 64];  /* bit r: trace reason r (all set: any) */
    uint32_t count;          /* exits to print */
    uint32_t printed;
    bool pending;            /* `ev` holds an exit taken before its handler ran */
    struct trace_event ev;
};

/*
 * Parse the words after the guest's name: "off", or "[N] [REASON...]" (N
 * first, default TRACE_DEFAULT_COUNT; reason names as exit_reason_name()
 * gives them, in any case; none: every reason). Returns 1 for "off", 0 with
 * *t set up, or -1 with a message in err.
 */
int trace_parse(const char *args, struct exit_trace *t, char *err, size_t errlen);

static inline bool trace_wants(const struct exit_trace *t, unsigned reason)
{
    return reason < TRACE_REASONS && (t->filter[reason / 64] >> (reason % 64)) & 1;
}

const char *trace_outcome_name(enum trace_outcome o);

/* "[trace] NAME k/N: REASON, RIP 0x..., qualification 0x...: what happened"
 * (no newline). Returns the length as snprintf does. */
int trace_format(char *buf, size_t len, const char *name, unsigned k, unsigned n,
                 const struct trace_event *e);

/* vmx/trace_exit.c: start or stop tracing a vCPU (the monitor, between
 * slices), and the two halves of one traced exit (vmx/vcpu.c). */
struct vcpu;
void trace_start(struct vcpu *v, const struct exit_trace *t);
void trace_stop(struct vcpu *v);
void trace_exit_begin(struct vcpu *v, unsigned reason);
/* action: EXIT_RESUME from exit_work (slice_over: it ended the slice), or
 * EXIT_YIELD after the slice (the guest's state tells halted or stopped). */
void trace_exit_end(struct vcpu *v, int action, bool slice_over);

#endif
