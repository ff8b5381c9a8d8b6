/*
 * Host tests for vmm/io_bus.c: registering port I/O and MMIO ranges and
 * routing accesses to fake devices that record what they were handed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "vmm/io_bus.h"
#include <hv/errno.h>

/* ---- fake device ---------------------------------------------------------------- */

struct fdev {
    int id;
    unsigned reads, writes;
    uint64_t last_off, last_val;
    unsigned last_size;
    int rc;                 /* returned from read/write */
};

static int fd_read(void *dev, uint64_t offset, unsigned size, uint64_t *val)
{
    struct fdev *d = dev;
    d->reads++;
    d->last_off = offset;
    d->last_size = size;
    /* a value that identifies the device, the offset and the size */
    *val = ((uint64_t)d->id << 32) | (offset << 8) | size;
    return d->rc;
}

static int fd_write(void *dev, uint64_t offset, unsigned size, uint64_t val)
{
    struct fdev *d = dev;
    d->writes++;
    d->last_off = offset;
    d->last_size = size;
    d->last_val = val;
    return d->rc;
}

static const struct io_ops rw_ops = { fd_read, fd_write };
static const struct io_ops ro_ops = { fd_read, NULL };
static const struct io_ops wo_ops = { NULL, fd_write };

static struct io_bus *new_bus(void)
{
    struct io_bus *b = malloc(sizeof(*b));
    assert_non_null(b);
    memset(b, 0x5A, sizeof(*b));            /* io_bus_init must clear it */
    io_bus_init(b);
    return b;
}

/* ---- registration ------------------------------------------------------------------ */

static const struct {
    enum io_space space;
    uint64_t base, len;
    int rc;
} reg_cases[] = {
    /* set-up: PIO 0x3F8-0x3FF, MMIO 0xFEB00000-0xFEB00FFF (registered first) */
    { IO_SPACE_PIO, 0x3F8, 8, 0 },
    { IO_SPACE_MMIO, 0xFEB00000, 0x1000, 0 },
    /* overlaps in the same space */
    { IO_SPACE_PIO, 0x3F8, 8, -HV_EBUSY },
    { IO_SPACE_PIO, 0x3FF, 1, -HV_EBUSY },
    { IO_SPACE_PIO, 0x3F0, 9, -HV_EBUSY },
    { IO_SPACE_PIO, 0x3FA, 2, -HV_EBUSY },
    { IO_SPACE_PIO, 0x300, 0x200, -HV_EBUSY },
    { IO_SPACE_MMIO, 0xFEB00FFF, 1, -HV_EBUSY },
    { IO_SPACE_MMIO, 0xFEAFF000, 0x1001, -HV_EBUSY },
    { IO_SPACE_MMIO, 0xFE000000, 0x1000000, -HV_EBUSY },
    /* adjacent ranges are fine */
    { IO_SPACE_PIO, 0x3F0, 8, 0 },
    { IO_SPACE_PIO, 0x400, 1, 0 },
    { IO_SPACE_MMIO, 0xFEAFF000, 0x1000, 0 },
    { IO_SPACE_MMIO, 0xFEB01000, 0x1000, 0 },
    /* PIO and MMIO may overlap numerically */
    { IO_SPACE_MMIO, 0x3F8, 8, 0 },
    { IO_SPACE_PIO, 0xF000, 0x1000, 0 },    /* ends exactly at 0x10000 */
    { IO_SPACE_MMIO, 0xF000, 0x1000, 0 },
    /* empty, wrapping and beyond-0xFFFF ranges */
    { IO_SPACE_PIO, 0x500, 0, -HV_EINVAL },
    { IO_SPACE_MMIO, 0x500, 0, -HV_EINVAL },
    { IO_SPACE_PIO, 0xFFFF, 2, -HV_EINVAL },
    { IO_SPACE_PIO, 0x10000, 1, -HV_EINVAL },
    { IO_SPACE_PIO, 0x8000, 0x8001, -HV_EINVAL },
    { IO_SPACE_PIO, 0xFFFFFFFFFFFFFFFFULL, 2, -HV_EINVAL },   /* wraps to a small end */
    { IO_SPACE_MMIO, 0xFFFFFFFFFFFFF000ULL, 0x2000, -HV_EINVAL },
    { IO_SPACE_MMIO, 1, 0xFFFFFFFFFFFFFFFFULL, -HV_EINVAL },
    /* the very top of MMIO space, ending exactly at 2^64 - 1 */
    { IO_SPACE_MMIO, 0xFFFFFFFFFFFFF000ULL, 0xFFF, 0 },
    { IO_SPACE_PIO, 0xFFFF, 1, -HV_EBUSY },   /* inside 0xF000+0x1000 above */
    { IO_SPACE_PIO, 0, 1, 0 },
};

