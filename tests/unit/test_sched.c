/*
 * Host tests for vmm/sched.c, the round-robin scheduler above the VM API:
 * which guest runs next, the deadline each slice gets (its length, the next
 * device event of any guest, at least 1/100 of a slice), waiting while every
 * guest is halted, and stopping guests nothing can wake. The clock is a
 * variable: RDTSC and PAUSE are replaced before sched.c is compiled in, and
 * vcpu_run and the board are fakes that follow a per-guest script.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "boot/x86.h"
static uint64_t fake_tsc;             /* the fake TSC */
static unsigned pauses;
#define rdtsc() (fake_tsc)
#define pause() (fake_tsc += 10, pauses++)
#include "vmm/sched.c"

#define SLICE 1000000ULL

/* ---- fakes ---- */
struct script {
    unsigned runs_left;          /* slices before the guest stops itself */
    bool halt_after_run;         /* HLT at the end of each slice */
    uint64_t wake_at;            /* a halted guest's timer (UINT64_MAX: none) */
    uint64_t slice_used;         /* TSC each slice takes (0: up to the deadline) */
};
static struct vm vm_store[4];
static struct script scripts[4];
static char order[64];           /* names of the guests run, in order */
static uint64_t deadlines[64];
static unsigned nruns, polls;

static unsigned index_of(struct vm *vm) { return (unsigned)(vm - vm_store); }

void vcpu_run(struct vcpu *v, uint64_t deadline)
{
    struct vm *vm = v->vm;
    struct script *s = &scripts[index_of(vm)];
    assert_int_equal(vm->state, VM_RUNNABLE);
    assert_true(nruns < sizeof(order) - 1);
    order[nruns] = vm->name[0];
    deadlines[nruns++] = deadline;
    fake_tsc = s->slice_used ? fake_tsc + s->slice_used : MAX(fake_tsc, deadline);
    if (--s->runs_left == 0)
        vm->state = VM_STOPPED;
    else if (s->halt_after_run)
        vm->state = VM_HALTED;
}

void board_update_timers(struct vm *vm)
{
    struct script *s = &scripts[index_of(vm)];
    vm->vcpu.work &= (uint8_t)~VCPU_WORK_TIMERS;
    if (s->wake_at <= fake_tsc && vm->state == VM_HALTED) {
        vm->state = VM_RUNNABLE;             /* the timer's interrupt wakes it */
        s->wake_at = UINT64_MAX;
    }
    vm->next_event_tsc = s->wake_at;
}

bool board_can_wake(struct vm *vm) { return scripts[index_of(vm)].wake_at != UINT64_MAX; }
void board_feed_input(struct vm *vm) { (void)vm; }
void console_drain(void) {}
void vcpu_set_timer_gap(uint64_t cycles) { (void)cycles; }

static enum vm_end stopped_how[4];
void vm_stop(struct vm *vm, enum vm_end end, uint64_t status, const char *fmt, ...)
{
    (void)status; (void)fmt;
    vm->state = VM_STOPPED;
    stopped_how[index_of(vm)] = end;
}

static bool poll_hook(void) { polls++; return false; }

/* n guests named A, B, C..., each runnable with `runs` slices. */
static void setup_guests(unsigned n, unsigned runs)
{
    memset(vm_store, 0, sizeof(vm_store));
    memset(scripts, 0, sizeof(scripts));
    memset(order, 0, sizeof(order));
    memset(stopped_how, 0, sizeof(stopped_how));
    nvms = 0;
    nruns = polls = pauses = 0;
    fake_tsc = 5000;
    sched_set_slice(SLICE);
    for (unsigned i = 0; i < n; i++) {
        struct vm *vm = &vm_store[i];
        vm->name[0] = (char)('A' + i);
        vm->vcpu.vm = vm;
        vm->state = VM_RUNNABLE;
        vm->next_event_tsc = UINT64_MAX;
        scripts[i] = (struct script){ .runs_left = runs, .wake_at = UINT64_MAX };
        sched_add(vm);
    }
}

/* ---- tests ---- */

