/*
 * Host tests for mm/pmm.c, the bitmap frame allocator. Bitmaps are heap
 * blocks of exactly the documented size (nframes bits rounded up to 64-bit
 * words) so AddressSanitizer catches any access past them. A naive model
 * (one bool per frame, linear first-fit search) checks allocation results.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "mm/pmm.h"
#include <hv/errno.h>

#define FR(n) ((uint64_t)(n) * PAGE_SIZE)

struct env {
    struct pmm p;
    uint64_t *bm;
    uint64_t nwords;
};

static void env_init(struct env *e, uint64_t nframes)
{
    e->nwords = (nframes + 63) / 64;
    e->bm = malloc(e->nwords ? e->nwords * 8 : 8);
    assert_non_null(e->bm);
    memset(e->bm, 0x00, e->nwords * 8);     /* pmm_init must set every bit itself */
    pmm_init(&e->p, e->bm, nframes);
}

static void env_fini(struct env *e)
{
    free(e->bm);
}

static uint64_t count_free(const struct pmm *p)
{
    uint64_t n = 0;
    for (uint64_t f = 0; f < p->nframes; f++)
        n += pmm_is_free(p, FR(f));
    return n;
}

/* ---- init -------------------------------------------------------------------- */

static const uint64_t init_sizes[] = { 1, 63, 64, 65, 100, 128, 4096, 4097 };

static void test_init_all_used(void **state)
{
    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(init_sizes); i++) {
        struct env e;
        uint64_t n = init_sizes[i];
        env_init(&e, n);
        if (e.p.nframes != n || e.p.free_frames != 0 || e.p.total_free != 0 || e.p.bitmap != e.bm)
            fail_msg("init case %zu (%llu frames): fields wrong", i, (unsigned long long)n);
        for (uint64_t w = 0; w < e.nwords; w++)
            if (e.bm[w] != ~0ULL)
                fail_msg("init case %zu: bitmap word %llu = 0x%llx", i, (unsigned long long)w,
                         (unsigned long long)e.bm[w]);
        if (count_free(&e.p) != 0)
            fail_msg("init case %zu: a frame is free after init", i);
        if (pmm_alloc(&e.p, 1, PAGE_SIZE) != 0)
            fail_msg("init case %zu: alloc succeeded with nothing free", i);
        env_fini(&e);
    }
}

/* ---- add_free ------------------------------------------------------------------ */

static const struct {
    uint64_t nframes, start, end;
    uint64_t first, last;      /* frames [first, last) must be the free ones */
} add_cases[] = {
    { 100, FR(1), FR(3), 1, 3 },
    { 100, FR(1) + 1, FR(4) - 1, 2, 3 },          /* only whole frames inside */
    { 100, FR(1) + 1, FR(3) - 1, 0, 0 },          /* no whole frame */
    { 100, FR(1) + 0x800, FR(2) + 0x800, 0, 0 },
    { 100, 0, FR(4), 1, 4 },                      /* frame 0 stays used */
    { 100, 0x500, FR(1) + 0x500, 0, 0 },
    { 100, 0, FR(1), 0, 0 },
    { 100, FR(5), FR(5), 0, 0 },                  /* empty */
    { 100, FR(6), FR(5), 0, 0 },                  /* end before start */
    { 100, FR(96), FR(200), 96, 100 },            /* clipped at nframes */
    { 100, FR(100), FR(200), 0, 0 },              /* entirely beyond */
    { 100, FR(300), FR(200), 0, 0 },
    { 100, 0, FR(100), 1, 100 },
    { 100, 0, UINT64_MAX, 1, 100 },
    { 130, FR(60), FR(70), 60, 70 },              /* across a word boundary */
    { 130, FR(64), FR(128), 64, 128 },            /* exactly one word */
    { 130, FR(127), FR(130), 127, 130 },          /* into the partial last word */
};

