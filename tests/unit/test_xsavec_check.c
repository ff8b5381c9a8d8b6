/*
 * The XSAVEC layout check (vmx/xsavec_check.c): finding the AVX pattern in
 * images laid out as the SDM says (offset 576) and as Bochs 2.7 writes them
 * (offset 416, over the XSAVE header).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include "vmx/xsavec_check.h"

static const uint8_t pattern[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };

/* A compacted image of x87+SSE+AVX with YMM0..7's upper halves at `avx_at`
 * (register 0 holding the pattern), and the header written last as XSAVEC
 * does (XSTATE_BV = XCOMP_BV low bits = 7). */
static void make_image(uint8_t *img, size_t len, size_t avx_at)
{
    memset(img, 0, len);
    for (int r = 0; r < 8; r++)
        for (int b = 0; b < 16; b++)
            img[avx_at + r * 16 + b] = r == 0 ? pattern[b] : (uint8_t)(0x80 + r);
    uint64_t bv = 7, comp = (1ull << 63) | 7;
    memcpy(img + 512, &bv, 8);
    memcpy(img + 520, &comp, 8);
}

static void sdm_layout_found_at_576(void **state)
{
    (void)state;
    uint8_t img[1024];
    make_image(img, sizeof(img), XSAVEC_FIRST_EXTENDED);
    int off = 0;
    assert_true(xsavec_image_ok(img, sizeof(img), pattern, &off));
    assert_int_equal(off, 576);
}

static void bochs_layout_found_at_416_and_header_dirty(void **state)
{
    (void)state;
    uint8_t img[1024];
    /* YMM6 was overwritten by the header; YMM7's half sits in reserved
     * header bytes 528-543, which XRSTOR requires to be zero. */
    make_image(img, sizeof(img), 416);
    int off = 0;
    assert_false(xsavec_image_ok(img, sizeof(img), pattern, &off));
    assert_int_equal(off, 416);
    uint64_t reserved;
    memcpy(&reserved, img + 528, 8);
    assert_true(reserved != 0);
}

static void missing_pattern_is_minus_one(void **state)
{
    (void)state;
    uint8_t img[1024];
    memset(img, 0xCC, sizeof(img));
    int off = 0;
    assert_false(xsavec_image_ok(img, sizeof(img), pattern, &off));
    assert_int_equal(off, -1);
    /* Only 16-byte aligned places count, and the image's end is respected. */
    memcpy(img + 8, pattern, 16);
    assert_int_equal(xsavec_find_pattern(img, sizeof(img), pattern), -1);
    memcpy(img + 1008, pattern, 16);
    assert_int_equal(xsavec_find_pattern(img, 1008 + 15, pattern), -1);
    assert_int_equal(xsavec_find_pattern(img, 1024, pattern), 1008);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sdm_layout_found_at_576),
        cmocka_unit_test(bochs_layout_found_at_416_and_header_dirty),
        cmocka_unit_test(missing_pattern_is_minus_one),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
