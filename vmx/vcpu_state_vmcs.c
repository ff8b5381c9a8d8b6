/*
 * struct vcpu_state to VMCS guest-state fields and back (see
 * vmx/vcpu_state_vmcs.h). Field layout: SDM Vol. 3C, "Guest-State Area";
 * the segment fields of ES..TR are consecutive encodings (2 apart) in each
 * of the selector, limit, access-rights and base groups.
 */
#include "vmx/vcpu_state_vmcs.h"
#include "boot/msr.h"
#include <hv/string.h>
#include "hv/lab.h"

#define AR_S          BIT(4)
#define AR_P          BIT(7)
#define AR_AVL        BIT(12)
#define AR_L          BIT(13)
#define AR_DB         BIT(14)
#define AR_G          BIT(15)
#define AR_UNUSABLE   BIT(16)

uint32_t vcpu_segment_ar(const struct vcpu_segment *s)
{
    /* LAB 2 BEGIN vcpu_segment_ar: a segment's VMCS access rights: type 3:0, S 4, DPL 6:5, P 7, AVL 12, L 13, D/B 14, G 15, unusable 16 */
    return (uint32_t)(s->type & 0xF) | (s->s ? AR_S : 0) | (uint32_t)(s->dpl & 3) << 5 |
           (s->present ? AR_P : 0) | (s->avl ? AR_AVL : 0) | (s->l ? AR_L : 0) |
           (s->db ? AR_DB : 0) | (s->g ? AR_G : 0) | (s->unusable ? AR_UNUSABLE : 0);
    /* LAB 2 END */
}

void vcpu_segment_set_ar(struct vcpu_segment *s, uint32_t ar)
{
    s->type = ar & 0xF;
    s->s = !!(ar & AR_S);
    s->dpl = (ar >> 5) & 3;
    s->present = !!(ar & AR_P);
    s->avl = !!(ar & AR_AVL);
    s->l = !!(ar & AR_L);
    s->db = !!(ar & AR_DB);
    s->g = !!(ar & AR_G);
    s->unusable = !!(ar & AR_UNUSABLE);
}

static enum vmcs_field seg_field(enum vmcs_field es_field, unsigned i)
{
    return (enum vmcs_field)(es_field + 2 * i);
}

unsigned vcpu_state_encode(const struct vcpu_state *st, uint64_t hw_cr0, uint64_t hw_cr4,
                           uint32_t entry, struct vmcs_field_value *out)
{
    unsigned n = 0;
#define PUT(f, v) (out[n++] = (struct vmcs_field_value){ (f), (v) })
    for (unsigned i = 0; i < VCPU_SEG_COUNT; i++) {
        const struct vcpu_segment *s = &st->seg[i];
        PUT(seg_field(VMCS_GUEST_ES_SELECTOR, i), s->selector);
        PUT(seg_field(VMCS_GUEST_ES_BASE, i), s->base);
        PUT(seg_field(VMCS_GUEST_ES_LIMIT, i), s->limit);
        PUT(seg_field(VMCS_GUEST_ES_ACCESS_RIGHTS, i), vcpu_segment_ar(s));
    }
    PUT(VMCS_GUEST_GDTR_BASE, st->gdt.base);
    PUT(VMCS_GUEST_GDTR_LIMIT, st->gdt.limit);
    PUT(VMCS_GUEST_IDTR_BASE, st->idt.base);
    PUT(VMCS_GUEST_IDTR_LIMIT, st->idt.limit);
    PUT(VMCS_GUEST_RSP, st->gpr[GPR_RSP]);
    PUT(VMCS_GUEST_RIP, st->rip);
    PUT(VMCS_GUEST_RFLAGS, st->rflags);
    PUT(VMCS_GUEST_CR0, hw_cr0);
    PUT(VMCS_CR0_READ_SHADOW, st->cr0);
    PUT(VMCS_GUEST_CR4, hw_cr4);
    PUT(VMCS_CR4_READ_SHADOW, st->cr4);
    PUT(VMCS_GUEST_CR3, st->cr3);
    PUT(VMCS_GUEST_IA32_EFER, st->efer);
    if (st->efer & IA32_EFER_LMA)
        entry |= ENTRY_CTL_IA32E_MODE_GUEST;
    else
        entry &= ~(uint32_t)ENTRY_CTL_IA32E_MODE_GUEST;
    PUT(VMCS_VM_ENTRY_CONTROLS, entry);
#undef PUT
    return n;
}

