/*
 * Host unit tests for mm/ept.c. Table pages come from aligned_alloc, and a
 * page's "physical address" is simply its pointer value, so the tests can
 * walk the tables themselves to count leaves and check entry formats.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <mm/ept.h>
#include <hv/errno.h>

/* ---- fake table allocator ------------------------------------------------ */

struct fake_alloc {
    int budget;         /* table pages it will still hand out; < 0: unlimited */
    unsigned live;      /* handed out and not freed */
};

static void *fa_alloc(void *opaque, hpa_t *pa)
{
    struct fake_alloc *f = opaque;
    void *p;

    if (f->budget == 0)
        return NULL;
    if (f->budget > 0)
        f->budget--;
    p = aligned_alloc(PAGE_SIZE, PAGE_SIZE);
    assert_non_null(p);
    memset(p, 0xA5, PAGE_SIZE);     /* ept must clear new tables itself */
    *pa = (hpa_t)(uintptr_t)p;
    f->live++;
    return p;
}

static void *fa_virt(void *opaque, hpa_t pa)
{
    (void)opaque;
    return (void *)(uintptr_t)pa;
}

static void fa_free(void *opaque, hpa_t pa)
{
    struct fake_alloc *f = opaque;

    free((void *)(uintptr_t)pa);
    f->live--;
}

struct fixture {
    struct fake_alloc fa;
    struct ept e;
};

static int setup(void **state)
{
    struct fixture *fx = calloc(1, sizeof(*fx));
    struct ept_alloc a;

    if (!fx)
        return -1;
    fx->fa.budget = -1;
    a = (struct ept_alloc){ .alloc_table = fa_alloc, .phys_to_virt = fa_virt, .opaque = &fx->fa };
    if (ept_init(&fx->e, &a) != 0)
        return -1;
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *fx = *state;

    ept_destroy(&fx->e, fa_free);
    assert_int_equal(fx->fa.live, 0);       /* every table page given back */
    assert_null(fx->e.pml4);
    free(fx);
    return 0;
}

/* ---- walking the tables from the test's side ------------------------------- */

struct census {
    unsigned tables;
    unsigned leaves_4k, leaves_2m, leaves_1g;
};

/* Count tables and leaves below `t`, checking every entry's format. */
static void count(const uint64_t *t, unsigned level, struct census *c)
{
    c->tables++;
    for (unsigned i = 0; i < EPT_ENTRIES; i++) {
        uint64_t ent = t[i];

        if (!(ent & EPT_PROT_MASK)) {
            assert_int_equal(ent, 0);               /* unused entries stay 0 */
            continue;
        }
        if (level == 1 || (ent & EPT_LARGE)) {
            uint64_t size = level == 1 ? EPT_PAGE_4K : level == 2 ? EPT_PAGE_2M : EPT_PAGE_1G;

            assert_true(level <= 3);                /* no large bit in the PML4 */
            assert_int_equal((ent & EPT_MT_MASK) >> EPT_MT_SHIFT, EPT_MT_WB);
            assert_int_equal(ent & EPT_ADDR_MASK & (size - 1), 0);
            assert_int_equal(ent & ~(EPT_ADDR_MASK | EPT_PROT_MASK | EPT_MT_MASK | EPT_LARGE), 0);
            if (level == 1)
                c->leaves_4k++;
            else if (level == 2)
                c->leaves_2m++;
            else
                c->leaves_1g++;
        } else {
            /* Non-leaf: address | RWX, nothing else. */
            assert_int_equal(ent & ~EPT_ADDR_MASK, EPT_RWX);
            count((const uint64_t *)(uintptr_t)(ent & EPT_ADDR_MASK), level - 1, c);
        }
    }
}

static struct census census(const struct ept *e)
{
    struct census c = { 0 };

    count(e->pml4, EPT_LEVELS, &c);
    assert_int_equal(c.tables, e->tables);
    return c;
}

/* Expect gpa -> hpa with prot and page size. */
static void expect_map(const struct ept *e, gpa_t gpa, hpa_t want_hpa, unsigned want_prot,
                       uint64_t want_size)
{
    hpa_t hpa = 0;
    unsigned prot = 0;
    uint64_t size = 0;
    int rc = ept_translate(e, gpa, &hpa, &prot, &size);

    if (rc != 0 || hpa != want_hpa || prot != want_prot || size != want_size)
        fail_msg("gpa 0x%llx: rc %d hpa 0x%llx prot %u size 0x%llx; want hpa 0x%llx prot %u size 0x%llx",
                 (unsigned long long)gpa, rc, (unsigned long long)hpa, prot,
                 (unsigned long long)size, (unsigned long long)want_hpa, want_prot,
                 (unsigned long long)want_size);
}