static void test_add_free_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(add_cases); i++) {
        struct env e;
        env_init(&e, add_cases[i].nframes);
        pmm_add_free(&e.p, add_cases[i].start, add_cases[i].end);
        uint64_t want = add_cases[i].last - add_cases[i].first;
        if (e.p.free_frames != want)
            fail_msg("add case %zu: free_frames %llu, want %llu", i,
                     (unsigned long long)e.p.free_frames, (unsigned long long)want);
        for (uint64_t f = 0; f < add_cases[i].nframes; f++) {
            bool wf = f >= add_cases[i].first && f < add_cases[i].last;
            if (pmm_is_free(&e.p, FR(f)) != wf)
                fail_msg("add case %zu: frame %llu free=%d, want %d", i, (unsigned long long)f,
                         !wf, wf);
        }
        /* bits past nframes stay set */
        uint64_t n = add_cases[i].nframes;
        if (n % 64 && (e.bm[n / 64] >> (n % 64)) != (~0ULL >> (n % 64)))
            fail_msg("add case %zu: bits past nframes were cleared", i);
        /* freeing again does not count twice */
        pmm_add_free(&e.p, add_cases[i].start, add_cases[i].end);
        if (e.p.free_frames != want)
            fail_msg("add case %zu: second add changed free_frames to %llu", i,
                     (unsigned long long)e.p.free_frames);
        env_fini(&e);
    }
}

/* ---- reserve -------------------------------------------------------------------- */

static const struct {
    uint64_t start, end;
    uint64_t first, last;      /* frames newly used (of the free 1..63) */
} res_cases[] = {
    { FR(1), FR(3), 1, 3 },
    { FR(2) - 1, FR(3) + 1, 1, 4 },               /* every frame touched */
    { FR(10) + 5, FR(10) + 6, 10, 11 },           /* a single byte */
    { FR(5), FR(5), 0, 0 },                       /* empty */
    { FR(6), FR(5), 0, 0 },                       /* end before start */
    { 0, FR(1), 0, 0 },                           /* frame 0 was never free */
    { 0, FR(2), 1, 2 },
    { FR(60), FR(1000), 60, 64 },                 /* clipped at nframes */
    { FR(62), UINT64_MAX, 62, 64 },               /* end rounds up past 2^64 */
    { FR(100), FR(200), 0, 0 },                   /* entirely beyond */
    { FR(1), FR(64), 1, 64 },
};

static void test_reserve_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(res_cases); i++) {
        struct env e;
        env_init(&e, 64);
        pmm_add_free(&e.p, 0, FR(64));
        assert_int_equal(e.p.free_frames, 63);
        pmm_reserve(&e.p, res_cases[i].start, res_cases[i].end);
        uint64_t used = res_cases[i].last - res_cases[i].first;
        if (e.p.free_frames != 63 - used)
            fail_msg("reserve case %zu: free_frames %llu, want %llu", i,
                     (unsigned long long)e.p.free_frames, (unsigned long long)(63 - used));
        for (uint64_t f = 1; f < 64; f++) {
            bool wf = !(f >= res_cases[i].first && f < res_cases[i].last);
            if (pmm_is_free(&e.p, FR(f)) != wf)
                fail_msg("reserve case %zu: frame %llu free=%d, want %d", i,
                         (unsigned long long)f, !wf, wf);
        }
        /* reserving again (overlapping what is already used) changes nothing */
        pmm_reserve(&e.p, res_cases[i].start, res_cases[i].end);
        if (e.p.free_frames != 63 - used || count_free(&e.p) != 63 - used)
            fail_msg("reserve case %zu: second reserve changed the count", i);
        env_fini(&e);
    }
}

