/*
 * Host tests for vmx/xsave.c: XSAVE area sizes (standard and compacted)
 * and the per-vCPU layout from fake CPUID leaf 0xD tables, and which XCR0
 * values XSETBV accepts.
 *
 * The tables are recorded values: an Intel Skylake-SP (x87, SSE, AVX, MPX,
 * AVX-512, PKRU), a Sapphire Rapids (AVX-512, PKRU and AMX: tile data alone
 * is 8 KiB) and an XSAVE CPU with x87 and SSE only.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "vmx/xsave.h"

#define NSUB 19
static const struct xsave_leaf skylake_x[NSUB] = {
    [0] = { 0x2FF, 0xA88, 0xA88, 0 },      /* EBX for XCR0 = everything */
    [1] = { 0xF, 0, 0x100, 0 },
    [2] = { 256, 576, 0, 0 },              /* AVX */
    [3] = { 64, 960, 0, 0 },               /* BNDREGS */
    [4] = { 64, 1024, 0, 0 },              /* BNDCSR */
    [5] = { 64, 1088, 0, 0 },              /* opmask */
    [6] = { 512, 1152, 0, 0 },             /* ZMM_Hi256 */
    [7] = { 1024, 1664, 0, 0 },            /* Hi16_ZMM */
    [8] = { 128, 0, 1, 0 },                /* PT (supervisor) */
    [9] = { 8, 2688, 0, 0 },               /* PKRU */
};

static const struct xsave_leaf sapphire_rapids[NSUB] = {
    [0] = { 0x602E7, 0x2B00, 0x2B00, 0 },
    [1] = { 0x1F, 0, 0x1900, 0 },
    [2] = { 256, 576, 0, 0 },
    [5] = { 64, 1088, 0, 0 },
    [6] = { 512, 1152, 0, 0 },
    [7] = { 1024, 1664, 0, 0 },
    [9] = { 8, 2688, 0, 0 },
    [17] = { 64, 2752, 0x4, 0 },           /* TILECFG */
    [18] = { 8192, 2816, 0x6, 0 },         /* TILEDATA, 64-byte aligned */
};

static const struct xsave_leaf sse_only[NSUB] = {
    [0] = { 0x3, 0x240, 0x240, 0 },
    [1] = { 0x1, 0, 0, 0 },
};

static const struct xsave_leaf *table;
static unsigned max_sub_seen;

static struct xsave_leaf fake_cpuid_d(uint32_t sub)
{
    if (sub > max_sub_seen)
        max_sub_seen = sub;
    if (sub >= NSUB)
        return (struct xsave_leaf){ 0, 0, 0, 0 };
    return table[sub];
}

static void use(const struct xsave_leaf *t)
{
    table = t;
    max_sub_seen = 0;
}

/* ---- xsave_area_size ---- */

static void test_area_size_standard(void **state)
{
    (void)state;
    use(skylake_x);
    assert_int_equal(xsave_area_size(0x3, false, fake_cpuid_d), 576);
    assert_int_equal(xsave_area_size(0x7, false, fake_cpuid_d), 832);
    assert_int_equal(xsave_area_size(0xE7, false, fake_cpuid_d), 2688);
    /* everything the CPU has: what CPUID.(0xD,0).EBX/ECX report */
    assert_int_equal(xsave_area_size(0x2FF, false, fake_cpuid_d), 0xA88);
    /* PKRU alone sits at its fixed offset in the standard format */
    assert_int_equal(xsave_area_size(0x203, false, fake_cpuid_d), 2696);

    use(sapphire_rapids);
    assert_int_equal(xsave_area_size(0x602E7, false, fake_cpuid_d), 0x2B00);
    assert_int_equal(xsave_area_size(0x60003, false, fake_cpuid_d), 11008);
    assert_int_equal(max_sub_seen, 18);

    use(sse_only);
    assert_int_equal(xsave_area_size(0x3, false, fake_cpuid_d), 576);
    assert_int_equal(max_sub_seen, 0);        /* x87 and SSE need no sub-leaf */
}

static void test_area_size_compacted(void **state)
{
    (void)state;
    use(skylake_x);
    assert_int_equal(xsave_area_size(0x3, true, fake_cpuid_d), 576);
    assert_int_equal(xsave_area_size(0x7, true, fake_cpuid_d), 832);
    assert_int_equal(xsave_area_size(0x2E7, true, fake_cpuid_d), 832 + 64 + 512 + 1024 + 8);
    /* PKRU alone follows the header directly */
    assert_int_equal(xsave_area_size(0x203, true, fake_cpuid_d), 584);

    use(sapphire_rapids);
    /* tile data is 64-byte aligned: 576+256+64+512+1024+8 = 2440, +64 = 2504,
     * aligned up to 2560, +8192 */
    assert_int_equal(xsave_area_size(0x602E7, true, fake_cpuid_d), 2560 + 8192);
}

