/*
 * A test-and-set spinlock: XCHG with memory is locked by itself (SDM Vol.
 * 2, "XCHG"), and the wait loop reads before it retries, with PAUSE (SDM
 * Vol. 2, "PAUSE - Spin Loop Hint": saves power, avoids the memory-order
 * penalty when the loop ends).
 * Not fair, not recursive: callers that may nest on one CPU check the
 * owner themselves (drivers/hw/console.c).
 */
#ifndef HV_SPINLOCK_H
#define HV_SPINLOCK_H

#include <hv/types.h>

struct spinlock {
    volatile uint32_t locked;
};

#define SPINLOCK_INIT { 0 }

static inline bool spin_trylock(struct spinlock *l)
{
    uint32_t v = 1;
    __asm__ volatile("xchgl %0, %1" : "+r"(v), "+m"(l->locked) :: "memory");
    return v == 0;
}

static inline void spin_lock(struct spinlock *l)
{
    while (!spin_trylock(l))
        while (l->locked)
            __asm__ volatile("pause" ::: "memory");
}

static inline void spin_unlock(struct spinlock *l)
{
    /* x86 stores are not reordered with older loads or stores: a compiler
     * barrier and a plain store release the lock. */
    __asm__ volatile("" ::: "memory");
    l->locked = 0;
}

/* With interrupts off on this CPU while held (a handler that takes the
 * same lock would otherwise spin on itself). */
static inline uint64_t spin_lock_irqsave(struct spinlock *l)
{
    uint64_t flags = 0;
#ifndef HV_HOST_TEST                    /* host unit tests run in user mode: no CLI */
    __asm__ volatile("pushfq; popq %0; cli" : "=r"(flags) :: "memory");
#endif
    spin_lock(l);
    return flags;
}

static inline void spin_unlock_irqrestore(struct spinlock *l, uint64_t flags)
{
    spin_unlock(l);
    if (flags & (1u << 9))              /* RFLAGS.IF */
        __asm__ volatile("sti" ::: "memory");
}

#endif