static void test_register_table(void **state)
{
    (void)state;
    struct io_bus *b = new_bus();
    struct fdev d = { .id = 1 };
    unsigned nok = 0;
    assert_int_equal(b->nregions, 0);
    for (size_t i = 0; i < ARRAY_SIZE(reg_cases); i++) {
        int rc = io_bus_register(b, reg_cases[i].space, reg_cases[i].base, reg_cases[i].len,
                                 &rw_ops, &d, "dev");
        if (rc != reg_cases[i].rc)
            fail_msg("register case %zu (%s 0x%llx+0x%llx): rc %d, want %d", i,
                     reg_cases[i].space == IO_SPACE_PIO ? "pio" : "mmio",
                     (unsigned long long)reg_cases[i].base, (unsigned long long)reg_cases[i].len,
                     rc, reg_cases[i].rc);
        nok += rc == 0;
        if (b->nregions != nok)
            fail_msg("register case %zu: nregions %u, want %u", i, b->nregions, nok);
        if (rc == 0) {
            const struct io_region *r = &b->regions[nok - 1];
            if (r->space != reg_cases[i].space || r->base != reg_cases[i].base ||
                r->len != reg_cases[i].len || r->ops != &rw_ops || r->dev != &d ||
                strcmp(r->name, "dev") != 0)
                fail_msg("register case %zu: region recorded wrongly", i);
        }
    }
    free(b);
}

static void test_register_full(void **state)
{
    (void)state;
    struct io_bus *b = new_bus();
    struct fdev d[IO_BUS_MAX_REGIONS + 1];
    for (unsigned i = 0; i < IO_BUS_MAX_REGIONS; i++) {
        d[i] = (struct fdev){ .id = (int)i };
        /* alternate spaces: the limit counts both */
        enum io_space sp = i % 2 ? IO_SPACE_MMIO : IO_SPACE_PIO;
        int rc = io_bus_register(b, sp, 0x100 + 0x10 * i, 0x10, &rw_ops, &d[i], "d");
        if (rc != 0)
            fail_msg("full case %u: rc %d", i, rc);
    }
    assert_int_equal(b->nregions, IO_BUS_MAX_REGIONS);
    assert_int_equal(io_bus_register(b, IO_SPACE_PIO, 0x1000, 1, &rw_ops, &d[32], "x"),
                     -HV_E2BIG);
    assert_int_equal(io_bus_register(b, IO_SPACE_MMIO, 0x1000000, 1, &rw_ops, &d[32], "x"),
                     -HV_E2BIG);
    /* overlap is still reported as such when full; bad ranges as invalid */
    assert_int_equal(io_bus_register(b, IO_SPACE_PIO, 0x100, 1, &rw_ops, &d[32], "x"),
                     -HV_EBUSY);
    assert_int_equal(io_bus_register(b, IO_SPACE_PIO, 0x1000, 0, &rw_ops, &d[32], "x"),
                     -HV_EINVAL);
    assert_int_equal(b->nregions, IO_BUS_MAX_REGIONS);
    /* the last region is reachable through the port table (index 32 fits a byte) */
    const struct io_region *r = io_bus_find_port(b, 0x100 + 0x10 * 30);
    assert_non_null(r);
    assert_ptr_equal(r->dev, &d[30]);
    uint64_t v;
    assert_int_equal(io_bus_mmio_read(b, 0x100 + 0x10 * 31 + 4, 4, &v), 0);
    assert_int_equal(v, (31ULL << 32) | (4 << 8) | 4);
    free(b);
}

/* ---- port routing -------------------------------------------------------------------- */