static void test_reserve_overlapping_ranges(void **state)
{
    (void)state;
    struct env e;
    env_init(&e, 256);
    pmm_add_free(&e.p, 0, FR(256));
    pmm_reserve(&e.p, FR(10), FR(20));
    pmm_reserve(&e.p, FR(15), FR(30));      /* overlaps the first */
    pmm_reserve(&e.p, FR(5), FR(12));       /* overlaps from below */
    pmm_reserve(&e.p, FR(100) + 1, FR(100) + 2);
    assert_int_equal(e.p.free_frames, 255 - 25 - 1);
    assert_int_equal(count_free(&e.p), e.p.free_frames);
    for (uint64_t f = 5; f < 30; f++)
        assert_false(pmm_is_free(&e.p, FR(f)));
    assert_true(pmm_is_free(&e.p, FR(4)));
    assert_true(pmm_is_free(&e.p, FR(30)));
    assert_false(pmm_is_free(&e.p, FR(100)));
    /* the first free run of 10 is now 30..39 */
    assert_int_equal(pmm_alloc(&e.p, 10, PAGE_SIZE), FR(30));
    env_fini(&e);
}

/* ---- alloc ---------------------------------------------------------------------- */

static void test_frame_zero_never(void **state)
{
    (void)state;
    struct env e;
    env_init(&e, 4);
    pmm_add_free(&e.p, 0, FR(2));
    assert_int_equal(e.p.free_frames, 1);
    assert_false(pmm_is_free(&e.p, 0));
    assert_int_equal(pmm_alloc(&e.p, 1, PAGE_SIZE), FR(1));
    assert_int_equal(pmm_alloc(&e.p, 1, PAGE_SIZE), 0);
    assert_int_equal(pmm_free(&e.p, 0, 1), -HV_EINVAL);
    assert_int_equal(e.p.free_frames, 0);
    env_fini(&e);
}

static void test_alloc_single_sequence(void **state)
{
    (void)state;
    struct env e;
    env_init(&e, 300);
    pmm_add_free(&e.p, 0, FR(300));
    for (uint64_t f = 1; f < 300; f++) {
        hpa_t pa = pmm_alloc(&e.p, 1, PAGE_SIZE);
        if (pa != FR(f))
            fail_msg("single alloc %llu: 0x%llx, want 0x%llx", (unsigned long long)f,
                     (unsigned long long)pa, (unsigned long long)FR(f));
        if (pmm_is_free(&e.p, pa) || e.p.free_frames != 299 - f)
            fail_msg("single alloc %llu: not accounted", (unsigned long long)f);
    }
    assert_int_equal(pmm_alloc(&e.p, 1, PAGE_SIZE), 0);
    /* a frame freed in the middle is the next one handed out */
    assert_int_equal(pmm_free(&e.p, FR(150), 1), 0);
    assert_int_equal(pmm_alloc(&e.p, 1, PAGE_SIZE), FR(150));
    env_fini(&e);
}

/* Runs with 4 KiB alignment: first fit over a fragmented map. */
static const struct {
    uint64_t npages, align;
    hpa_t want;
} run_cases[] = {
    /* free: 1-10, 20-40, 64-200, 300-1023 (set up below) */
    { 5, PAGE_SIZE, FR(1) },          /* 1-5 */
    { 10, PAGE_SIZE, FR(20) },        /* 6-10 is only 5 long */
    { 5, PAGE_SIZE, FR(6) },          /* 6-10 */
    { 11, PAGE_SIZE, FR(30) },        /* 30-40 */
    { 1, PAGE_SIZE, FR(64) },
    { 100, PAGE_SIZE, FR(65) },       /* 65-164 */
    { 36, PAGE_SIZE, FR(165) },       /* 165-200 exactly */
    { 1, PAGE_SIZE, FR(300) },
    { 8, 8 * PAGE_SIZE, FR(304) },    /* 32 KiB aligned */
    { 1, 64 * PAGE_SIZE, FR(320) },   /* 256 KiB aligned */
    { 704, PAGE_SIZE, 0 },            /* 321-1023 is only 703 long */
    { 690, PAGE_SIZE, FR(321) },      /* 321-1010 */
    { 14, PAGE_SIZE, 0 },             /* 1011-1023 is 13 */
    { 13, PAGE_SIZE, FR(1011) },
    { 1, PAGE_SIZE, FR(301) },
};

