/*
 * primes: a demo guest for `make run`. Prints the primes below 200, ten to
 * a line (sieve of Eratosthenes), and checks there are 46 of them.
 */
#include "guest.h"

#define LIMIT            200
#define PER_LINE         10
#define EXPECTED_COUNT   46      /* primes below 200 */

int main(uint32_t magic, struct mb1_info *info)
{
    (void)magic;
    (void)info;
    static bool composite[LIMIT];
    test_begin("primes");

    for (int i = 2; i * i < LIMIT; i++) {
        if (!composite[i]) {
            for (int j = i * i; j < LIMIT; j += i)
                composite[j] = true;
        }
    }

    note("the primes below %d:", LIMIT);
    int count = 0;
    for (int i = 2; i < LIMIT; i++) {
        if (composite[i])
            continue;
        printf(count % PER_LINE == 0 ? "%3d" : " %3d", i);
        if (++count % PER_LINE == 0)
            putc('\n');
    }
    if (count % PER_LINE != 0)
        putc('\n');

    check(count == EXPECTED_COUNT, "%d primes below %d (expected %d)", count, LIMIT,
          EXPECTED_COUNT);
    return test_end();
}