static void expect_unmapped(const struct ept *e, gpa_t gpa)
{
    hpa_t hpa;
    int rc = ept_translate(e, gpa, &hpa, NULL, NULL);

    if (rc != -HV_ENOENT)
        fail_msg("gpa 0x%llx: rc %d hpa 0x%llx, want unmapped", (unsigned long long)gpa, rc,
                 rc == 0 ? (unsigned long long)hpa : 0ULL);
}

#define HPA_BASE  0x40000000ULL     /* 1 GiB: 2 MiB-aligned host memory */

/* ---- tests ------------------------------------------------------------------------ */

static void test_eptp(void **state)
{
    struct fixture *fx = *state;
    uint64_t eptp = ept_eptp(&fx->e);

    assert_int_equal(eptp & 7, 6);                      /* bits 2:0: WB */
    assert_int_equal((eptp >> 3) & 7, 3);               /* bits 5:3: 4 levels - 1 */
    assert_int_equal(eptp & BIT(6), 0);                 /* A/D flags off */
    assert_int_equal(eptp & 0xF80, 0);                  /* bits 11:7 reserved */
    assert_int_equal(eptp & ~0xFFFULL, fx->e.pml4_pa);
    assert_int_equal(eptp, fx->e.pml4_pa | 0x1E);
    assert_int_equal(fx->e.tables, 1);
    expect_unmapped(&fx->e, 0);
    expect_unmapped(&fx->e, 0x1234000);
}

static void test_init_oom(void **state)
{
    struct fake_alloc fa = { .budget = 0 };
    struct ept_alloc a = { .alloc_table = fa_alloc, .phys_to_virt = fa_virt, .opaque = &fa };
    struct ept e;

    (void)state;
    assert_int_equal(ept_init(&e, &a), -HV_ENOMEM);
    assert_null(e.pml4);
    ept_destroy(&e, fa_free);                           /* harmless */
    assert_int_equal(fa.live, 0);
}

static void test_map_64m_large(void **state)
{
    struct fixture *fx = *state;
    struct census c;

    assert_int_equal(ept_map(&fx->e, 0, HPA_BASE, MiB(64), EPT_RWX), 0);
    c = census(&fx->e);
    assert_int_equal(c.leaves_2m, 32);
    assert_int_equal(c.leaves_4k, 0);
    assert_int_equal(c.tables, 3);                      /* PML4, PDPT, PD */

    expect_map(&fx->e, 0, HPA_BASE, EPT_RWX, EPT_PAGE_2M);
    expect_map(&fx->e, 0x1234, HPA_BASE + 0x1234, EPT_RWX, EPT_PAGE_2M);
    expect_map(&fx->e, MiB(64) - 1, HPA_BASE + MiB(64) - 1, EPT_RWX, EPT_PAGE_2M);
    expect_unmapped(&fx->e, MiB(64));
    expect_unmapped(&fx->e, GiB(1));
    expect_unmapped(&fx->e, GiB(512));                  /* another PML4 entry */
    expect_unmapped(&fx->e, EPT_MAX_GPA);               /* beyond 48 bits */
    expect_unmapped(&fx->e, ~0ULL);

    /* Mapping it again elsewhere replaces it, with no new tables. */
    assert_int_equal(ept_map(&fx->e, 0, 2 * HPA_BASE, MiB(64), EPT_READ | EPT_EXEC), 0);
    c = census(&fx->e);
    assert_int_equal(c.leaves_2m, 32);
    assert_int_equal(c.tables, 3);
    expect_map(&fx->e, MiB(3), 2 * HPA_BASE + MiB(3), EPT_READ | EPT_EXEC, EPT_PAGE_2M);
}

