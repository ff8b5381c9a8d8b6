/*
 * clisti: an interrupt that becomes pending while interrupts are off must
 * wait for STI, be delivered exactly once, and not during the STI shadow.
 *
 *   - remaps the PIC (IRQ 0 at vector 0x20), programs PIT channel 0 in
 *     mode 0 (interrupt on terminal count: one rising edge) for ~10 ms and
 *     unmasks IRQ 0, all with IF=0;
 *   - busy-waits 200 ms on the PM timer with IF=0: the handler's counter
 *     must stay 0, and the PIC's IRR shows IRQ 0 requested;
 *   - "STI; CLI": the instruction after STI runs before any interrupt (the
 *     STI shadow), so the counter is still 0;
 *   - STI and a short wait: the counter is exactly 1 (not 0, not 2);
 *   - 100 ms later, still 1 (mode 0 fires once);
 *   - then the same with PIT mode 0 re-armed and "STI; HLT": the HLT is
 *     woken by the interrupt (counter 2).
 */
#include "guest.h"

#define PIT_MODE0_CH0   0x30     /* channel 0, LSB then MSB, mode 0, binary */
#define PIT_10MS        11932u

static volatile uint32_t irqs;

static void irq0_handler(unsigned vector)
{
    (void)vector;
    irqs++;
    pic_eoi(0);
}

static void pit_oneshot(uint16_t count)
{
    outb(PIT_CMD, PIT_MODE0_CH0);
    outb(PIT_CH0, count & 0xFF);
    outb(PIT_CH0, count >> 8);
}

int main(uint32_t magic, struct mb1_info *info)
{
    (void)magic;
    (void)info;
    test_begin("clisti");

    cli();
    pic_remap(PIC_MASTER_VECTOR, PIC_SLAVE_VECTOR);
    irq_install(PIC_MASTER_VECTOR, irq0_handler);
    pit_oneshot(PIT_10MS);
    pic_unmask(0);

    check(!irqs_enabled(), "IF is 0 (EFLAGS 0x%08x)", read_eflags());
    pm_delay_ms(200);
    check(irqs == 0, "no interrupt during 200 ms with IF=0 (counter %u)", irqs);
    uint16_t irr = pic_read_irr();
    check(irr & 1, "PIC IRR has IRQ 0 requested (IRR 0x%04x)", irr);

    __asm__ volatile("sti; cli" ::: "memory");
    check(irqs == 0, "STI; CLI: nothing delivered in the STI shadow (counter %u)", irqs);

    sti();
    __asm__ volatile("nop; nop; nop" ::: "memory");
    pm_delay_us(2000);
    uint32_t after_sti = irqs;
    check(after_sti == 1, "after STI the pending interrupt was delivered once (counter %u)",
          after_sti);

    pm_delay_ms(100);
    check(irqs == 1, "100 ms later still one interrupt (counter %u)", irqs);
    check_eq("PIC ISR after the EOI", pic_read_isr(), 0);

    /* Re-arm, then STI; HLT with the interrupt still 10 ms away. */
    cli();
    pit_oneshot(PIT_10MS);
    uint32_t start = pm_timer_read();
    sti_hlt();
    uint32_t us = (uint32_t)pm_ticks_to_us(pm_elapsed(start));
    check(irqs == 2, "STI; HLT woken by the re-armed one-shot (counter %u)", irqs);
    check(us >= 8000 && us <= 20000, "HLT slept %u us (PIT set for 10 ms)", us);

    check_eq("interrupts on unexpected vectors", irq_unexpected, 0);
    return test_end();
}
