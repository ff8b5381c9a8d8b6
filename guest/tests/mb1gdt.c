/*
 * mb1gdt: a multiboot1 kernel that installs an IDT but keeps the loader's
 * GDT, as real multiboot kernels do before loading their own: minivisor
 * (like GRUB and QEMU's -kernel) leaves a flat GDT loaded. This guest
 * replaces the library's gdt_init with one that does nothing, then checks:
 *   - GDTR points to a GDT with flat 32-bit code at 0x08 (CS) and flat data
 *     at 0x10 (DS, ES, SS), inside a range the memory map reports reserved,
 *     not overlapping this image;
 *   - it takes interrupts through its IDT (whose gates use selector 0x08):
 *     an exception (#UD from UD2), a software INT 0x40, and 10 timer
 *     interrupts from the PIT through the PIC; each IRET reloads CS from
 *     the loader's GDT.
 */
#include "guest.h"

#define MMAP_RESERVED  2u
#define TIMER_TICKS    10u

/* Keep the loader's GDT: crt0 calls this instead of the library's. */
void gdt_init(void) {}

static volatile uint32_t ticks, soft_ints;

static void on_timer(unsigned vector)
{
    (void)vector;
    ticks++;
    pic_eoi(0);
}

static void on_soft(unsigned vector)
{
    (void)vector;
    soft_ints++;
}

static void do_ud2(void) { __asm__ volatile("ud2"); }

struct mmap_entry {
    uint32_t size;
    uint64_t base, length;
    uint32_t type;
} __attribute__((packed));

/* The type of the memory-map entry holding [base, base+len), or 0. */
static uint32_t mmap_type(const struct mb1_info *info, uint32_t base, uint32_t len)
{
    uint32_t at = info->mmap_addr, end = info->mmap_addr + info->mmap_length;
    while (at < end) {
        const struct mmap_entry *e = (const struct mmap_entry *)(uintptr_t)at;
        if (e->base <= base && base + len <= e->base + e->length)
            return e->type;
        at += e->size + 4;
    }
    return 0;
}

int main(uint32_t magic, struct mb1_info *info)
{
    (void)magic;
    test_begin("mb1gdt");

    struct table_ptr gdtr;
    uint16_t cs, ds, es, ss;
    __asm__ volatile("sgdt %0" : "=m"(gdtr));
    __asm__ volatile("mov %%cs, %0; mov %%ds, %1; mov %%es, %2; mov %%ss, %3"
                     : "=r"(cs), "=r"(ds), "=r"(es), "=r"(ss));
    check(gdtr.limit >= 0x17 && gdtr.base != 0, "the loader left a GDT: base 0x%x, limit 0x%x",
          gdtr.base, gdtr.limit);
    check(cs == 0x08 && ds == 0x10 && es == 0x10 && ss == 0x10,
          "selectors CS=0x%x DS=0x%x ES=0x%x SS=0x%x", cs, ds, es, ss);
    if (gdtr.limit < 0x17 || gdtr.base == 0)
        return test_end();

    const uint64_t *gdt = (const uint64_t *)(uintptr_t)gdtr.base;
    /* Flat: base 0, limit 0xFFFFF with G=1 and D=1, present, DPL 0. */
    check((gdt[1] & 0x00CF9A000000FFFFull) == 0x00CF9A000000FFFFull &&
          !(gdt[1] & 0xFF00000000FF0000ull) && ((gdt[1] >> 40) & 0x1E) == 0x1A,
          "GDT[0x08] is flat 32-bit code: %08x%08x", (uint32_t)(gdt[1] >> 32), (uint32_t)gdt[1]);
    check((gdt[2] & 0x00CF92000000FFFFull) == 0x00CF92000000FFFFull &&
          !(gdt[2] & 0xFF00000000FF0000ull) && ((gdt[2] >> 40) & 0x1E) == 0x12,
          "GDT[0x10] is flat data: %08x%08x", (uint32_t)(gdt[2] >> 32), (uint32_t)gdt[2]);
    check(mmap_type(info, gdtr.base, gdtr.limit + 1u) == MMAP_RESERVED,
          "the GDT is in a reserved memory-map range (type %u)",
          mmap_type(info, gdtr.base, gdtr.limit + 1u));
    uint32_t img_start = (uint32_t)(uintptr_t)__image_start, img_end = (uint32_t)(uintptr_t)__image_end;
    check(gdtr.base + gdtr.limit < img_start || gdtr.base >= img_end,
          "the GDT is outside this image [0x%x, 0x%x)", img_start, img_end);

    int vec = catch_fault(do_ud2);
    check(vec == VEC_UD, "an exception through the IDT: UD2 raised vector %d", vec);

    irq_install(0x40, on_soft);
    __asm__ volatile("int $0x40" ::: "memory");
    check(soft_ints == 1, "INT 0x40 reached its handler (%u time)", soft_ints);

    pic_remap(PIC_MASTER_VECTOR, PIC_SLAVE_VECTOR);
    irq_install(PIC_MASTER_VECTOR, on_timer);
    pit_start_periodic(100);
    pic_unmask(0);
    cli();
    while (ticks < TIMER_TICKS)
        sti_hlt();
    cli();
    pic_mask(0);
    check(ticks >= TIMER_TICKS, "%u timer interrupts taken (IRQ 0 at vector 0x%x)", TIMER_TICKS,
          PIC_MASTER_VECTOR);
    __asm__ volatile("mov %%cs, %0" : "=r"(cs));
    check(cs == 0x08, "CS after the interrupts' IRET: 0x%x", cs);
    return test_end();
}
