/*
 * Boot register states (see guest/boot_cpu.h). The values are what
 * vmx/vmcs.c wrote for a loader's guest before the register API existed:
 * flat segments with the accessed bit set, a busy TSS, unusable LDTR.
 */
#include "guest/boot_cpu.h"
#include "boot/msr.h"
#include <hv/string.h>

static struct vcpu_segment flat(uint16_t sel, uint8_t type, bool code64)
{
    return (struct vcpu_segment){
        .base = 0, .limit = 0xFFFFFFFF, .selector = sel, .type = type, .s = 1,
        .dpl = 0, .present = 1, .l = code64, .db = !code64, .g = 1,
    };
}

static void boot_cpu_flat(struct vcpu_state *st, bool long_mode, uint64_t rip, uint16_t cs,
                          uint16_t ds, uint64_t gdt_base, uint16_t gdt_limit)
{
    memset(st, 0, sizeof(*st));
    st->rip = rip;
    st->rflags = 0x2;                        /* bit 1 is always set */
    for (unsigned i = 0; i < VCPU_SEG_COUNT; i++)
        st->seg[i] = flat(ds, BOOT_SEG_TYPE_DATA, false);
    st->seg[VCPU_SEG_CS] = flat(cs, BOOT_SEG_TYPE_CODE, long_mode);
    st->seg[VCPU_SEG_LDTR] = (struct vcpu_segment){ .unusable = 1 };
    st->seg[VCPU_SEG_TR] = (struct vcpu_segment){
        .limit = BOOT_TSS_LIMIT, .type = BOOT_SEG_TYPE_TSS, .present = 1,
    };
    st->gdt.base = gdt_limit ? gdt_base : 0;
    st->gdt.limit = gdt_limit;
    st->cr0 = CR0_PE | CR0_ET;
}

void boot_cpu_prot32(struct vcpu_state *st, uint64_t rip, uint16_t cs, uint16_t ds,
                     uint64_t gdt_base, uint16_t gdt_limit)
{
    boot_cpu_flat(st, false, rip, cs, ds, gdt_base, gdt_limit);
}

void boot_cpu_long64(struct vcpu_state *st, uint64_t rip, uint64_t cr3, uint16_t cs,
                     uint16_t ds, uint64_t gdt_base, uint16_t gdt_limit)
{
    boot_cpu_flat(st, true, rip, cs, ds, gdt_base, gdt_limit);
    st->cr0 |= CR0_PG;
    st->cr4 = CR4_PAE;
    st->cr3 = cr3;
    st->efer = IA32_EFER_LME | IA32_EFER_LMA;
}
