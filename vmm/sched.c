/* See vmm/sched.h. */
#include "vmm/sched.h"
#include "vmm/board.h"
#include "boot/x86.h"
#include "drivers/hw/console.h"
#include <hv/log.h>
#include "hv/lab.h"

#define SLICE_MIN_FRACTION 100     /* shortest slice: 1/100 of a full one */

static struct vm *vms[VM_MAX_GUESTS];
static unsigned nvms;
static uint64_t slice_cycles;
static bool (*poll_fn)(void);      /* the console monitor, the GDB stub */
static uint64_t host_tsc[HOST_MAX];
static uint64_t run_start, run_end;

/* Charge the TSC cycles since t0 to `counter`; returns now. */
static uint64_t charge(uint64_t *counter, uint64_t t0)
{
    uint64_t t1 = rdtsc();
    *counter += t1 - t0;
    return t1;
}

void sched_accounting(struct sched_accounting *a)
{
    a->elapsed = (run_end ? run_end : rdtsc()) - run_start;
    for (unsigned i = 0; i < HOST_MAX; i++)
        a->host[i] = host_tsc[i];
}

void sched_set_slice(uint64_t cycles)
{
    slice_cycles = cycles;
    /* The same floor for a guest's own timer events inside its slice. */
    vcpu_set_timer_gap(cycles / SLICE_MIN_FRACTION);
}

static bool poll(void)
{
    return poll_fn && poll_fn();
}

void sched_add(struct vm *vm)
{
    if (nvms < VM_MAX_GUESTS)
        vms[nvms++] = vm;
}

struct vm *const *sched_vms(unsigned *count)
{
    *count = nvms;
    return vms;
}

/* The earliest device event of any VM but `except` (NULL: of all). */
static uint64_t next_event_except(const struct vm *except)
{
    uint64_t next = UINT64_MAX;
    for (unsigned i = 0; i < nvms; i++)
        if (vms[i] != except && vms[i]->state != VM_STOPPED && vms[i]->next_event_tsc < next)
            next = vms[i]->next_event_tsc;
    return next;
}

uint64_t sched_next_event_tsc(void)
{
    return next_event_except(NULL);
}

/* Fire the device timers that are due in every VM (this wakes guests). */
static void run_due_timers(void)
{
    uint64_t now = rdtsc();
    uint64_t t = now;
    for (unsigned i = 0; i < nvms; i++) {
        struct vm *vm = vms[i];
        if (vm->state == VM_STOPPED)
            continue;
        if ((vm->vcpu.work & VCPU_WORK_TIMERS) || vm->next_event_tsc <= now) {
            board_update_timers(vm);
            t = charge(&vm->host_tsc[VM_HOST_TIMERS], t);
        }
        board_feed_input(vm);
        t = charge(&vm->host_tsc[VM_HOST_CONSOLE], t);
    }
}

/* Round-robin over runnable guests, starting after the last one run. */
static struct vm *pick_next(unsigned *cursor)
{
    for (unsigned k = 0; k < nvms; k++) {
        unsigned i = (*cursor + 1 + k) % nvms;
        if (vms[i]->state == VM_RUNNABLE && !vms[i]->gdb_stopped) {
            *cursor = i;
            return vms[i];
        }
    }
    return NULL;
}

/* Nothing runnable: stop guests that nothing can wake, then wait for the
 * next timer or console input. Returns false when every guest has stopped. */
static bool idle(void)
{
    bool alive = false, waiting = false;
    for (unsigned i = 0; i < nvms; i++) {
        struct vm *vm = vms[i];
        if (vm->state == VM_HALTED && !vm->gdb_stopped && !board_can_wake(vm))
            vm_stop(vm, VM_END_HALTED, 0,
                    "halted waiting for an interrupt, and no device will raise one");
        alive |= vm->state != VM_STOPPED;
        waiting |= vm->state == VM_HALTED || vm->state == VM_PAUSED;
    }
    if (!alive)
        return false;
    if (waiting) {
        uint64_t until = sched_next_event_tsc();
        while (rdtsc() < until && !poll()) {
            console_drain();
            pause();
        }
    }
    return true;
}

/*
 * vm's slice ends at its length or at the next device event of another
 * guest, whichever comes first, so their timers fire on time (vm's own
 * events are handled inside its slice, vmx/vcpu.c); but it lasts at least
 * 1/SLICE_MIN_FRACTION of a slice, so a guest whose timer fires every few
 * microseconds (a PIT at its highest rate) cannot shrink every slice to
 * nothing and starve all guests (late events are delivered once,
 * coalesced).
 */
static uint64_t slice_deadline(const struct vm *vm)
{
    uint64_t now = rdtsc();
    uint64_t others = next_event_except(vm);
    if (others == UINT64_MAX)           /* no other guest waits for a timer */
        return now + slice_cycles;
    /* LAB 8 BEGIN slice_deadline: the slice ends at its length or at another guest's next device event, whichever is first, but lasts at least 1/SLICE_MIN_FRACTION of a slice */
    uint64_t deadline = MIN(now + slice_cycles, others);
    return MAX(deadline, now + slice_cycles / SLICE_MIN_FRACTION);
    /* LAB 8 END */
}

void sched_run(bool (*poll_hook)(void))
{
    unsigned cursor = nvms - 1;
    poll_fn = poll_hook;
    uint64_t t = run_start = rdtsc();
    for (;;) {
        console_drain();
        poll();
        t = charge(&host_tsc[HOST_CONSOLE], t);
        run_due_timers();                   /* charges the VMs */
        t = rdtsc();
        struct vm *vm = pick_next(&cursor);
        if (vm) {
            uint64_t deadline = slice_deadline(vm);
            charge(&host_tsc[HOST_SCHED], t);
            vcpu_run(&vm->vcpu, deadline);  /* charges the VM, all of it */
            t = rdtsc();
        } else {
            bool alive = idle();
            t = charge(&host_tsc[HOST_IDLE], t);
            if (!alive)
                break;
        }
    }
    run_end = t;
}