static void test_alloc_runs_first_fit(void **state)
{
    (void)state;
    struct env e;
    env_init(&e, 1024);
    pmm_add_free(&e.p, FR(1), FR(11));
    pmm_add_free(&e.p, FR(20), FR(41));
    pmm_add_free(&e.p, FR(64), FR(201));
    pmm_add_free(&e.p, FR(300), FR(1024));
    uint64_t free_now = e.p.free_frames;
    assert_int_equal(free_now, 10 + 21 + 137 + 724);
    for (size_t i = 0; i < ARRAY_SIZE(run_cases); i++) {
        hpa_t pa = pmm_alloc(&e.p, run_cases[i].npages, run_cases[i].align);
        if (pa != run_cases[i].want)
            fail_msg("run case %zu (%llu pages, align 0x%llx): 0x%llx, want 0x%llx", i,
                     (unsigned long long)run_cases[i].npages,
                     (unsigned long long)run_cases[i].align, (unsigned long long)pa,
                     (unsigned long long)run_cases[i].want);
        if (pa) {
            free_now -= run_cases[i].npages;
            for (uint64_t k = 0; k < run_cases[i].npages; k++)
                if (pmm_is_free(&e.p, pa + FR(k)))
                    fail_msg("run case %zu: frame %llu of the run still free", i,
                             (unsigned long long)k);
        }
        if (e.p.free_frames != free_now || count_free(&e.p) != free_now)
            fail_msg("run case %zu: free_frames %llu, want %llu", i,
                     (unsigned long long)e.p.free_frames, (unsigned long long)free_now);
    }
    env_fini(&e);
}

static void test_alloc_2m(void **state)
{
    (void)state;
    struct env e;
    env_init(&e, 4096);                       /* 16 MiB */
    pmm_add_free(&e.p, 0, MiB(16));
    hpa_t pa[8];
    for (int i = 0; i < 7; i++) {
        pa[i] = pmm_alloc(&e.p, 512, LARGE_PAGE_SIZE);
        /* 0-2M holds frame 0, which is never free */
        if (pa[i] != MiB(2) * (i + 1))
            fail_msg("2M alloc %d: 0x%llx, want 0x%llx", i, (unsigned long long)pa[i],
                     (unsigned long long)(MiB(2) * (i + 1)));
    }
    assert_int_equal(pmm_alloc(&e.p, 512, LARGE_PAGE_SIZE), 0);
    assert_int_equal(e.p.free_frames, 511);
    /* 511 frames are still free below 2M: a 4K-aligned run of 511 fits there */
    assert_int_equal(pmm_alloc(&e.p, 511, PAGE_SIZE), FR(1));
    assert_int_equal(e.p.free_frames, 0);
    /* free + re-alloc returns the same block */
    assert_int_equal(pmm_free(&e.p, pa[3], 512), 0);
    assert_int_equal(e.p.free_frames, 512);
    assert_true(pmm_is_free(&e.p, pa[3]));
    assert_true(pmm_is_free(&e.p, pa[3] + MiB(2) - PAGE_SIZE));
    assert_int_equal(pmm_alloc(&e.p, 512, LARGE_PAGE_SIZE), pa[3]);
    /* 4 MiB runs with 4 MiB alignment */
    assert_int_equal(pmm_free(&e.p, pa[1], 512), 0);
    assert_int_equal(pmm_free(&e.p, pa[2], 512), 0);    /* 4M-8M free */
    assert_int_equal(pmm_alloc(&e.p, 1024, MiB(4)), MiB(4));
    env_fini(&e);
}

/* Free frames everywhere, but one used frame in every 2 MiB block (at frame
 * 100 of even blocks, 300 of odd ones): no 2M-aligned run of 512 exists,
 * though 4K-aligned runs of 512 do. */