static void test_map_unaligned_tail(void **state)
{
    struct fixture *fx = *state;
    struct census c;

    /* 63 MiB + 4 KiB = 31 x 2 MiB + 257 x 4 KiB. */
    assert_int_equal(ept_map(&fx->e, 0, HPA_BASE, MiB(63) + KiB(4), EPT_READ | EPT_WRITE), 0);
    c = census(&fx->e);
    assert_int_equal(c.leaves_2m, 31);
    assert_int_equal(c.leaves_4k, 257);
    assert_int_equal(c.tables, 4);                      /* PML4, PDPT, PD, one PT */
    expect_map(&fx->e, MiB(62) - KiB(4), HPA_BASE + MiB(62) - KiB(4), EPT_READ | EPT_WRITE,
               EPT_PAGE_2M);
    expect_map(&fx->e, MiB(62), HPA_BASE + MiB(62), EPT_READ | EPT_WRITE, EPT_PAGE_4K);
    expect_map(&fx->e, MiB(63), HPA_BASE + MiB(63), EPT_READ | EPT_WRITE, EPT_PAGE_4K);
    expect_map(&fx->e, MiB(63) + 0xFFF, HPA_BASE + MiB(63) + 0xFFF, EPT_READ | EPT_WRITE,
               EPT_PAGE_4K);
    expect_unmapped(&fx->e, MiB(63) + KiB(4));
}

static void test_map_unaligned_head(void **state)
{
    struct fixture *fx = *state;
    struct census c;

    /* [1 MiB, 5 MiB): 4 KiB pages up to 2 MiB, one 2 MiB page, 4 KiB pages after 4 MiB. */
    assert_int_equal(ept_map(&fx->e, MiB(1), HPA_BASE + MiB(1), MiB(4), EPT_RWX), 0);
    c = census(&fx->e);
    assert_int_equal(c.leaves_4k, 512);
    assert_int_equal(c.leaves_2m, 1);
    assert_int_equal(c.tables, 5);
    expect_unmapped(&fx->e, MiB(1) - KiB(4));
    expect_map(&fx->e, MiB(1), HPA_BASE + MiB(1), EPT_RWX, EPT_PAGE_4K);
    expect_map(&fx->e, MiB(2), HPA_BASE + MiB(2), EPT_RWX, EPT_PAGE_2M);
    expect_map(&fx->e, MiB(4), HPA_BASE + MiB(4), EPT_RWX, EPT_PAGE_4K);
    expect_unmapped(&fx->e, MiB(5));
}

static void test_map_misaligned_hpa(void **state)
{
    struct fixture *fx = *state;
    struct census c;

    /* gpa 2 MiB-aligned, hpa only 4 KiB-aligned: no 2 MiB page can be used. */
    assert_int_equal(ept_map(&fx->e, 0, HPA_BASE + KiB(4), MiB(4), EPT_RWX), 0);
    c = census(&fx->e);
    assert_int_equal(c.leaves_2m, 0);
    assert_int_equal(c.leaves_4k, 1024);
    assert_int_equal(c.tables, 5);                      /* PML4, PDPT, PD, 2 PTs */
    expect_map(&fx->e, 0, HPA_BASE + KiB(4), EPT_RWX, EPT_PAGE_4K);
    expect_map(&fx->e, MiB(4) - 1, HPA_BASE + KiB(4) + MiB(4) - 1, EPT_RWX, EPT_PAGE_4K);
}

static void test_map_across_1g(void **state)
{
    struct fixture *fx = *state;
    struct census c;

    /* [1 GiB - 2 MiB, 1 GiB + 2 MiB): two PDs; and far away, a second PDPT. */
    assert_int_equal(ept_map(&fx->e, GiB(1) - MiB(2), HPA_BASE, MiB(4), EPT_RWX), 0);
    assert_int_equal(ept_map(&fx->e, GiB(512) + GiB(3), HPA_BASE, KiB(4), EPT_READ), 0);
    c = census(&fx->e);
    assert_int_equal(c.leaves_2m, 2);
    assert_int_equal(c.leaves_4k, 1);
    assert_int_equal(c.tables, 1 + 2 + 3 + 1);          /* PML4, 2 PDPTs, 3 PDs, 1 PT */
    expect_map(&fx->e, GiB(1) - 1, HPA_BASE + MiB(2) - 1, EPT_RWX, EPT_PAGE_2M);
    expect_map(&fx->e, GiB(1), HPA_BASE + MiB(2), EPT_RWX, EPT_PAGE_2M);
    expect_map(&fx->e, GiB(515) + 0x10, HPA_BASE + 0x10, EPT_READ, EPT_PAGE_4K);
    expect_unmapped(&fx->e, GiB(515) + KiB(4));
}