void vcpu_state_decode(struct vcpu_state *st, uint64_t (*read)(void *ctx, enum vmcs_field f),
                       void *ctx)
{
    for (unsigned i = 0; i < VCPU_SEG_COUNT; i++) {
        struct vcpu_segment *s = &st->seg[i];
        s->selector = (uint16_t)read(ctx, seg_field(VMCS_GUEST_ES_SELECTOR, i));
        s->base = read(ctx, seg_field(VMCS_GUEST_ES_BASE, i));
        s->limit = (uint32_t)read(ctx, seg_field(VMCS_GUEST_ES_LIMIT, i));
        vcpu_segment_set_ar(s, (uint32_t)read(ctx, seg_field(VMCS_GUEST_ES_ACCESS_RIGHTS, i)));
    }
    st->gdt.base = read(ctx, VMCS_GUEST_GDTR_BASE);
    st->gdt.limit = (uint16_t)read(ctx, VMCS_GUEST_GDTR_LIMIT);
    st->idt.base = read(ctx, VMCS_GUEST_IDTR_BASE);
    st->idt.limit = (uint16_t)read(ctx, VMCS_GUEST_IDTR_LIMIT);
    st->gpr[GPR_RSP] = read(ctx, VMCS_GUEST_RSP);
    st->rip = read(ctx, VMCS_GUEST_RIP);
    st->rflags = read(ctx, VMCS_GUEST_RFLAGS);
    /* A bit the hypervisor owns reads as the shadow has it (SDM Vol. 3C,
     * "Guest/Host Masks and Read Shadows for CR0 and CR4"). */
    uint64_t m0 = read(ctx, VMCS_CR0_GUEST_HOST_MASK), m4 = read(ctx, VMCS_CR4_GUEST_HOST_MASK);
    st->cr0 = (read(ctx, VMCS_GUEST_CR0) & ~m0) | (read(ctx, VMCS_CR0_READ_SHADOW) & m0);
    st->cr4 = (read(ctx, VMCS_GUEST_CR4) & ~m4) | (read(ctx, VMCS_CR4_READ_SHADOW) & m4);
    st->cr3 = read(ctx, VMCS_GUEST_CR3);
    st->efer = read(ctx, VMCS_GUEST_IA32_EFER);
}

/* SDM Vol. 3A, "Initialization Overview", table of registers after
 * power-up: real mode, CS.base 0xFFFF0000 with IP 0xFFF0, limits 0xFFFF,
 * CR0 = CD | NW | ET. The TSS type is the busy one VM entry wants. */
void vcpu_state_reset(struct vcpu_state *st)
{
    memset(st, 0, sizeof(*st));
    for (unsigned i = 0; i < VCPU_SEG_COUNT; i++)
        st->seg[i] = (struct vcpu_segment){ .limit = 0xFFFF, .type = 3, .s = 1, .present = 1 };
    st->seg[VCPU_SEG_CS].selector = 0xF000;
    st->seg[VCPU_SEG_CS].base = 0xFFFF0000;
    st->seg[VCPU_SEG_CS].type = 0xB;
    st->seg[VCPU_SEG_LDTR] = (struct vcpu_segment){ .limit = 0xFFFF, .type = 2, .present = 1 };
    st->seg[VCPU_SEG_TR] = (struct vcpu_segment){ .limit = 0xFFFF, .type = 3, .present = 1 };
    st->gdt.limit = st->idt.limit = 0xFFFF;
    st->rip = 0xFFF0;
    st->rflags = 0x2;
    st->cr0 = CR0_CD | CR0_NW | CR0_ET;
}
