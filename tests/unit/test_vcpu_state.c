/*
 * Host tests for struct vcpu_state in VMCS terms (vmx/vcpu_state_vmcs.c)
 * and the boot states the loaders produce (guest/boot_cpu.c).
 *
 * A VMCS image (an array indexed by field encoding) holds valid controls
 * and host state for the Bochs Skylake capabilities (as in test_vmcheck.c)
 * and the guest state vmcs_create writes besides the registers; a state is
 * encoded into it and the VM-entry checker (vmx/vmcheck.c) run on it, as
 * vcpu_set_state does on the hardware: the loaders' states and the
 * power-up state must pass, broken ones must not. Access rights are
 * checked against the constants vmx/vmcs.c used to write.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "vmx/vcpu_state_vmcs.h"
#include "guest/boot_cpu.h"

static const struct vmx_caps skylake = {
    .basic      = 0x00d810000000002bULL,
    .pinbased   = 0x0000007f00000016ULL,
    .procbased  = 0xfff9fffe04006172ULL,
    .procbased2 = 0x02177fff00000000ULL,
    .exit       = 0x01ffffff00036dfbULL,
    .entry      = 0x0003ffff000011fbULL,
    .misc       = 0x7004c1e7ULL,
    .cr0_fixed0 = 0x80000021ULL,
    .cr0_fixed1 = 0xffffffffULL,
    .cr4_fixed0 = 0x2000ULL,
    .cr4_fixed1 = 0x3767ffULL,
    .ept_vpid   = 0x00000f0106334141ULL,
    .vmfunc     = 0x1ULL,
};

static uint64_t img[0x7000];
static struct vmx_controls ctls;
#define MAX_LINES 8
static char lines[MAX_LINES][200];
static unsigned nlines;

static uint64_t fake_read(void *ctx, enum vmcs_field f)
{
    (void)ctx;
    assert_true((unsigned)f < ARRAY_SIZE(img));
    return img[f];
}

static void fake_report(void *ctx, const char *line)
{
    (void)ctx;
    if (nlines < MAX_LINES)
        snprintf(lines[nlines], sizeof(lines[0]), "%s", line);
    nlines++;
}

/* Controls, host state and the non-register guest state (vmx/vmcs.c). */
static void build_base(void)
{
    const char *missing;
    memset(img, 0, sizeof(img));
    struct vmx_caps caps = skylake;
    assert_int_equal(vmx_compute_controls(&caps, &ctls, &missing), 0);
    img[VMCS_PIN_BASED_VM_EXEC_CONTROL] = ctls.pin;
    img[VMCS_PRIMARY_PROC_BASED_VM_EXEC_CONTROL] = ctls.proc;
    img[VMCS_SECONDARY_PROC_BASED_VM_EXEC_CONTROL] = ctls.proc2;
    img[VMCS_VM_EXIT_CONTROLS] = ctls.exit;
    img[VMCS_VM_ENTRY_CONTROLS] = ctls.entry;
    img[VMCS_IO_BITMAP_A] = 0x1000;
    img[VMCS_IO_BITMAP_B] = 0x2000;
    img[VMCS_MSR_BITMAP] = 0x3000;
    img[VMCS_EPT_POINTER] = 0x5000 | 6 | (3 << 3);
    img[VMCS_VPID] = 1;
    img[VMCS_VMCS_LINK_POINTER] = ~0ULL;
    img[VMCS_CR0_GUEST_HOST_MASK] = 0x80000021ULL;
    img[VMCS_CR4_GUEST_HOST_MASK] = 0x2020ULL;
    img[VMCS_HOST_CR0] = 0x80000033;
    img[VMCS_HOST_CR3] = 0x8000;
    img[VMCS_HOST_CR4] = 0x26A0;
    img[VMCS_HOST_CS_SELECTOR] = 0x08;
    img[VMCS_HOST_SS_SELECTOR] = img[VMCS_HOST_DS_SELECTOR] = img[VMCS_HOST_ES_SELECTOR] = 0x10;
    img[VMCS_HOST_TR_SELECTOR] = 0x18;
    img[VMCS_HOST_TR_BASE] = 0x9000;
    img[VMCS_HOST_GDTR_BASE] = 0xA000;
    img[VMCS_HOST_IDTR_BASE] = 0xB000;
    img[VMCS_HOST_IA32_EFER] = 0xD00;
    img[VMCS_HOST_IA32_PAT] = 0x0007040600070406ULL;
    img[VMCS_HOST_RIP] = 0x100abc;
    img[VMCS_GUEST_DR7] = 0x400;
    img[VMCS_GUEST_IA32_PAT] = 0x0007040600070406ULL;
}