static void test_translate_holes(void **state)
{
    struct fixture *fx = *state;
    hpa_t hpa;

    assert_int_equal(ept_map(&fx->e, 0, HPA_BASE, MiB(2), EPT_RWX), 0);
    assert_int_equal(ept_map(&fx->e, MiB(4), HPA_BASE + MiB(8), MiB(2), EPT_READ), 0);
    assert_int_equal(ept_map(&fx->e, MiB(7), HPA_BASE + MiB(16), KiB(8), EPT_EXEC), 0);

    expect_map(&fx->e, MiB(2) - 1, HPA_BASE + MiB(2) - 1, EPT_RWX, EPT_PAGE_2M);
    expect_unmapped(&fx->e, MiB(2));
    expect_unmapped(&fx->e, MiB(4) - KiB(4));
    expect_map(&fx->e, MiB(5), HPA_BASE + MiB(9), EPT_READ, EPT_PAGE_2M);
    expect_unmapped(&fx->e, MiB(6));
    expect_unmapped(&fx->e, MiB(7) - KiB(4));
    expect_map(&fx->e, MiB(7) + KiB(4) + 8, HPA_BASE + MiB(16) + KiB(4) + 8, EPT_EXEC,
               EPT_PAGE_4K);
    expect_unmapped(&fx->e, MiB(7) + KiB(8));

    /* All out pointers are optional. */
    assert_int_equal(ept_translate(&fx->e, 0, NULL, NULL, NULL), 0);
    assert_int_equal(ept_translate(&fx->e, MiB(2), &hpa, NULL, NULL), -HV_ENOENT);
}

static void test_unmap_splits_large(void **state)
{
    struct fixture *fx = *state;
    struct census c;

    assert_int_equal(ept_map(&fx->e, 0, HPA_BASE, MiB(4), EPT_RWX), 0);
    assert_int_equal(fx->e.tables, 3);

    assert_int_equal(ept_unmap(&fx->e, MiB(1), KiB(4)), 0);
    c = census(&fx->e);
    assert_int_equal(c.tables, 4);                      /* the first 2 MiB leaf became a PT */
    assert_int_equal(c.leaves_4k, 511);
    assert_int_equal(c.leaves_2m, 1);
    expect_unmapped(&fx->e, MiB(1));
    expect_map(&fx->e, 0, HPA_BASE, EPT_RWX, EPT_PAGE_4K);
    expect_map(&fx->e, MiB(1) - KiB(4), HPA_BASE + MiB(1) - KiB(4), EPT_RWX, EPT_PAGE_4K);
    expect_map(&fx->e, MiB(1) + KiB(4), HPA_BASE + MiB(1) + KiB(4), EPT_RWX, EPT_PAGE_4K);
    expect_map(&fx->e, MiB(2) - KiB(4), HPA_BASE + MiB(2) - KiB(4), EPT_RWX, EPT_PAGE_4K);
    expect_map(&fx->e, MiB(2), HPA_BASE + MiB(2), EPT_RWX, EPT_PAGE_2M);    /* neighbour kept */

    /* Unmapping a whole 2 MiB leaf needs no split; holes are fine. */
    assert_int_equal(ept_unmap(&fx->e, MiB(2), MiB(64)), 0);
    c = census(&fx->e);
    assert_int_equal(c.tables, 4);
    assert_int_equal(c.leaves_2m, 0);
    expect_unmapped(&fx->e, MiB(2));

    /* Unmapping everything keeps the (now empty) tables. */
    assert_int_equal(ept_unmap(&fx->e, 0, GiB(1)), 0);
    c = census(&fx->e);
    assert_int_equal(c.leaves_4k + c.leaves_2m + c.leaves_1g, 0);
    assert_int_equal(c.tables, 4);
    expect_unmapped(&fx->e, 0);

    /* Unmapping where nothing was ever mapped is fine too. */
    assert_int_equal(ept_unmap(&fx->e, GiB(100), GiB(2)), 0);
    assert_int_equal(fx->e.tables, 4);
}

