/*
 * bench: the cost of a VM-exit round trip, measured with RDTSC (under
 * Bochs the TSC counts instructions). For CPUID leaf 0 and for an IN from
 * port 0x3FD (the emulated COM1 line status register), each both handled
 * by the hypervisor, it times `rdtsc; <op>; rdtsc` ROUNDS times and keeps
 * the minimum and the average; the empty `rdtsc; rdtsc` baseline is
 * measured the same way and subtracted. MMIO round trips (an EPT violation,
 * the instruction fetched and emulated) are timed the same way: a 32-bit
 * read of the test device's ID register, a read of the local APIC's version
 * register and a write of its EOI register (nothing in service) through the
 * xAPIC page; with APIC virtualization the read causes no exit and the
 * write an APIC-write exit instead of an EPT violation. Prints
 *     bench baseline: N
 *     bench cpuid: min N avg M
 *     bench inb 0x3fd: min N avg M
 *     bench mmio testdev read: min N avg M
 *     bench mmio lapic read: min N avg M
 *     bench mmio lapic write: min N avg M
 *     bench wrmsr tsc_deadline: min N avg M
 */
#include "guest.h"

#define ROUNDS 1000u

enum op { OP_NONE, OP_CPUID, OP_INB, OP_TESTDEV_READ, OP_LAPIC_READ, OP_LAPIC_WRITE,
          OP_TSC_DEADLINE };

#define TESTDEV_ID_REG  0xFEB00100u
#define LAPIC_VER_REG   0xFEE00030u
#define LAPIC_EOI_REG   0xFEE000B0u
#define LAPIC_SVR_REG   0xFEE000F0u
#define LAPIC_LVT_TIMER_REG 0xFEE00320u
#define LVT_TSC_DEADLINE (2u << 17)
#define LVT_MASKED      (1u << 16)
#define MSR_TSC_DEADLINE 0x6E0u

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
    case OP_TESTDEV_READ:
    case OP_LAPIC_READ: {
        uint32_t addr = op == OP_TESTDEV_READ ? TESTDEV_ID_REG : LAPIC_VER_REG, v;
        __asm__ volatile("rdtsc\n\t"
                         "movl %%eax, %0\n\t"
                         "movl (%3), %1\n\t"
                         "rdtsc"
                         : "=&r"(start), "=&r"(v), "=&a"(end) : "r"(addr) : "edx", "memory");
        break;
    }
    case OP_LAPIC_WRITE:
        __asm__ volatile("rdtsc\n\t"
                         "movl %%eax, %0\n\t"
                         "movl $0, (%2)\n\t"
                         "rdtsc"
                         : "=&r"(start), "=&a"(end) : "r"(LAPIC_EOI_REG) : "edx", "memory");
        break;
    case OP_TSC_DEADLINE:
        /* A deadline far ahead (the timer is masked besides): what a
         * tickless kernel writes at every timer interrupt. */
        __asm__ volatile("rdtsc\n\t"
                         "movl %%eax, %0\n\t"
                         "movl $0x6e0, %%ecx\n\t"
                         "movl $0x40, %%edx\n\t"
                         "wrmsr\n\t"
                         "rdtsc"
                         : "=&r"(start), "=&a"(end) : : "ecx", "edx");
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
    struct timing td = measure(OP_TESTDEV_READ);
    struct timing lr = measure(OP_LAPIC_READ);
    struct timing lw = measure(OP_LAPIC_WRITE);
    /* The local APIC's timer in TSC-deadline mode, masked (SDM Vol. 3A,
     * "TSC-Deadline Mode"): software-enable the APIC first. */
    *(volatile uint32_t *)LAPIC_SVR_REG = 0x1FF;
    *(volatile uint32_t *)LAPIC_LVT_TIMER_REG = LVT_TSC_DEADLINE | LVT_MASKED | 0x40;
    struct timing dl = measure(OP_TSC_DEADLINE);

    printf("bench baseline: %u\n", base.min);
    printf("bench cpuid: min %u avg %u\n", minus(cpu.min, base.min), minus(cpu.avg, base.avg));
    printf("bench inb 0x3fd: min %u avg %u\n", minus(io.min, base.min), minus(io.avg, base.avg));
    printf("bench mmio testdev read: min %u avg %u\n", minus(td.min, base.min),
           minus(td.avg, base.avg));
    printf("bench mmio lapic read: min %u avg %u\n", minus(lr.min, base.min),
           minus(lr.avg, base.avg));
    printf("bench mmio lapic write: min %u avg %u\n", minus(lw.min, base.min),
           minus(lw.avg, base.avg));
    printf("bench wrmsr tsc_deadline: min %u avg %u\n", minus(dl.min, base.min),
           minus(dl.avg, base.avg));
    check(dl.min > 0 && cpu.min > 0 && io.min > 0 && td.min > 0 && lr.min > 0 && lw.min > 0, "%u rounds each (baseline avg %u)", ROUNDS, base.avg);
    return test_end();
}