/* Encode st into the image as vcpu_set_state does (fixed bits: CR0.NE,
 * CR4.VMXE; PE and PG free with unrestricted guest) and run the checker. */
static unsigned apply(const struct vcpu_state *st)
{
    struct vmcs_field_value f[VCPU_STATE_MAX_FIELDS];
    build_base();
    unsigned n = vcpu_state_encode(st, (st->cr0 | 0x20) & 0xFFFFFFFF, st->cr4 | 0x2000,
                                   (uint32_t)img[VMCS_VM_ENTRY_CONTROLS], f);
    assert_true(n <= VCPU_STATE_MAX_FIELDS);
    for (unsigned i = 0; i < n; i++)
        img[f[i].field] = f[i].value;
    struct vmx_caps caps = skylake;
    struct vmcheck_env env = {
        .read = fake_read, .report = fake_report, .caps = &caps,
        .phys_bits = 39, .linear_bits = 48, .host_ia32e = true,
    };
    nlines = 0;
    return vmcheck_run(&env);
}

/* The three boot states: multiboot1 (GDT at 0x9FC00), plain ELF (no GDT),
 * Linux 64-bit (GDT 0x1000, page tables 0x2000, __BOOT_CS/DS 0x10/0x18). */
static void mb1_state(struct vcpu_state *st)
{
    boot_cpu_prot32(st, 0x100010, 0x08, 0x10, 0x9FC00, 0x17);
    st->gpr[GPR_RAX] = 0x2BADB002;
    st->gpr[GPR_RBX] = 0x1000;
}

static void elf_state(struct vcpu_state *st)
{
    boot_cpu_prot32(st, 0x100010, 0x08, 0x10, 0, 0);
}

static void linux_state(struct vcpu_state *st)
{
    boot_cpu_long64(st, 0x1000200, 0x2000, 0x10, 0x18, 0x1000, 0x1F);
    st->gpr[GPR_RSI] = 0x8000;
}

static void test_access_rights(void **state)
{
    (void)state;
    struct vcpu_state st;
    mb1_state(&st);
    /* What vmx/vmcs.c wrote before the register API: AR_CODE32, AR_DATA,
     * AR_TSS_BUSY, AR_UNUSABLE. */
    assert_int_equal(vcpu_segment_ar(&st.seg[VCPU_SEG_CS]), 0xC09B);
    for (unsigned i = 0; i < VCPU_SEG_LDTR; i++)
        if (i != VCPU_SEG_CS)
            assert_int_equal(vcpu_segment_ar(&st.seg[i]), 0xC093);
    assert_int_equal(vcpu_segment_ar(&st.seg[VCPU_SEG_TR]), 0x8B);
    assert_int_equal(vcpu_segment_ar(&st.seg[VCPU_SEG_LDTR]), 0x10000);
    linux_state(&st);
    assert_int_equal(vcpu_segment_ar(&st.seg[VCPU_SEG_CS]), 0xA09B);   /* AR_CODE64 */
    assert_int_equal(vcpu_segment_ar(&st.seg[VCPU_SEG_SS]), 0xC093);

    /* Every bit has one field: AVL, DPL 3, a system type. */
    struct vcpu_segment s = { .type = 9, .dpl = 3, .avl = 1, .present = 1 };
    assert_int_equal(vcpu_segment_ar(&s), 0x1000 | 0x80 | 0x60 | 9);
    struct vcpu_segment back;
    memset(&back, 0xAA, sizeof(back));
    back.base = s.base;
    back.limit = s.limit;
    back.selector = s.selector;
    vcpu_segment_set_ar(&back, vcpu_segment_ar(&s));
    assert_int_equal(back.type, 9);
    assert_int_equal(back.s, 0);
    assert_int_equal(back.dpl, 3);
    assert_int_equal(back.present, 1);
    assert_int_equal(back.avl, 1);
    assert_int_equal(back.l, 0);
    assert_int_equal(back.db, 0);
    assert_int_equal(back.g, 0);
    assert_int_equal(back.unusable, 0);
}