static void test_map_inside_large(void **state)
{
    struct fixture *fx = *state;
    struct census c;

    assert_int_equal(ept_map(&fx->e, 0, HPA_BASE, MiB(4), EPT_RWX), 0);

    /* The same translation for one page: nothing changes, no split. */
    assert_int_equal(ept_map(&fx->e, KiB(20), HPA_BASE + KiB(20), KiB(4), EPT_RWX), 0);
    assert_int_equal(fx->e.tables, 3);
    expect_map(&fx->e, KiB(20), HPA_BASE + KiB(20), EPT_RWX, EPT_PAGE_2M);

    /* Other permissions for one page: the 2 MiB leaf is split. */
    assert_int_equal(ept_map(&fx->e, KiB(20), HPA_BASE + KiB(20), KiB(4), EPT_READ), 0);
    assert_int_equal(fx->e.tables, 4);
    expect_map(&fx->e, KiB(20), HPA_BASE + KiB(20), EPT_READ, EPT_PAGE_4K);
    expect_map(&fx->e, KiB(24), HPA_BASE + KiB(24), EPT_RWX, EPT_PAGE_4K);
    expect_map(&fx->e, KiB(16), HPA_BASE + KiB(16), EPT_RWX, EPT_PAGE_4K);
    expect_map(&fx->e, MiB(2), HPA_BASE + MiB(2), EPT_RWX, EPT_PAGE_2M);

    /* Another host page inside the other 2 MiB leaf: split too. */
    assert_int_equal(ept_map(&fx->e, MiB(3), 0x7000000, KiB(4), EPT_RWX), 0);
    assert_int_equal(fx->e.tables, 5);
    expect_map(&fx->e, MiB(3), 0x7000000, EPT_RWX, EPT_PAGE_4K);
    expect_map(&fx->e, MiB(3) + KiB(4), HPA_BASE + MiB(3) + KiB(4), EPT_RWX, EPT_PAGE_4K);

    /* Mapping a whole 2 MiB block over a PT fills the PT (no new tables,
     * no table thrown away). */
    assert_int_equal(ept_map(&fx->e, 0, GiB(2), MiB(2), EPT_READ | EPT_WRITE), 0);
    c = census(&fx->e);
    assert_int_equal(c.tables, 5);
    assert_int_equal(c.leaves_4k, 1024);
    expect_map(&fx->e, KiB(20), GiB(2) + KiB(20), EPT_READ | EPT_WRITE, EPT_PAGE_4K);
    expect_map(&fx->e, 0, GiB(2), EPT_READ | EPT_WRITE, EPT_PAGE_4K);
}

/* A 1 GiB leaf (which ept_map never makes) is walked and split correctly. */
static void test_1g_leaf(void **state)
{
    struct fixture *fx = *state;
    uint64_t *pdpt;
    struct census c;

    assert_int_equal(ept_map(&fx->e, 0, HPA_BASE, KiB(4), EPT_RWX), 0);     /* makes the PDPT */
    assert_int_equal(fx->e.tables, 4);
    pdpt = (uint64_t *)(uintptr_t)(fx->e.pml4[0] & EPT_ADDR_MASK);
    pdpt[1] = GiB(2) | EPT_RWX | (EPT_MT_WB << EPT_MT_SHIFT) | EPT_LARGE;
    c = census(&fx->e);
    assert_int_equal(c.leaves_1g, 1);
    expect_map(&fx->e, GiB(1) + 0x12345, GiB(2) + 0x12345, EPT_RWX, EPT_PAGE_1G);
    expect_map(&fx->e, GiB(2) - 1, GiB(3) - 1, EPT_RWX, EPT_PAGE_1G);

    /* Same translation: no split. */
    assert_int_equal(ept_map(&fx->e, GiB(1) + MiB(2), GiB(2) + MiB(2), KiB(4), EPT_RWX), 0);
    assert_int_equal(fx->e.tables, 4);

    /* Unmap one 4 KiB page in the middle: 1 GiB -> 2 MiB leaves -> 4 KiB leaves. */
    assert_int_equal(ept_unmap(&fx->e, GiB(1) + MiB(2), KiB(4)), 0);
    c = census(&fx->e);
    assert_int_equal(c.tables, 6);
    assert_int_equal(c.leaves_1g, 0);
    assert_int_equal(c.leaves_2m, 511);
    assert_int_equal(c.leaves_4k, 1 + 511);
    expect_map(&fx->e, GiB(1), GiB(2), EPT_RWX, EPT_PAGE_2M);
    expect_unmapped(&fx->e, GiB(1) + MiB(2));
    expect_map(&fx->e, GiB(1) + MiB(2) + KiB(4), GiB(2) + MiB(2) + KiB(4), EPT_RWX, EPT_PAGE_4K);
    expect_map(&fx->e, GiB(1) + MiB(4), GiB(2) + MiB(4), EPT_RWX, EPT_PAGE_2M);
    expect_map(&fx->e, GiB(2) - 1, GiB(3) - 1, EPT_RWX, EPT_PAGE_2M);
}

