/*
 * ticker: the partner of spin in the round-robin test. Prints "tick 1" to
 * "tick 5", with a short busy delay between them, then "PASS ticker".
 * With a fair scheduler all of this appears while spin is still computing.
 */
#include "guest.h"

#define TICKS         5
#define DELAY_LOOPS   2000000u     /* a short computation between ticks */

static void busy_delay(void)
{
    for (uint32_t i = 0; i < DELAY_LOOPS; i++)
        OPAQUE(i);
}

int main(uint32_t magic, struct mb1_info *info)
{
    (void)magic;
    (void)info;
    test_begin("ticker");
    for (int t = 1; t <= TICKS; t++) {
        busy_delay();
        printf("tick %d\n", t);
    }
    check(true, "%d ticks printed", TICKS);
    return test_end();
}