/* The first field in which a and b differ, or NULL (padding ignored). */
static const char *state_diff(const struct vcpu_state *a, const struct vcpu_state *b)
{
    static char what[32];
    for (unsigned i = 0; i < 16; i++)
        if (a->gpr[i] != b->gpr[i])
            return "a GPR";
    if (a->rip != b->rip || a->rflags != b->rflags)
        return "RIP or RFLAGS";
    for (unsigned i = 0; i < VCPU_SEG_COUNT; i++) {
        const struct vcpu_segment *x = &a->seg[i], *y = &b->seg[i];
        snprintf(what, sizeof(what), "segment %u", i);
        if (x->base != y->base || x->limit != y->limit || x->selector != y->selector ||
            vcpu_segment_ar(x) != vcpu_segment_ar(y))
            return what;
    }
    if (a->gdt.base != b->gdt.base || a->gdt.limit != b->gdt.limit ||
        a->idt.base != b->idt.base || a->idt.limit != b->idt.limit)
        return "GDTR or IDTR";
    if (a->cr0 != b->cr0 || a->cr2 != b->cr2 || a->cr3 != b->cr3 || a->cr4 != b->cr4 ||
        a->efer != b->efer)
        return "a control register or EFER";
    return NULL;
}

static void test_boot_states_pass_entry_checks(void **state)
{
    (void)state;
    static const char *const names[] = { "multiboot1", "plain ELF", "Linux 64-bit", "power-up" };
    for (unsigned i = 0; i < ARRAY_SIZE(names); i++) {
        struct vcpu_state st;
        if (i == 0) mb1_state(&st);
        else if (i == 1) elf_state(&st);
        else if (i == 2) linux_state(&st);
        else vcpu_state_reset(&st);
        unsigned n = apply(&st);
        if (n)
            fail_msg("%s state: %u broken rule(s), first: %s", names[i], n, lines[0]);
        /* IA-32e mode guest follows EFER.LMA. */
        bool ia32e = img[VMCS_VM_ENTRY_CONTROLS] & ENTRY_CTL_IA32E_MODE_GUEST;
        if (ia32e != (i == 2))
            fail_msg("%s state: IA-32e mode guest control %d", names[i], ia32e);
        /* What lands in the fields, value by value for the ones with a twist. */
        assert_int_equal(img[VMCS_CR0_READ_SHADOW], st.cr0);
        assert_int_equal(img[VMCS_GUEST_CR0], (st.cr0 | 0x20) & 0xFFFFFFFF);
        assert_int_equal(img[VMCS_CR4_READ_SHADOW], st.cr4);
        assert_int_equal(img[VMCS_GUEST_CR4], st.cr4 | 0x2000);
        assert_int_equal(img[VMCS_GUEST_RSP], st.gpr[GPR_RSP]);
        assert_int_equal(img[VMCS_GUEST_RIP], st.rip);
        assert_int_equal(img[VMCS_GUEST_IA32_EFER], st.efer);
        assert_int_equal(img[VMCS_GUEST_GDTR_BASE], st.gdt.base);
        assert_int_equal(img[VMCS_GUEST_GDTR_LIMIT], st.gdt.limit);
        assert_int_equal(img[VMCS_GUEST_SS_SELECTOR], st.seg[VCPU_SEG_SS].selector);
        assert_int_equal(img[VMCS_GUEST_TR_LIMIT], st.seg[VCPU_SEG_TR].limit);
        assert_int_equal(img[VMCS_GUEST_CS_BASE], st.seg[VCPU_SEG_CS].base);

        /* And back: the state read from the fields is the one written
         * (CR2 and the GPRs but RSP are not in the VMCS). */
        struct vcpu_state got;
        memset(&got, 0, sizeof(got));
        vcpu_state_decode(&got, fake_read, NULL);
        got.cr2 = st.cr2;
        for (unsigned r = 0; r < 16; r++)
            if (r != GPR_RSP)
                got.gpr[r] = st.gpr[r];
        const char *d = state_diff(&got, &st);
        if (d)
            fail_msg("%s state: decode(encode(state)) differs in %s", names[i], d);
    }
}

