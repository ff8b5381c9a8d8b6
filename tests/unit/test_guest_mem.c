/*
 * Host tests for mm/guest_mem.c: bounds checks, overflow safety and copies
 * that cross 2 MiB chunks. Chunks are malloc'd separately (the last one only
 * as large as the RAM it backs), so AddressSanitizer catches any access
 * outside guest RAM.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <hv/errno.h>
#include "mm/guest_mem.h"

#define CASE_CHECK(i, cond) \
    do { if (!(cond)) fail_msg("case %u: %s", (unsigned)(i), #cond); } while (0)

static struct guest_mem *mem_new(uint64_t size)
{
    struct guest_mem *m = calloc(1, sizeof(*m));
    assert_non_null(m);
    m->size = size;
    m->nchunks = (unsigned)((size + GMEM_CHUNK_SIZE - 1) / GMEM_CHUNK_SIZE);
    for (unsigned i = 0; i < m->nchunks; i++) {
        uint64_t used = size - (uint64_t)i * GMEM_CHUNK_SIZE;
        if (used > GMEM_CHUNK_SIZE)
            used = GMEM_CHUNK_SIZE;
        m->chunk[i] = malloc(used);
        assert_non_null(m->chunk[i]);
        memset(m->chunk[i], 0xCC, used);
    }
    return m;
}

static void mem_free(struct guest_mem *m)
{
    for (unsigned i = 0; i < m->nchunks; i++)
        free(m->chunk[i]);
    free(m);
}

/* The byte at gpa, straight from the chunk (test oracle). */
static uint8_t raw(const struct guest_mem *m, uint64_t gpa)
{
    return m->chunk[gpa >> GMEM_CHUNK_SHIFT][gpa & (GMEM_CHUNK_SIZE - 1)];
}

static void test_contains(void **state)
{
    (void)state;
    struct guest_mem *m = mem_new(MiB(3));
    static const struct { uint64_t gpa, len; bool want; } cases[] = {
        { 0, 0, true },
        { 0, MiB(3), true },
        { 0, MiB(3) + 1, false },
        { MiB(3), 0, true },              /* empty range at the end */
        { MiB(3), 1, false },
        { MiB(3) - 1, 1, true },
        { MiB(3) + 1, 0, false },
        { UINT64_MAX, 1, false },
        { UINT64_MAX, 0, false },
        { 1, UINT64_MAX, false },         /* wraps to 0 */
        { UINT64_MAX - 1, 2, false },     /* wraps exactly to 0 */
        { 0x1000, UINT64_MAX - 0xFFF, false },
    };
    for (unsigned i = 0; i < ARRAY_SIZE(cases); i++)
        CASE_CHECK(i, gmem_contains(m, cases[i].gpa, cases[i].len) == cases[i].want);
    mem_free(m);
}

static void test_ptr(void **state)
{
    (void)state;
    struct guest_mem *m = mem_new(MiB(3));
    static const struct { uint64_t gpa; size_t len; bool ok; } cases[] = {
        { 0, 0, true },
        { 0, 16, true },
        { MiB(2) - 16, 16, true },        /* last bytes of chunk 0 */
        { MiB(2) - 16, 17, false },       /* crosses into chunk 1 */
        { MiB(2), 4096, true },
        { MiB(3) - 1, 1, true },          /* last byte of a partial chunk */
        { MiB(3) - 1, 2, false },
        { MiB(3), 0, false },             /* len 0 still needs gpa < size */
        { MiB(3), 1, false },
        { UINT64_MAX, 1, false },
        { UINT64_MAX - 3, 8, false },
    };
    for (unsigned i = 0; i < ARRAY_SIZE(cases); i++) {
        uint8_t *p = gmem_ptr(m, cases[i].gpa, cases[i].len);
        CASE_CHECK(i, (p != NULL) == cases[i].ok);
        if (p)
            CASE_CHECK(i, p == &m->chunk[cases[i].gpa >> GMEM_CHUNK_SHIFT]
                                       [cases[i].gpa & (GMEM_CHUNK_SIZE - 1)]);
    }
    mem_free(m);
}