static void test_oom_map(void **state)
{
    struct fixture *fx = *state;
    struct census before, after;

    assert_int_equal(ept_map(&fx->e, 0, HPA_BASE, MiB(4), EPT_RWX), 0);
    before = census(&fx->e);

    /* Changing one page inside a 2 MiB leaf needs a PT: refused, no change. */
    fx->fa.budget = 0;
    assert_int_equal(ept_map(&fx->e, MiB(1), GiB(2), KiB(8), EPT_READ), -HV_ENOMEM);
    expect_map(&fx->e, MiB(1), HPA_BASE + MiB(1), EPT_RWX, EPT_PAGE_2M);
    after = census(&fx->e);
    assert_memory_equal(&before, &after, sizeof(before));

    /* A range that needs 2 PDs, a PDPT and PTs with only 2 pages left: the
     * tables that could be allocated are in place, but nothing is mapped. */
    fx->fa.budget = 2;
    assert_int_equal(ept_map(&fx->e, GiB(1) - MiB(1), HPA_BASE + KiB(4), MiB(2), EPT_RWX),
                     -HV_ENOMEM);
    after = census(&fx->e);
    assert_int_equal(after.leaves_4k, before.leaves_4k);
    assert_int_equal(after.leaves_2m, before.leaves_2m);
    assert_int_equal(after.tables, before.tables + 2);
    expect_unmapped(&fx->e, GiB(1) - MiB(1));
    expect_unmapped(&fx->e, GiB(1));
    expect_map(&fx->e, MiB(3), HPA_BASE + MiB(3), EPT_RWX, EPT_PAGE_2M);

    /* With memory again the same call works and reuses those tables. */
    fx->fa.budget = -1;
    assert_int_equal(ept_map(&fx->e, GiB(1) - MiB(1), HPA_BASE + KiB(4), MiB(2), EPT_RWX), 0);
    after = census(&fx->e);
    assert_int_equal(after.tables, before.tables + 3);  /* a PD and two PTs */
    assert_int_equal(after.leaves_4k, 512);
    expect_map(&fx->e, GiB(1) - MiB(1), HPA_BASE + KiB(4), EPT_RWX, EPT_PAGE_4K);
    expect_map(&fx->e, GiB(1) + MiB(1) - 1, HPA_BASE + KiB(4) + MiB(2) - 1, EPT_RWX, EPT_PAGE_4K);
}

/* ept_tables_bound is an upper bound of the tables a range takes, in one
 * call or chunk by chunk, and is exact for RAM from 0 in 2 MiB chunks. */
static void test_tables_bound(void **state)
{
    struct fixture *fx = *state;
    unsigned before = fx->e.tables;

    assert_int_equal(ept_tables_bound(0, MiB(64)), 2);               /* PDPT, PD */
    assert_int_equal(ept_tables_bound(0, GiB(3)), 4);                /* PDPT, 3 PDs */
    assert_int_equal(ept_tables_bound(0, GiB(1) + MiB(1)), 4);       /* + PD, PT */
    assert_int_equal(ept_tables_bound(KiB(4), MiB(2)), 4);           /* PTs at both ends */
    for (uint64_t gpa = 0; gpa < GiB(1) + MiB(1); gpa += MiB(2))
        assert_int_equal(ept_map(&fx->e, gpa, HPA_BASE + gpa,
                                 MIN(MiB(2), GiB(1) + MiB(1) - gpa), EPT_RWX), 0);
    assert_int_equal(fx->e.tables - before, ept_tables_bound(0, GiB(1) + MiB(1)));
}

static void test_oom_unmap(void **state)
{
    struct fixture *fx = *state;

    assert_int_equal(ept_map(&fx->e, 0, HPA_BASE, MiB(2), EPT_RWX), 0);
    fx->fa.budget = 0;
    assert_int_equal(ept_unmap(&fx->e, MiB(1), KiB(4)), -HV_ENOMEM);
    expect_map(&fx->e, MiB(1), HPA_BASE + MiB(1), EPT_RWX, EPT_PAGE_2M);
    /* A whole leaf needs no memory to go. */
    assert_int_equal(ept_unmap(&fx->e, 0, MiB(2)), 0);
    expect_unmapped(&fx->e, MiB(1));
}