static void test_alloc_fragmented(void **state)
{
    (void)state;
    struct env e;
    env_init(&e, 8 * 512);
    pmm_add_free(&e.p, 0, MiB(16));
    for (uint64_t b = 0; b < 8; b++) {
        uint64_t at = MiB(2) * b + FR(b % 2 ? 300 : 100);
        pmm_reserve(&e.p, at, at + 1);
    }
    uint64_t want_free = 4096 - 1 - 8;
    assert_int_equal(e.p.free_frames, want_free);

    static const struct { uint64_t npages, align; hpa_t want; } steps[] = {
        { 512, MiB(2), 0 },
        { 512, MiB(4), 0 },
        { 511, MiB(2), 0 },
        { 512, PAGE_SIZE, FR(101) },        /* 101..612: into block 1 */
        { 1, MiB(2), MiB(4) },              /* block 1's start is used now */
        { 99, MiB(2), MiB(6) },             /* block 3: free up to its frame 300 */
        { 301, MiB(2), 0 },
        { 300, MiB(2), MiB(10) },           /* block 5 exactly up to its frame 300 */
        { 100, MiB(2), MiB(8) },            /* block 4 exactly up to its frame 100 */
        { 2, MiB(2), MiB(12) },
        { 100, MiB(4), 0 },                 /* every 4M-aligned start is used */
        { 200, MiB(2), MiB(14) },
        { 1, MiB(2), 0 },
        { 412, PAGE_SIZE, 0 },              /* the longest free run left is 411 */
        { 411, PAGE_SIZE, FR(1125) },       /* 1125..1535: block 2's reserved frame to block 3 */
        { 211, PAGE_SIZE, FR(813) },        /* 813..1023: block 1's reserved frame to block 2 */
        { 200, PAGE_SIZE, FR(1635) },       /* 613..811 is only 199 long; 1635..1835 */
        { 199, PAGE_SIZE, FR(613) },
        { 1, PAGE_SIZE, FR(1) },
    };
    for (size_t i = 0; i < ARRAY_SIZE(steps); i++) {
        hpa_t pa = pmm_alloc(&e.p, steps[i].npages, steps[i].align);
        if (pa != steps[i].want)
            fail_msg("fragmented case %zu (%llu pages, align 0x%llx): 0x%llx, want 0x%llx", i,
                     (unsigned long long)steps[i].npages, (unsigned long long)steps[i].align,
                     (unsigned long long)pa, (unsigned long long)steps[i].want);
        if (pa)
            want_free -= steps[i].npages;
        if (e.p.free_frames != want_free)
            fail_msg("fragmented case %zu: free_frames %llu, want %llu", i,
                     (unsigned long long)e.p.free_frames, (unsigned long long)want_free);
    }
    env_fini(&e);
}

static const struct {
    uint64_t npages, align;
} bad_alloc_cases[] = {
    { 0, PAGE_SIZE },
    { 1, 0 },
    { 1, 1 },
    { 1, 2048 },
    { 1, 3 * PAGE_SIZE },
    { 1, PAGE_SIZE + 1 },
    { 1, 6 * PAGE_SIZE },
    { 64, PAGE_SIZE },          /* more than free_frames (63) */
    { 1, GiB(1) },              /* no aligned candidate inside 64 frames */
    { 64, 64 * PAGE_SIZE },
};

static void test_alloc_bad_args(void **state)
{
    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(bad_alloc_cases); i++) {
        struct env e;
        env_init(&e, 64);
        pmm_add_free(&e.p, 0, FR(64));
        hpa_t pa = pmm_alloc(&e.p, bad_alloc_cases[i].npages, bad_alloc_cases[i].align);
        if (pa != 0 || e.p.free_frames != 63)
            fail_msg("bad alloc case %zu: 0x%llx, free %llu", i, (unsigned long long)pa,
                     (unsigned long long)e.p.free_frames);
        env_fini(&e);
    }
}

/* ---- free ------------------------------------------------------------------------ */