/* Copies in and out over the chunk boundaries of an 8 MiB and a 3 MiB guest. */
static void test_write_read_roundtrip(void **state)
{
    (void)state;
    static const struct { uint64_t mem, gpa; size_t len; } cases[] = {
        { MiB(8), 0, 100 },
        { MiB(8), MiB(2) - 3, 10 },               /* crosses one boundary */
        { MiB(8), MiB(2) - 1, MiB(4) + 2 },       /* crosses three */
        { MiB(8), MiB(8) - 7, 7 },                /* ends at the end of RAM */
        { MiB(8), 0, MiB(8) },                    /* all of RAM */
        { MiB(3), MiB(2) - 100, 200 },            /* into the partial chunk */
        { MiB(3), MiB(3) - 1, 1 },
        { MiB(3), 0, MiB(3) },
    };
    for (unsigned i = 0; i < ARRAY_SIZE(cases); i++) {
        struct guest_mem *m = mem_new(cases[i].mem);
        size_t len = cases[i].len;
        uint8_t *src = malloc(len), *dst = malloc(len);
        for (size_t k = 0; k < len; k++)
            src[k] = (uint8_t)(k * 31 + i);

        CASE_CHECK(i, gmem_write(m, cases[i].gpa, src, len) == 0);
        for (size_t k = 0; k < len; k += 997)
            CASE_CHECK(i, raw(m, cases[i].gpa + k) == src[k]);
        CASE_CHECK(i, raw(m, cases[i].gpa + len - 1) == src[len - 1]);
        if (cases[i].gpa > 0)
            CASE_CHECK(i, raw(m, cases[i].gpa - 1) == 0xCC);
        if (cases[i].gpa + len < cases[i].mem)
            CASE_CHECK(i, raw(m, cases[i].gpa + len) == 0xCC);

        memset(dst, 0, len);
        CASE_CHECK(i, gmem_read(m, cases[i].gpa, dst, len) == 0);
        CASE_CHECK(i, memcmp(src, dst, len) == 0);

        CASE_CHECK(i, gmem_zero(m, cases[i].gpa, len) == 0);
        CASE_CHECK(i, gmem_read(m, cases[i].gpa, dst, len) == 0);
        for (size_t k = 0; k < len; k++)
            if (dst[k] != 0)
                fail_msg("case %u: byte %zu not zeroed", i, k);
        if (cases[i].gpa + len < cases[i].mem)
            CASE_CHECK(i, raw(m, cases[i].gpa + len) == 0xCC);

        free(src);
        free(dst);
        mem_free(m);
    }
}

/* Out-of-range accesses fail with -HV_EFAULT and change nothing. */
static void test_out_of_range(void **state)
{
    (void)state;
    struct guest_mem *m = mem_new(MiB(3));
    uint8_t buf[64];
    static const struct { uint64_t gpa; size_t len; int want; } cases[] = {
        { MiB(3) - 32, 33, -HV_EFAULT },          /* last byte outside */
        { MiB(3), 1, -HV_EFAULT },
        { MiB(3), 0, 0 },                         /* empty at the end: fine */
        { MiB(3) + 1, 0, -HV_EFAULT },
        { UINT64_MAX - 10, 20, -HV_EFAULT },      /* wraps */
        { UINT64_MAX, 1, -HV_EFAULT },
        { GiB(4), 8, -HV_EFAULT },
    };
    memset(buf, 0x5A, sizeof(buf));
    for (unsigned i = 0; i < ARRAY_SIZE(cases); i++) {
        CASE_CHECK(i, gmem_write(m, cases[i].gpa, buf, cases[i].len) == cases[i].want);
        CASE_CHECK(i, gmem_zero(m, cases[i].gpa, cases[i].len) == cases[i].want);
        CASE_CHECK(i, gmem_read(m, cases[i].gpa, buf, cases[i].len) == cases[i].want);
        CASE_CHECK(i, raw(m, MiB(3) - 1) == 0xCC);      /* nothing partly written */
        CASE_CHECK(i, raw(m, MiB(3) - 32) == 0xCC);
    }
    mem_free(m);
}

/* A chunk without backing memory is outside RAM, even inside `size`. */
static void test_unbacked_chunk(void **state)
{
    (void)state;
    struct guest_mem *m = mem_new(MiB(6));
    uint8_t *saved = m->chunk[1];
    uint8_t b = 1;

    m->chunk[1] = NULL;
    assert_int_equal(gmem_write(m, MiB(2) - 1, "ab", 2), -HV_EFAULT);
    assert_int_equal(raw(m, MiB(2) - 1), 0xCC);        /* chunk 0 untouched */
    assert_int_equal(gmem_read(m, MiB(3), &b, 1), -HV_EFAULT);
    assert_null(gmem_ptr(m, MiB(3), 1));
    assert_int_equal(gmem_write(m, MiB(4), &b, 1), 0);
    m->chunk[1] = saved;

    m->nchunks = 2;                                     /* size says 3 chunks */
    assert_int_equal(gmem_write(m, MiB(4), &b, 1), -HV_EFAULT);
    m->nchunks = 3;
    mem_free(m);
}

static void test_null_buffers(void **state)
{
    (void)state;
    struct guest_mem *m = mem_new(MiB(2));
    assert_int_equal(gmem_write(m, 0, NULL, 1), -HV_EFAULT);
    assert_int_equal(gmem_read(m, 0, NULL, 1), -HV_EFAULT);
    assert_int_equal(gmem_write(m, 0, NULL, 0), 0);
    assert_int_equal(raw(m, 0), 0xCC);
    mem_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_contains),
        cmocka_unit_test(test_ptr),
        cmocka_unit_test(test_write_read_roundtrip),
        cmocka_unit_test(test_out_of_range),
        cmocka_unit_test(test_unbacked_chunk),
        cmocka_unit_test(test_null_buffers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
