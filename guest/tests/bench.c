/*
 * bench: the cost of a VM-exit round trip, measured with RDTSC (under
 * Bochs the TSC counts instructions). For CPUID leaf 0 and for an IN from
 * port 0x3FD (the emulated COM1 line status register), each both handled
 * by the hypervisor, it times `rdtsc; <op>; rdtsc` ROUNDS times and keeps
 * the minimum and the average; the empty `rdtsc; rdtsc` baseline is
 * measured the same way and subtracted. Prints
 *     bench baseline: N
 *     bench cpuid: min N avg M
 *     bench inb 0x3fd: min N avg M
 */
#include "guest.h"

#define ROUNDS 1000u

enum op { OP_NONE, OP_CPUID, OP_INB };

/* One timed round: TSC ticks from the first RDTSC to the second. Only the
 * low 32 bits are used; a round takes far fewer than 2^32 ticks. */
static uint32_t time_once(enum op op)
{
    uint32_t start, end;
    switch (op) {
    case OP_CPUID:
        __asm__ volatile("rdtsc\n\t"
                         "movl %%eax, %0\n\t"
                         "xorl %%eax, %%eax\n\t"
                         "cpuid\n\t"
                         "rdtsc"
                         : "=&r"(start), "=a"(end) : : "ebx", "ecx", "edx");
        break;
    case OP_INB:
        __asm__ volatile("rdtsc\n\t"
                         "movl %%eax, %0\n\t"
                         "movw $0x3fd, %%dx\n\t"
                         "inb %%dx, %%al\n\t"
                         "rdtsc"
                         : "=&r"(start), "=a"(end) : : "edx");
        break;
    default:
        __asm__ volatile("rdtsc\n\t"
                         "movl %%eax, %0\n\t"
                         "rdtsc"
                         : "=&r"(start), "=a"(end) : : "edx");
        break;
    }
    return end - start;
}

struct timing {
    uint32_t min, avg;
};

static struct timing measure(enum op op)
{
    struct timing t = { 0xFFFFFFFFu, 0 };
    uint64_t total = 0;
    for (uint32_t i = 0; i < ROUNDS; i++) {
        uint32_t d = time_once(op);
        total += d;
        if (d < t.min)
            t.min = d;
    }
    t.avg = (uint32_t)udiv64(total, ROUNDS, NULL);
    return t;
}

static uint32_t minus(uint32_t a, uint32_t b)
{
    return a > b ? a - b : 0;
}

int main(uint32_t magic, struct mb1_info *info)
{
    (void)magic;
    (void)info;
    test_begin("bench");

    struct timing base = measure(OP_NONE);
    struct timing cpu = measure(OP_CPUID);
    struct timing io = measure(OP_INB);

    printf("bench baseline: %u\n", base.min);
    printf("bench cpuid: min %u avg %u\n", minus(cpu.min, base.min), minus(cpu.avg, base.avg));
    printf("bench inb 0x3fd: min %u avg %u\n", minus(io.min, base.min), minus(io.avg, base.avg));
    check(cpu.min > 0 && io.min > 0, "%u rounds each (baseline avg %u)", ROUNDS, base.avg);
    return test_end();
}
