/*
 * spin: a guest that computes for a long time without a single VM exit
 * (no I/O, no CPUID, nothing that traps), for the round-robin scheduling
 * test: the hypervisor must preempt it so other guests (ticker) still run.
 *
 * The loop sums i and i*i for i < SPIN_ITERATIONS (mod 2^32), and the
 * sums are compared with the closed forms n(n-1)/2 and n(n-1)(2n-1)/6, so
 * registers corrupted by a preemption would show up as a wrong result.
 * Prints "PASS spin: done, result <sum> <sum of squares>".
 */
#include "guest.h"

#define SPIN_ITERATIONS  300000000u    /* unless the command line says n=N */

/* n(n-1)/2 mod 2^32: halve whichever factor is even first, so nothing
 * is lost to the wrap-around. */
static uint32_t sum_below(uint32_t n)
{
    uint32_t a = n, b = n - 1;
    if (a % 2 == 0) a /= 2; else b /= 2;
    return a * b;
}

/* n(n-1)(2n-1)/6 mod 2^32: divide the 2 and the 3 out of the factors. */
static uint32_t sum_of_squares_below(uint32_t n)
{
    uint32_t a = n, b = n - 1, c = 2 * n - 1;
    if (a % 2 == 0) a /= 2; else b /= 2;
    if (a % 3 == 0) a /= 3; else if (b % 3 == 0) b /= 3; else c /= 3;
    return a * b * c;
}

/* The value of a word "n=DIGITS" on the command line, or `dflt`. */
static uint32_t word_n(const char *cmdline, uint32_t dflt)
{
    size_t len;
    const char *w;
    while ((w = next_word(&cmdline, &len)) != NULL) {
        if (len < 3 || w[0] != 'n' || w[1] != '=')
            continue;
        uint32_t v = 0;
        for (size_t i = 2; i < len && w[i] >= '0' && w[i] <= '9'; i++)
            v = v * 10 + (uint32_t)(w[i] - '0');
        return v ? v : dflt;
    }
    return dflt;
}

int main(uint32_t magic, struct mb1_info *info)
{
    (void)magic;
    test_begin("spin");
    const char *cmdline = (info->flags & MB1_INFO_CMDLINE) ?
                          (const char *)(uintptr_t)info->cmdline : "";
    uint32_t iterations = word_n(cmdline, SPIN_ITERATIONS);
    /* "-- sti": compute with interrupts enabled (none are unmasked). */
    bool with_sti = has_word(cmdline, "sti");
    if (with_sti)
        sti();
    note("computing %u iterations without a VM exit%s", iterations,
         with_sti ? " (interrupts enabled)" : "");

    uint32_t sum = 0, squares = 0;
    for (uint32_t i = 0; i < iterations; i++) {
        sum += i;
        squares += i * i;
        OPAQUE(sum);        /* keep the compiler from using the closed form */
        OPAQUE(squares);
    }

    uint32_t want_sum = sum_below(iterations);
    uint32_t want_squares = sum_of_squares_below(iterations);
    check(sum == want_sum && squares == want_squares,
          "done, result %08x %08x (expected %08x %08x)", sum, squares, want_sum, want_squares);
    return test_end();
}