static void test_port_routing(void **state)
{
    (void)state;
    struct io_bus *b = new_bus();
    struct fdev com1 = { .id = 1 }, pic = { .id = 2 }, ro = { .id = 3 }, wo = { .id = 4 };
    assert_int_equal(io_bus_register(b, IO_SPACE_PIO, 0x3F8, 8, &rw_ops, &com1, "com1"), 0);
    assert_int_equal(io_bus_register(b, IO_SPACE_PIO, 0x20, 2, &rw_ops, &pic, "pic"), 0);
    assert_int_equal(io_bus_register(b, IO_SPACE_PIO, 0x60, 1, &ro_ops, &ro, "ro"), 0);
    assert_int_equal(io_bus_register(b, IO_SPACE_PIO, 0x64, 1, &wo_ops, &wo, "wo"), 0);
    /* MMIO at the same numbers must not capture ports */
    assert_int_equal(io_bus_register(b, IO_SPACE_MMIO, 0x0, 0x10000, &rw_ops, &ro, "mm"), 0);

    static const struct {
        uint16_t port;
        unsigned size;
        int dev;             /* 0: unclaimed */
        uint64_t off;
    } cases[] = {
        { 0x3F8, 1, 1, 0 }, { 0x3F9, 1, 1, 1 }, { 0x3FD, 1, 1, 5 }, { 0x3FF, 1, 1, 7 },
        { 0x3F8, 2, 1, 0 }, { 0x3FC, 4, 1, 4 },
        { 0x3F7, 1, 0, 0 }, { 0x400, 1, 0, 0 }, { 0x400, 2, 0, 0 }, { 0x400, 4, 0, 0 },
        { 0x20, 1, 2, 0 }, { 0x21, 1, 2, 1 }, { 0x22, 1, 0, 0 }, { 0x1F, 4, 0, 0 },
        { 0x0, 1, 0, 0 }, { 0xFFFF, 2, 0, 0 }, { 0x80, 4, 0, 0 },
    };
    struct fdev *devs[] = { NULL, &com1, &pic };
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        unsigned before_r = com1.reads + pic.reads, before_w = com1.writes + pic.writes;
        uint64_t v = 0x1234;
        int rc = io_bus_port_read(b, cases[i].port, cases[i].size, &v);
        if (cases[i].dev == 0) {
            uint64_t ones = cases[i].size == 4 ? 0xFFFFFFFFULL : cases[i].size == 2 ? 0xFFFF : 0xFF;
            if (rc != -HV_ENOENT || v != ones)
                fail_msg("port case %zu (0x%x/%u): unclaimed read rc %d val 0x%llx", i,
                         cases[i].port, cases[i].size, rc, (unsigned long long)v);
            rc = io_bus_port_write(b, cases[i].port, cases[i].size, 0xAB);
            if (rc != -HV_ENOENT)
                fail_msg("port case %zu: unclaimed write rc %d", i, rc);
            if (io_bus_find_port(b, cases[i].port) != NULL)
                fail_msg("port case %zu: find_port found a region", i);
            if (com1.reads + pic.reads != before_r || com1.writes + pic.writes != before_w)
                fail_msg("port case %zu: a device saw an unclaimed access", i);
            continue;
        }
        struct fdev *d = devs[cases[i].dev];
        uint64_t want = ((uint64_t)d->id << 32) | (cases[i].off << 8) | cases[i].size;
        if (rc != 0 || v != want || d->last_off != cases[i].off || d->last_size != cases[i].size)
            fail_msg("port case %zu (0x%x/%u): rc %d val 0x%llx off %llu, want dev %d off %llu",
                     i, cases[i].port, cases[i].size, rc, (unsigned long long)v,
                     (unsigned long long)d->last_off, cases[i].dev,
                     (unsigned long long)cases[i].off);
        rc = io_bus_port_write(b, cases[i].port, cases[i].size, 0xC0FFEE00 + i);
        if (rc != 0 || d->last_val != 0xC0FFEE00 + i || d->last_off != cases[i].off ||
            d->last_size != cases[i].size)
            fail_msg("port case %zu: write rc %d val 0x%llx off %llu", i, rc,
                     (unsigned long long)d->last_val, (unsigned long long)d->last_off);
        const struct io_region *r = io_bus_find_port(b, cases[i].port);
        if (!r || r->dev != d)
            fail_msg("port case %zu: find_port wrong", i);
    }

    /* a device without write (0x60): writes dropped, 0; reads reach it */
    uint64_t v = 0;
    assert_int_equal(io_bus_port_read(b, 0x60, 1, &v), 0);
    assert_int_equal(v, (3ULL << 32) | 1);
    assert_int_equal(io_bus_port_write(b, 0x60, 1, 0x55), 0);
    assert_int_equal(ro.writes, 0);
    /* a device without read (0x64): all ones and -HV_ENOENT, as if unclaimed */
    static const struct { unsigned size; uint64_t ones; } wo_cases[] = {
        { 1, 0xFF }, { 2, 0xFFFF }, { 4, 0xFFFFFFFF } };
    for (size_t i = 0; i < ARRAY_SIZE(wo_cases); i++) {
        v = 0;
        int rc = io_bus_port_read(b, 0x64, wo_cases[i].size, &v);
        if (rc != -HV_ENOENT || v != wo_cases[i].ones)
            fail_msg("write-only case %zu (size %u): rc %d val 0x%llx", i, wo_cases[i].size, rc,
                     (unsigned long long)v);
    }
    assert_int_equal(io_bus_port_write(b, 0x64, 1, 0xD1), 0);
    assert_int_equal(wo.writes, 1);
    assert_int_equal(wo.last_val, 0xD1);
    assert_int_equal(wo.last_off, 0);

    /* device errors are passed through */
    com1.rc = -HV_EIO;
    assert_int_equal(io_bus_port_read(b, 0x3F8, 1, &v), -HV_EIO);
    assert_int_equal(io_bus_port_write(b, 0x3F8, 1, 0), -HV_EIO);
    free(b);
}

