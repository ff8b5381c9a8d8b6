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

/*
 * a * b / c (c != 0; the quotient must fit in 64 bits) without a 128-bit
 * division, which freestanding code cannot call (no libgcc). Exact.
 */
static inline uint64_t muldiv64(uint64_t a, uint64_t b, uint64_t c)
{
    uint64_t q = a / c, r = a % c;
    if (b == 0 || r <= UINT64_MAX / b)
        return q * b + (r * b) / c;
    /* r * b needs 128 bits: shift-subtract long division of it by c. */
    unsigned __int128 n = (unsigned __int128)r * b;
    unsigned __int128 rem = 0;
    uint64_t quo = 0;
    for (int i = 127; i >= 0; i--) {
        rem = (rem << 1) | (uint64_t)((n >> i) & 1);
        if (rem >= c) {
            rem -= c;
            if (i < 64)
                quo |= 1ULL << i;
        }
    }
    return q * b + quo;
}

#endif