static void test_free_errors(void **state)
{
    (void)state;
    struct env e;
    env_init(&e, 128);
    pmm_add_free(&e.p, 0, FR(128));
    hpa_t a = pmm_alloc(&e.p, 10, PAGE_SIZE);
    assert_int_equal(a, FR(1));
    assert_int_equal(e.p.free_frames, 117);

    static const struct { hpa_t pa; uint64_t n; int rc; } cases[] = {
        { FR(11), 1, -HV_EINVAL },        /* never allocated: a double free */
        { FR(5), 10, -HV_EINVAL },        /* runs into free frames: nothing changes */
        { FR(1) + 1, 1, -HV_EINVAL },     /* unaligned */
        { FR(1) + 0x800, 1, -HV_EINVAL },
        { 0, 1, -HV_EINVAL },             /* frame 0 */
        { FR(128), 1, -HV_EINVAL },       /* beyond nframes */
        { FR(127), 2, -HV_EINVAL },
        { FR(1), 0, 0 },                  /* nothing to free */
        { FR(3), 2, 0 },                  /* part of the run */
        { FR(3), 2, -HV_EINVAL },         /* double free */
        { FR(1), 10, -HV_EINVAL },        /* includes the already freed 3-4 */
        { FR(1), 2, 0 },
        { FR(5), 6, 0 },
        { FR(5), 1, -HV_EINVAL },
    };
    uint64_t free_now = 117;
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        int rc = pmm_free(&e.p, cases[i].pa, cases[i].n);
        if (rc != cases[i].rc)
            fail_msg("free case %zu (0x%llx, %llu): rc %d, want %d", i,
                     (unsigned long long)cases[i].pa, (unsigned long long)cases[i].n, rc,
                     cases[i].rc);
        if (rc == 0)
            free_now += cases[i].n;
        if (e.p.free_frames != free_now || count_free(&e.p) != free_now)
            fail_msg("free case %zu: free_frames %llu (counted %llu), want %llu", i,
                     (unsigned long long)e.p.free_frames, (unsigned long long)count_free(&e.p),
                     (unsigned long long)free_now);
    }
    assert_int_equal(free_now, 127);
    env_fini(&e);
}

static void test_seal(void **state)
{
    (void)state;
    struct env e;
    env_init(&e, 64);
    pmm_add_free(&e.p, 0, FR(64));
    pmm_reserve(&e.p, 0, MiB(0) + FR(16));
    assert_int_equal(e.p.total_free, 0);
    pmm_seal(&e.p);
    assert_int_equal(e.p.total_free, 48);
    assert_int_not_equal(pmm_alloc(&e.p, 8, PAGE_SIZE), 0);
    assert_int_equal(e.p.free_frames, 40);
    assert_int_equal(e.p.total_free, 48);
    env_fini(&e);
}

static void test_is_free_bounds(void **state)
{
    (void)state;
    struct env e;
    env_init(&e, 70);
    pmm_add_free(&e.p, 0, FR(70));
    assert_true(pmm_is_free(&e.p, FR(69)));
    assert_true(pmm_is_free(&e.p, FR(69) + 0xFFF));
    assert_false(pmm_is_free(&e.p, FR(70)));
    assert_false(pmm_is_free(&e.p, FR(1000)));
    assert_false(pmm_is_free(&e.p, UINT64_MAX));
    env_fini(&e);
}

/* ---- model-checked random operations --------------------------------------------- */

static uint64_t rng_state = 0x9E3779B97F4A7C15ULL;
static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* The naive first-fit the allocator must agree with. */
static uint64_t model_alloc(bool *used, uint64_t nframes, uint64_t npages, uint64_t step)
{
    for (uint64_t f = step; f + npages <= nframes; f += step) {
        uint64_t k;
        for (k = 0; k < npages && !used[f + k]; k++)
            ;
        if (k == npages) {
            for (k = 0; k < npages; k++)
                used[f + k] = true;
            return f;
        }
    }
    return 0;
}