static void test_power_up_state(void **state)
{
    (void)state;
    struct vcpu_state st;
    vcpu_state_reset(&st);
    assert_int_equal(st.rip, 0xFFF0);
    assert_int_equal(st.rflags, 0x2);
    assert_int_equal(st.cr0, 0x60000010);
    assert_int_equal(st.seg[VCPU_SEG_CS].selector, 0xF000);
    assert_int_equal(st.seg[VCPU_SEG_CS].base, 0xFFFF0000);
    assert_int_equal(vcpu_segment_ar(&st.seg[VCPU_SEG_CS]), 0x9B);
    assert_int_equal(vcpu_segment_ar(&st.seg[VCPU_SEG_DS]), 0x93);
    assert_int_equal(vcpu_segment_ar(&st.seg[VCPU_SEG_LDTR]), 0x82);
    assert_int_equal(vcpu_segment_ar(&st.seg[VCPU_SEG_TR]), 0x83);
    assert_int_equal(st.seg[VCPU_SEG_DS].limit, 0xFFFF);
    assert_int_equal(st.gdt.limit, 0xFFFF);
    assert_int_equal(st.idt.limit, 0xFFFF);
    assert_int_equal(st.efer, 0);
}

/* States entry refuses: each must give at least one line naming `word`. */
static void test_bad_states_refused(void **state)
{
    (void)state;
    static const struct {
        const char *what, *word;
        int kind;
    } cases[] = {
        { "CS read-only data (type 1)", "CS", 0 },
        { "EFER.LMA without CR0.PG (IA-32e mode guest, paging off)", "", 1 },
        { "64-bit CS with D set too", "CS", 2 },
        { "RFLAGS bit 1 clear", "RFLAGS", 3 },
        { "64-bit RIP not canonical", "RIP", 4 },
        { "TR an available TSS (type 9)", "TR", 5 },
        { "SS DPL 3 with CS DPL 0 in protected mode", "SS", 6 },
    };
    for (unsigned i = 0; i < ARRAY_SIZE(cases); i++) {
        struct vcpu_state st;
        mb1_state(&st);
        switch (cases[i].kind) {
        case 0: st.seg[VCPU_SEG_CS].type = 1; break;
        case 1: st.efer = 0x500; break;
        case 2: linux_state(&st); st.seg[VCPU_SEG_CS].db = 1; break;
        case 3: st.rflags = 0; break;
        case 4: linux_state(&st); st.rip = 0x0000800000000000ULL; break;
        case 5: st.seg[VCPU_SEG_TR].type = 9; break;
        case 6: st.seg[VCPU_SEG_SS].dpl = 3; break;
        }
        unsigned n = apply(&st);
        if (n == 0)
            fail_msg("case %u (%s): accepted", i, cases[i].what);
        bool named = false;
        for (unsigned k = 0; k < nlines && k < MAX_LINES; k++)
            named |= strstr(lines[k], cases[i].word) != NULL;
        if (!named)
            fail_msg("case %u (%s): no line names %s; first: %s", i, cases[i].what,
                     cases[i].word, lines[0]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_access_rights),
        cmocka_unit_test(test_boot_states_pass_entry_checks),
        cmocka_unit_test(test_power_up_state),
        cmocka_unit_test(test_bad_states_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
