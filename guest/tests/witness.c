/*
 * witness: a computation with a known result, run beside hostile guests
 * (tests/integration/fuzz.py). It sieves the primes below 65536 ROUNDS
 * times (default 8; `rounds=N` on the command line) and checks each
 * round's count (6542) and sum (202288087). Whatever its neighbours do, it
 * must print its PASS line.
 */
#include "guest.h"

#define LIMIT          65536
#define EXPECTED_COUNT 6542u
#define EXPECTED_SUM   202288087u

static uint8_t composite[LIMIT];

static uint32_t parse_rounds(const struct mb1_info *info)
{
    if (!(info->flags & MB1_INFO_CMDLINE))
        return 8;
    const char *s = (const char *)(uintptr_t)info->cmdline, *w;
    size_t len;
    while ((w = next_word(&s, &len)) != NULL) {
        if (len > 7 && !strncmp(w, "rounds=", 7)) {
            uint32_t v = 0;
            for (size_t i = 7; i < len && w[i] >= '0' && w[i] <= '9'; i++)
                v = v * 10 + (uint32_t)(w[i] - '0');
            return v;
        }
    }
    return 8;
}

int main(uint32_t magic, struct mb1_info *info)
{
    uint32_t rounds = magic == MB1_BOOTLOADER_MAGIC ? parse_rounds(info) : 8;
    test_begin("witness");
    uint32_t bad = 0, count = 0, sum = 0;
    for (uint32_t r = 0; r < rounds; r++) {
        memset(composite, 0, sizeof(composite));
        for (uint32_t i = 2; i * i < LIMIT; i++)
            if (!composite[i])
                for (uint32_t j = i * i; j < LIMIT; j += i)
                    composite[j] = 1;
        count = sum = 0;
        for (uint32_t i = 2; i < LIMIT; i++)
            if (!composite[i]) {
                count++;
                sum += i;
            }
        if (count != EXPECTED_COUNT || sum != EXPECTED_SUM) {
            bad++;
            note("round %u: %u primes, sum %u", r, count, sum);
        }
    }
    check(bad == 0, "%u rounds: %u primes below %u, sum %u (expected %u, %u)", rounds, count,
          LIMIT, sum, EXPECTED_COUNT, EXPECTED_SUM);
    return test_end();
}