/* Every port of a range maps to the region; the ports around it do not. */
static void test_port_table_exact(void **state)
{
    (void)state;
    struct io_bus *b = new_bus();
    struct fdev d1 = { .id = 1 }, d2 = { .id = 2 };
    assert_int_equal(io_bus_register(b, IO_SPACE_PIO, 0x1000, 0x100, &rw_ops, &d1, "a"), 0);
    assert_int_equal(io_bus_register(b, IO_SPACE_PIO, 0xFFF0, 0x10, &rw_ops, &d2, "b"), 0);
    for (uint32_t p = 0; p < 0x10000; p++) {
        const struct io_region *r = io_bus_find_port(b, (uint16_t)p);
        const void *want = p >= 0x1000 && p < 0x1100 ? (void *)&d1 : p >= 0xFFF0 ? (void *)&d2
                                                                                 : NULL;
        if ((r ? r->dev : NULL) != want)
            fail_msg("port 0x%x: region %p, want %p", p, r ? r->dev : NULL, want);
    }
    free(b);
}

/* ---- MMIO routing --------------------------------------------------------------------- */

static void test_mmio_routing(void **state)
{
    (void)state;
    struct io_bus *b = new_bus();
    struct fdev t = { .id = 7 }, h = { .id = 8 }, r = { .id = 9 }, w = { .id = 10 };
    assert_int_equal(io_bus_register(b, IO_SPACE_MMIO, 0xFEB00000, 0x1000, &rw_ops, &t, "t"), 0);
    assert_int_equal(io_bus_register(b, IO_SPACE_MMIO, 0xFED00000, 0x400, &rw_ops, &h, "h"), 0);
    assert_int_equal(io_bus_register(b, IO_SPACE_MMIO, 0x1000, 0x10, &ro_ops, &r, "r"), 0);
    assert_int_equal(io_bus_register(b, IO_SPACE_MMIO, 0x2000, 0x10, &wo_ops, &w, "w"), 0);
    /* a port range with the same numbers must not capture MMIO */
    assert_int_equal(io_bus_register(b, IO_SPACE_PIO, 0x1000, 0x1000, &rw_ops, &h, "p"), 0);

    static const struct {
        uint64_t gpa;
        unsigned size;
        int dev;             /* 0: unclaimed */
        uint64_t off;
    } cases[] = {
        { 0xFEB00000, 4, 7, 0 }, { 0xFEB00000, 8, 7, 0 }, { 0xFEB00100, 4, 7, 0x100 },
        { 0xFEB00FFF, 1, 7, 0xFFF }, { 0xFEB00FFE, 2, 7, 0xFFE }, { 0xFEB00FFC, 4, 7, 0xFFC },
        { 0xFEB00FF8, 8, 7, 0xFF8 },
        /* straddling the end: not claimed */
        { 0xFEB00FFF, 2, 0, 0 }, { 0xFEB00FFE, 4, 0, 0 }, { 0xFEB00FFC, 8, 0, 0 },
        { 0xFEB00FFD, 4, 0, 0 },
        /* straddling the start, or just outside */
        { 0xFEAFFFFF, 2, 0, 0 }, { 0xFEAFFFFC, 4, 0, 0 }, { 0xFEAFFFFF, 1, 0, 0 },
        { 0xFEB01000, 1, 0, 0 },
        { 0xFED00000, 4, 8, 0 }, { 0xFED003FC, 4, 8, 0x3FC }, { 0xFED003FD, 4, 0, 0 },
        { 0xFED00400, 1, 0, 0 },
        { 0x0, 4, 0, 0 }, { 0xFFFFFFFFFFFFFFF8ULL, 8, 0, 0 },
    };
    struct fdev *devs[] = { [7] = &t, [8] = &h };
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        const struct io_region *reg = io_bus_find_mmio(b, cases[i].gpa, cases[i].size);
        uint64_t v = 0x1234;
        int rc = io_bus_mmio_read(b, cases[i].gpa, cases[i].size, &v);
        if (cases[i].dev == 0) {
            if (reg != NULL || rc != -HV_ENOENT || v != 0x1234)
                fail_msg("mmio case %zu (0x%llx/%u): claimed (rc %d)", i,
                         (unsigned long long)cases[i].gpa, cases[i].size, rc);
            if (io_bus_mmio_write(b, cases[i].gpa, cases[i].size, 1) != -HV_ENOENT)
                fail_msg("mmio case %zu: unclaimed write not -HV_ENOENT", i);
            continue;
        }
        struct fdev *d = devs[cases[i].dev];
        uint64_t want = ((uint64_t)d->id << 32) | (cases[i].off << 8) | cases[i].size;
        if (!reg || reg->dev != d)
            fail_msg("mmio case %zu (0x%llx/%u): find_mmio wrong", i,
                     (unsigned long long)cases[i].gpa, cases[i].size);
        if (rc != 0 || v != want || d->last_off != cases[i].off || d->last_size != cases[i].size)
            fail_msg("mmio case %zu (0x%llx/%u): rc %d val 0x%llx, want 0x%llx", i,
                     (unsigned long long)cases[i].gpa, cases[i].size, rc,
                     (unsigned long long)v, (unsigned long long)want);
        rc = io_bus_mmio_write(b, cases[i].gpa, cases[i].size, 0x1122334455667788ULL);
        if (rc != 0 || d->last_val != 0x1122334455667788ULL || d->last_off != cases[i].off)
            fail_msg("mmio case %zu: write rc %d off %llu", i, rc,
                     (unsigned long long)d->last_off);
    }

    /* MMIO without read: all ones per size, 0; without write: dropped, 0 */
    static const struct { unsigned size; uint64_t ones; } ones[] = {
        { 1, 0xFF }, { 2, 0xFFFF }, { 4, 0xFFFFFFFF }, { 8, ~0ULL } };
    for (size_t i = 0; i < ARRAY_SIZE(ones); i++) {
        uint64_t v = 0;
        int rc = io_bus_mmio_read(b, 0x2000, ones[i].size, &v);
        if (rc != 0 || v != ones[i].ones)
            fail_msg("mmio no-read case %zu (size %u): rc %d val 0x%llx", i, ones[i].size, rc,
                     (unsigned long long)v);
    }
    assert_int_equal(io_bus_mmio_write(b, 0x1000, 4, 5), 0);
    assert_int_equal(r.writes, 0);
    assert_int_equal(io_bus_mmio_write(b, 0x2008, 8, 6), 0);
    assert_int_equal(w.last_off, 8);
    assert_int_equal(w.last_val, 6);
    /* device errors are passed through */
    t.rc = -HV_EFAULT;
    uint64_t v;
    assert_int_equal(io_bus_mmio_read(b, 0xFEB00000, 4, &v), -HV_EFAULT);
    assert_int_equal(io_bus_mmio_write(b, 0xFEB00000, 4, 0), -HV_EFAULT);
    free(b);
}

/* Unclaimed port reads: all ones per access size. */
static void test_unclaimed_port_ones(void **state)
{
    (void)state;
    struct io_bus *b = new_bus();
    static const struct { unsigned size; uint64_t ones; } cases[] = {
        { 1, 0xFF }, { 2, 0xFFFF }, { 4, 0xFFFFFFFF } };
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        uint64_t v = 0x5555555555555555ULL;
        int rc = io_bus_port_read(b, 0x80, cases[i].size, &v);
        if (rc != -HV_ENOENT || v != cases[i].ones)
            fail_msg("ones case %zu (size %u): rc %d val 0x%llx", i, cases[i].size, rc,
                     (unsigned long long)v);
    }
    assert_int_equal(io_bus_port_write(b, 0x80, 1, 0), -HV_ENOENT);
    free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_register_table),
        cmocka_unit_test(test_register_full),
        cmocka_unit_test(test_port_routing),
        cmocka_unit_test(test_port_table_exact),
        cmocka_unit_test(test_mmio_routing),
        cmocka_unit_test(test_unclaimed_port_ones),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
