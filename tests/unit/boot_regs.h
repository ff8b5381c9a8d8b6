/*
 * Checks of the registers a loader produces (struct vcpu_state), value by
 * value against what the boot protocol says, written out here rather than
 * taken from guest/boot_cpu.c: flat segments (base 0, limit 4 GiB, G, P,
 * DPL 0, accessed), 32-bit or 64-bit code, LDTR unusable, TR a busy TSS,
 * no IDT, RFLAGS 0x2, and every GPR not named 0.
 */
#ifndef TESTS_UNIT_BOOT_REGS_H
#define TESTS_UNIT_BOOT_REGS_H

#include <stdio.h>
#include <hv/vcpu_state.h>

struct boot_regs_want {
    bool long_mode;
    uint64_t rip, cr3;
    uint16_t cs, ds;
    uint64_t gdt_base;
    uint16_t gdt_limit;
    uint64_t gpr[16];        /* RSP included */
};

/* NULL when st is exactly what w describes, else the first difference. */
static inline const char *boot_regs_diff(const struct vcpu_state *st, const struct boot_regs_want *w)
{
    static char msg[160];
    static const char *const seg_name[] = { "ES", "CS", "SS", "DS", "FS", "GS", "LDTR", "TR" };
#define DIFF(what, got, want) do { \
        if ((uint64_t)(got) != (uint64_t)(want)) { \
            snprintf(msg, sizeof(msg), "%s: 0x%llx, want 0x%llx", what, \
                     (unsigned long long)(got), (unsigned long long)(want)); \
            return msg; \
        } } while (0)
    char what[32];
    for (unsigned i = 0; i < 16; i++) {
        snprintf(what, sizeof(what), "GPR %u", i);
        DIFF(what, st->gpr[i], w->gpr[i]);
    }
    DIFF("RIP", st->rip, w->rip);
    DIFF("RFLAGS", st->rflags, 0x2);
    for (unsigned i = 0; i < VCPU_SEG_COUNT; i++) {
        const struct vcpu_segment *s = &st->seg[i];
        bool code = i == VCPU_SEG_CS;
        struct vcpu_segment want;
        memset(&want, 0, sizeof(want));
        if (i == VCPU_SEG_LDTR) {
            want.unusable = 1;
        } else if (i == VCPU_SEG_TR) {
            want.limit = 0x67;
            want.type = 0xB;                 /* busy TSS */
            want.present = 1;
        } else {
            want.selector = code ? w->cs : w->ds;
            want.limit = 0xFFFFFFFF;
            want.type = code ? 0xB : 0x3;    /* execute/read or read/write, accessed */
            want.s = want.present = want.g = 1;
            want.l = code && w->long_mode;
            want.db = !want.l;
        }
#define SEGDIFF(field) do { \
            snprintf(what, sizeof(what), "%s." #field, seg_name[i]); \
            DIFF(what, s->field, want.field); } while (0)
        SEGDIFF(selector); SEGDIFF(base); SEGDIFF(limit); SEGDIFF(type); SEGDIFF(s);
        SEGDIFF(dpl); SEGDIFF(present); SEGDIFF(avl); SEGDIFF(l); SEGDIFF(db); SEGDIFF(g);
        SEGDIFF(unusable);
#undef SEGDIFF
    }
    DIFF("GDTR.base", st->gdt.base, w->gdt_base);
    DIFF("GDTR.limit", st->gdt.limit, w->gdt_limit);
    DIFF("IDTR.base", st->idt.base, 0);
    DIFF("IDTR.limit", st->idt.limit, 0);
    /* CR0: PE | ET, and PG in long mode; CR4.PAE and EFER.LME | LMA there. */
    DIFF("CR0", st->cr0, w->long_mode ? 0x80000011ULL : 0x11ULL);
    DIFF("CR2", st->cr2, 0);
    DIFF("CR3", st->cr3, w->cr3);
    DIFF("CR4", st->cr4, w->long_mode ? 0x20ULL : 0);
    DIFF("EFER", st->efer, w->long_mode ? 0x500ULL : 0);
#undef DIFF
    return NULL;
}

#endif
