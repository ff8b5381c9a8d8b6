/*
 * Virtual time for device models. Models never read a clock themselves:
 * they ask this interface, which the VM layer backs with the host TSC and
 * the host unit tests back with a settable counter. Time is in nanoseconds
 * since the VM was created and never goes backwards.
 */
#ifndef DRIVERS_VIRT_VCLOCK_H
#define DRIVERS_VIRT_VCLOCK_H

#include <hv/types.h>

#define VCLOCK_NEVER  UINT64_MAX     /* "no event pending" */
#define NS_PER_SEC    1000000000ULL

struct vclock {
    uint64_t (*now_ns)(void *ctx);
    void *ctx;
};

static inline uint64_t vclock_now(const struct vclock *c)
{
    return c->now_ns(c->ctx);
}

/* a * b / c without overflowing 64 bits in the product (c != 0). */
static inline uint64_t muldiv64(uint64_t a, uint64_t b, uint64_t c)
{
    return (uint64_t)(((unsigned __int128)a * b) / c);
}

#endif