static void test_random_against_model(void **state)
{
    (void)state;
    const uint64_t nframes = 3000;           /* not a multiple of 64 */
    static const uint64_t steps[] = { 1, 1, 1, 2, 4, 8, 16, 64, 128, 512 };
    struct env e;
    bool *used = malloc(nframes);
    assert_non_null(used);
    env_init(&e, nframes);
    memset(used, 1, nframes);

    struct { uint64_t f, n; } live[512];
    unsigned nlive = 0;

    for (unsigned op = 0; op < 20000; op++) {
        uint64_t r = rng() % 100;
        if (r < 5) {                                    /* add_free, unaligned */
            uint64_t s = rng() % (FR(nframes) + FR(10)), len = rng() % FR(200);
            pmm_add_free(&e.p, s, s + len);
            uint64_t first = (s + PAGE_SIZE - 1) / PAGE_SIZE, last = (s + len) / PAGE_SIZE;
            if (first == 0)
                first = 1;
            for (uint64_t f = first; f < last && f < nframes; f++)
                used[f] = false;
            /* the model does not know which of these were allocated: forget them */
            for (unsigned k = 0; k < nlive; ) {
                bool hit = live[k].f < last && first < live[k].f + live[k].n;
                if (hit)
                    live[k] = live[--nlive];
                else
                    k++;
            }
        } else if (r < 10) {                            /* reserve, unaligned */
            uint64_t s = rng() % FR(nframes), len = 1 + rng() % FR(50);
            pmm_reserve(&e.p, s, s + len);
            for (uint64_t f = s / PAGE_SIZE; f < (s + len + PAGE_SIZE - 1) / PAGE_SIZE &&
                                             f < nframes; f++)
                used[f] = true;
        } else if (r < 60 || nlive == 0) {              /* alloc */
            uint64_t step = steps[rng() % ARRAY_SIZE(steps)];
            uint64_t npages = 1 + rng() % (rng() % 4 == 0 ? 300 : 8);
            uint64_t freec = 0;
            for (uint64_t f = 0; f < nframes; f++)
                freec += !used[f];
            uint64_t want = npages <= freec ? model_alloc(used, nframes, npages, step) : 0;
            hpa_t pa = pmm_alloc(&e.p, npages, step * PAGE_SIZE);
            if (pa != FR(want))
                fail_msg("random op %u: alloc(%llu, step %llu) = 0x%llx, model 0x%llx", op,
                         (unsigned long long)npages, (unsigned long long)step,
                         (unsigned long long)pa, (unsigned long long)FR(want));
            if (pa && nlive < ARRAY_SIZE(live))
                live[nlive++] = (typeof(live[0])){ want, npages };
        } else {                                        /* free a live run */
            unsigned k = rng() % nlive;
            int rc = pmm_free(&e.p, FR(live[k].f), live[k].n);
            bool ok = true;
            for (uint64_t f = live[k].f; f < live[k].f + live[k].n; f++)
                ok = ok && used[f];
            if (rc != (ok ? 0 : -HV_EINVAL))
                fail_msg("random op %u: free(frame %llu, %llu) rc %d", op,
                         (unsigned long long)live[k].f, (unsigned long long)live[k].n, rc);
            if (ok)
                for (uint64_t f = live[k].f; f < live[k].f + live[k].n; f++)
                    used[f] = false;
            live[k] = live[--nlive];
        }
        /* state agrees with the model */
        if (op % 97 == 0 || op > 19900) {
            uint64_t freec = 0;
            for (uint64_t f = 0; f < nframes; f++) {
                if (pmm_is_free(&e.p, FR(f)) == used[f])
                    fail_msg("random op %u: frame %llu differs from the model", op,
                             (unsigned long long)f);
                freec += !used[f];
            }
            if (e.p.free_frames != freec)
                fail_msg("random op %u: free_frames %llu, model %llu", op,
                         (unsigned long long)e.p.free_frames, (unsigned long long)freec);
        }
    }
    env_fini(&e);
    free(used);
}