static void test_round_robin_until_all_stop(void **state)
{
    (void)state;
    setup_guests(3, 2);
    scripts[1].runs_left = 3;                 /* B outlives the others */
    sched_run(poll_hook);
    assert_string_equal(order, "ABCABCB");
    for (unsigned i = 0; i < 3; i++)
        assert_int_equal(vm_store[i].state, VM_STOPPED);
    assert_true(polls >= nruns);              /* the monitor is polled between slices */
}

static void test_deadline_is_slice_or_next_event(void **state)
{
    (void)state;
    setup_guests(2, 1);
    /* B's device timer is due in a quarter slice: A's slice ends then. */
    scripts[1].wake_at = vm_store[1].next_event_tsc = fake_tsc + SLICE / 4;
    uint64_t start = fake_tsc;
    sched_run(NULL);
    assert_int_equal(deadlines[0], start + SLICE / 4);
}

static void test_own_event_does_not_end_the_slice(void **state)
{
    (void)state;
    setup_guests(2, 1);
    /* A's own timer is due soon: A handles it inside its slice (vmx/vcpu.c). */
    vm_store[0].next_event_tsc = fake_tsc + SLICE / 4;
    scripts[0].wake_at = vm_store[0].next_event_tsc;
    uint64_t start = fake_tsc;
    sched_run(NULL);
    assert_int_equal(deadlines[0], start + SLICE);
}

static void test_minimum_slice(void **state)
{
    (void)state;
    setup_guests(2, 1);
    /* A device event due at once cannot shrink a slice below 1/100. */
    scripts[1].wake_at = vm_store[1].next_event_tsc = fake_tsc + 1;
    uint64_t start = fake_tsc;
    sched_run(NULL);
    assert_int_equal(deadlines[0], start + SLICE / SLICE_MIN_FRACTION);
}

static void test_full_slice_without_events(void **state)
{
    (void)state;
    setup_guests(1, 1);
    uint64_t start = fake_tsc;
    sched_run(NULL);
    assert_int_equal(nruns, 1);
    assert_int_equal(deadlines[0], start + SLICE);
}

static void test_halted_guest_waits_for_its_timer(void **state)
{
    (void)state;
    setup_guests(1, 2);
    scripts[0].halt_after_run = true;
    scripts[0].slice_used = 100;
    scripts[0].wake_at = vm_store[0].next_event_tsc = 50000;
    sched_run(NULL);
    assert_string_equal(order, "AA");
    assert_true(pauses > 0);                  /* it waited ... */
    assert_true(fake_tsc >= 50000);                /* ... until the timer was due */
    assert_int_equal(stopped_how[0], VM_END_NONE);    /* it ended itself */
}

static void test_halted_guest_nothing_can_wake_is_stopped(void **state)
{
    (void)state;
    setup_guests(2, 3);
    scripts[0].halt_after_run = true;         /* A halts, no timer, no input */
    scripts[0].slice_used = 100;
    scripts[1].slice_used = 100;
    sched_run(NULL);
    assert_int_equal(stopped_how[0], VM_END_HALTED);
    assert_int_equal(vm_store[0].state, VM_STOPPED);
    assert_string_equal(order, "ABBB");        /* A once; B its three slices */
}

/* The debugger (the poll hook here) lets A go once B has stopped. */
static bool release_a_when_b_stops(void)
{
    polls++;
    if (vm_store[1].state == VM_STOPPED && vm_store[0].gdb_stopped) {
        vm_store[0].gdb_stopped = false;
        return true;
    }
    return false;
}

static void test_debugger_held_guest_is_skipped(void **state)
{
    (void)state;
    setup_guests(2, 2);
    vm_store[0].gdb_stopped = true;
    scripts[1].slice_used = 100;
    sched_run(release_a_when_b_stops);
    assert_string_equal(order, "BBAA");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_robin_until_all_stop),
        cmocka_unit_test(test_deadline_is_slice_or_next_event),
        cmocka_unit_test(test_own_event_does_not_end_the_slice),
        cmocka_unit_test(test_minimum_slice),
        cmocka_unit_test(test_full_slice_without_events),
        cmocka_unit_test(test_halted_guest_waits_for_its_timer),
        cmocka_unit_test(test_halted_guest_nothing_can_wake_is_stopped),
        cmocka_unit_test(test_debugger_held_guest_is_skipped),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