static void test_bad_args(void **state)
{
    struct fixture *fx = *state;
    struct ept zero = { 0 };

    assert_int_equal(ept_map(&fx->e, 0x800, HPA_BASE, KiB(4), EPT_RWX), -HV_EINVAL);
    assert_int_equal(ept_map(&fx->e, 0, HPA_BASE + 0x800, KiB(4), EPT_RWX), -HV_EINVAL);
    assert_int_equal(ept_map(&fx->e, 0, HPA_BASE, KiB(4) + 1, EPT_RWX), -HV_EINVAL);
    assert_int_equal(ept_map(&fx->e, 0, HPA_BASE, 0, EPT_RWX), -HV_EINVAL);
    assert_int_equal(ept_map(&fx->e, 0, HPA_BASE, KiB(4), 0), -HV_EINVAL);
    assert_int_equal(ept_map(&fx->e, 0, HPA_BASE, KiB(4), EPT_WRITE), -HV_EINVAL);
    assert_int_equal(ept_map(&fx->e, 0, HPA_BASE, KiB(4), EPT_WRITE | EPT_EXEC), -HV_EINVAL);
    assert_int_equal(ept_map(&fx->e, 0, HPA_BASE, KiB(4), EPT_RWX | 8), -HV_EINVAL);
    assert_int_equal(ept_map(&fx->e, EPT_MAX_GPA, HPA_BASE, KiB(4), EPT_RWX), -HV_EINVAL);
    assert_int_equal(ept_map(&fx->e, EPT_MAX_GPA - KiB(4), HPA_BASE, KiB(8), EPT_RWX), -HV_EINVAL);
    assert_int_equal(ept_map(&fx->e, 0, EPT_MAX_HPA - KiB(4), KiB(8), EPT_RWX), -HV_EINVAL);
    assert_int_equal(ept_map(&fx->e, KiB(4), HPA_BASE, ~0ULL & ~0xFFFULL, EPT_RWX), -HV_EINVAL);
    assert_int_equal(ept_map(&zero, 0, HPA_BASE, KiB(4), EPT_RWX), -HV_EINVAL);
    assert_int_equal(ept_unmap(&fx->e, 0x800, KiB(4)), -HV_EINVAL);
    assert_int_equal(ept_unmap(&fx->e, 0, 0), -HV_EINVAL);
    assert_int_equal(ept_unmap(&fx->e, EPT_MAX_GPA - KiB(4), KiB(8)), -HV_EINVAL);
    assert_int_equal(ept_translate(&zero, 0, NULL, NULL, NULL), -HV_ENOENT);
    assert_int_equal(fx->e.tables, 1);                  /* nothing was built */

    /* The edges that are allowed. */
    assert_int_equal(ept_map(&fx->e, EPT_MAX_GPA - KiB(4), EPT_MAX_HPA - KiB(4), KiB(4), EPT_EXEC), 0);
    expect_map(&fx->e, EPT_MAX_GPA - 1, EPT_MAX_HPA - 1, EPT_EXEC, EPT_PAGE_4K);
    assert_int_equal(ept_map(&fx->e, 0, 0, KiB(4), EPT_READ), 0);
    expect_map(&fx->e, 0, 0, EPT_READ, EPT_PAGE_4K);
    assert_int_equal(ept_map(&fx->e, KiB(4), 0, KiB(4), EPT_READ | EPT_EXEC), 0);
    expect_map(&fx->e, KiB(4), 0, EPT_READ | EPT_EXEC, EPT_PAGE_4K);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_eptp, setup, teardown),
        cmocka_unit_test(test_init_oom),
        cmocka_unit_test_setup_teardown(test_map_64m_large, setup, teardown),
        cmocka_unit_test_setup_teardown(test_map_unaligned_tail, setup, teardown),
        cmocka_unit_test_setup_teardown(test_map_unaligned_head, setup, teardown),
        cmocka_unit_test_setup_teardown(test_map_misaligned_hpa, setup, teardown),
        cmocka_unit_test_setup_teardown(test_map_across_1g, setup, teardown),
        cmocka_unit_test_setup_teardown(test_translate_holes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unmap_splits_large, setup, teardown),
        cmocka_unit_test_setup_teardown(test_map_inside_large, setup, teardown),
        cmocka_unit_test_setup_teardown(test_1g_leaf, setup, teardown),
        cmocka_unit_test_setup_teardown(test_oom_map, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tables_bound, setup, teardown),
        cmocka_unit_test_setup_teardown(test_oom_unmap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_args, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