/* ---- large bitmap ----------------------------------------------------------------- */

static void test_large_1g(void **state)
{
    (void)state;
    const uint64_t nframes = GiB(1) / PAGE_SIZE;      /* 262144 frames, 32 KiB bitmap */
    struct env e;
    env_init(&e, nframes);
    pmm_add_free(&e.p, 0, GiB(1));
    pmm_reserve(&e.p, 0, MiB(1));                     /* first MiB */
    pmm_reserve(&e.p, MiB(1), MiB(1) + 0x345678);     /* a "kernel image" */
    /* one used frame in every 8th 2 MiB block, late in the block */
    for (uint64_t b = 8; b < 512; b += 8)
        pmm_reserve(&e.p, MiB(2) * b + FR(500), MiB(2) * b + FR(501));
    pmm_seal(&e.p);
    uint64_t before = e.p.free_frames;

    clock_t t0 = clock();
    hpa_t got[100];
    for (int i = 0; i < 100; i++) {
        got[i] = pmm_alloc(&e.p, 512, LARGE_PAGE_SIZE);
        if (got[i] == 0 || !IS_ALIGNED(got[i], LARGE_PAGE_SIZE) || got[i] + MiB(2) > GiB(1))
            fail_msg("1G case %d: 2M alloc returned 0x%llx", i, (unsigned long long)got[i]);
        /* first fit: blocks 0-2 are (partly) reserved, every 8th block too */
        if (i > 0 && got[i] <= got[i - 1])
            fail_msg("1G case %d: 0x%llx not above the previous 0x%llx", i,
                     (unsigned long long)got[i], (unsigned long long)got[i - 1]);
        uint64_t b = got[i] / MiB(2);
        if (b < 3 || b % 8 == 0)
            fail_msg("1G case %d: block %llu was not free", i, (unsigned long long)b);
    }
    double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
    assert_int_equal(got[0], MiB(2) * 3);
    /* blocks 3..7, 9..15, 17..23, ...: the 100th is block 3 + 100 + (gaps) */
    uint64_t b = 2, n = 0;
    while (n < 100) {
        b++;
        if (b % 8)
            n++;
    }
    assert_int_equal(got[99], MiB(2) * b);
    assert_int_equal(e.p.free_frames, before - 100 * 512);
    assert_int_equal(e.p.total_free, before);
    if (secs > 2.0)
        fail_msg("100 2M allocations in a 1 GiB map took %.2f s", secs);

    for (int i = 0; i < 100; i++)
        assert_int_equal(pmm_free(&e.p, got[i], 512), 0);
    assert_int_equal(e.p.free_frames, before);
    /* single frames after the reserved first 1 MiB + image */
    uint64_t first = (MiB(1) + 0x345678 + PAGE_SIZE - 1) / PAGE_SIZE;
    for (uint64_t i = 0; i < 1000; i++)
        assert_int_equal(pmm_alloc(&e.p, 1, PAGE_SIZE), FR(first + i));
    env_fini(&e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_init_all_used),
        cmocka_unit_test(test_add_free_table),
        cmocka_unit_test(test_reserve_table),
        cmocka_unit_test(test_reserve_overlapping_ranges),
        cmocka_unit_test(test_frame_zero_never),
        cmocka_unit_test(test_alloc_single_sequence),
        cmocka_unit_test(test_alloc_runs_first_fit),
        cmocka_unit_test(test_alloc_2m),
        cmocka_unit_test(test_alloc_fragmented),
        cmocka_unit_test(test_alloc_bad_args),
        cmocka_unit_test(test_free_errors),
        cmocka_unit_test(test_seal),
        cmocka_unit_test(test_is_free_bounds),
        cmocka_unit_test(test_random_against_model),
        cmocka_unit_test(test_large_1g),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
