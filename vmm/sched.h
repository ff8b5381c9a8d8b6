/*
 * Sharing the CPU between guests: round-robin time slices over runnable
 * VMs, device timers that fire on time whichever guest runs, and waiting
 * when every guest is halted.
 */
#ifndef VMM_SCHED_H
#define VMM_SCHED_H

#include "vmm/vm.h"

/* Add a VM to the run list (up to VM_MAX_GUESTS). */
void sched_add(struct vm *vm);
/* All VMs, in creation order. */
struct vm *const *sched_vms(unsigned *count);
/* The length of a time slice in TSC cycles. */
void sched_set_slice(uint64_t cycles);
/* Run until every VM has stopped. poll_hook (may be NULL) is called
 * between slices and while waiting; it returns true when it did something
 * (the console monitor, the GDB stub). */
void sched_run(bool (*poll_hook)(void));
/* Where the host's time went since sched_run began: TSC cycles elapsed
 * (until it returned, or now), and those charged to no VM. */
struct sched_accounting {
    uint64_t elapsed;
    uint64_t host[HOST_MAX];
};
void sched_accounting(struct sched_accounting *a);
/* TSC time of the earliest device event of any VM (UINT64_MAX if none). */
uint64_t sched_next_event_tsc(void);

#endif