/* ---- xsave_guest_layout ---- */

static void test_layout_guest_components(void **state)
{
    (void)state;
    struct xsave_layout l;
    const uint64_t guest = XCR0_X87 | XCR0_SSE | XCR0_AVX;   /* CPUID_GUEST_XCR0 */

    use(skylake_x);
    xsave_guest_layout(guest, fake_cpuid_d, &l);
    assert_int_equal(l.xcr0, 0x7);
    assert_int_equal(l.size, 832);
    assert_int_equal(l.pages, 1);

    use(sapphire_rapids);
    xsave_guest_layout(guest, fake_cpuid_d, &l);
    assert_int_equal(l.xcr0, 0x7);
    assert_int_equal(l.size, 832);
    assert_int_equal(l.pages, 1);
    assert_true(max_sub_seen <= 2);          /* AMX's leaves are not even read */

    use(sse_only);
    xsave_guest_layout(guest, fake_cpuid_d, &l);
    assert_int_equal(l.xcr0, 0x3);
    assert_int_equal(l.size, 576);
    assert_int_equal(l.pages, 1);
}

/* The area grows past one page, and the frame count follows, when more
 * components are wanted: AMX needs three frames. */
static void test_layout_large_sets(void **state)
{
    (void)state;
    struct xsave_layout l;

    use(sapphire_rapids);
    xsave_guest_layout(~0ULL, fake_cpuid_d, &l);
    assert_int_equal(l.xcr0, 0x602E7);
    assert_int_equal(l.size, 11008);
    assert_int_equal(l.pages, 3);

    use(skylake_x);
    xsave_guest_layout(~0ULL, fake_cpuid_d, &l);
    assert_int_equal(l.xcr0, 0x2FF);
    assert_int_equal(l.size, 2696);
    assert_int_equal(l.pages, 1);

    /* x87 and SSE are always in the set (the legacy area is always there) */
    xsave_guest_layout(0, fake_cpuid_d, &l);
    assert_int_equal(l.xcr0, 0x3);
    assert_int_equal(l.size, 576);
}

/* ---- xcr0_valid ---- */

static const struct {
    uint64_t value, supported;
    bool ok;
} xcr0_cases[] = {
    { 0x1, 0x7, true },                       /* x87 only */
    { 0x3, 0x7, true },
    { 0x7, 0x7, true },
    { 0x0, 0x7, false },                      /* x87 must stay on */
    { 0x2, 0x7, false },
    { 0x6, 0x7, false },
    { 0x5, 0x7, false },                      /* AVX without SSE */
    { 0x7, 0x3, false },                      /* AVX not supported */
    { 0xE7, 0x7, false },                     /* AVX-512 not supported */
    { 0x8000000000000003ULL, 0x7, false },    /* a reserved high bit */
    { 0x100000003ULL, 0x7, false },
    /* AVX-512: all three components, and AVX */
    { 0xE7, 0x2FF, true },
    { 0x27, 0x2FF, false },
    { 0x67, 0x2FF, false },
    { 0xC7, 0x2FF, false },
    { 0x87, 0x2FF, false },
    { 0xE3, 0x2FF, false },
    /* MPX: both or neither */
    { 0x1B, 0x2FF, true },
    { 0x0B, 0x2FF, false },
    { 0x13, 0x2FF, false },
    /* PKRU alone is fine */
    { 0x203, 0x2FF, true },
    /* AMX: both tile components */
    { 0x60003, 0x602E7, true },
    { 0x20003, 0x602E7, false },
    { 0x40003, 0x602E7, false },
};

static void test_xcr0_valid(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(xcr0_cases) / sizeof(xcr0_cases[0]); i++) {
        if (xcr0_valid(xcr0_cases[i].value, xcr0_cases[i].supported) != xcr0_cases[i].ok)
            fail_msg("case %zu: XCR0 %#llx with %#llx supported: expected %s", i,
                     (unsigned long long)xcr0_cases[i].value,
                     (unsigned long long)xcr0_cases[i].supported,
                     xcr0_cases[i].ok ? "valid" : "invalid");
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_area_size_standard),
        cmocka_unit_test(test_area_size_compacted),
        cmocka_unit_test(test_layout_guest_components),
        cmocka_unit_test(test_layout_large_sets),
        cmocka_unit_test(test_xcr0_valid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
