/*
 * Host tests for the emulated devices in drivers/virt: the line-buffered
 * guest console (vconsole.c), the 16550A UART model (vuart16550.c) and the
 * MMIO test device (testdev.c). A recording sink captures every line the
 * console hands out.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "drivers/virt/vconsole.h"
#include "drivers/virt/vuart16550.h"
#include "drivers/virt/testdev.h"
#include "drivers/hw/uart16550.h"

/* ---- recording sink ------------------------------------------------------------------ */

#define REC_MAX 16

struct rec {
    unsigned n;
    size_t len[REC_MAX];
    char line[REC_MAX][VCONSOLE_LINE_MAX + 1];
    void *ctx_seen;
};

static void rec_sink(void *ctx, const char *line, size_t len)
{
    struct rec *r = ctx;
    assert_true(r->n < REC_MAX);
    assert_true(len <= VCONSOLE_LINE_MAX);
    memcpy(r->line[r->n], line, len);
    r->line[r->n][len] = '\0';
    r->len[r->n] = len;
    r->n++;
    r->ctx_seen = ctx;
}

/* Compare the recorded lines with `want` (n entries). */
static void check_lines(const char *what, size_t i, const struct rec *r, const char *const *want,
                        unsigned n)
{
    if (r->n != n)
        fail_msg("%s case %zu: %u lines, want %u (first: \"%s\")", what, i, r->n, n,
                 r->n ? r->line[0] : "");
    for (unsigned k = 0; k < n; k++)
        if (r->len[k] != strlen(want[k]) || memcmp(r->line[k], want[k], r->len[k]) != 0)
            fail_msg("%s case %zu line %u: \"%s\" (%zu), want \"%s\" (%zu)", what, i, k,
                     r->line[k], r->len[k], want[k], strlen(want[k]));
}

/* ---- vconsole ------------------------------------------------------------------------- */

static const struct {
    const char *in;
    size_t inlen;               /* 0: strlen(in) */
    unsigned n;
    const char *want[4];
    size_t pending;             /* bytes left in the line buffer */
} con_cases[] = {
    { "hello\n", 0, 1, { "hello" }, 0 },
    { "a\nb\nc\n", 0, 3, { "a", "b", "c" }, 0 },
    { "hello", 0, 0, { NULL }, 5 },
    { "a\r\nb\r\n", 0, 2, { "a", "b" }, 0 },
    { "\r\r\rx\r\n", 0, 1, { "x" }, 0 },
    { "\n", 0, 1, { "" }, 0 },                          /* empty lines are kept */
    { "\n\n", 0, 2, { "", "" }, 0 },
    { "\r\n", 0, 1, { "" }, 0 },
    { "a\tb\n", 0, 1, { "a\tb" }, 0 },                  /* tab kept */
    { "x\x01y\x1bz\n", 0, 1, { "x?y?z" }, 0 },          /* control chars shown as '?' */
    { "\x07\x08\x0b\x0c\x1f\n", 0, 1, { "?????" }, 0 },
    { "a\0b\n", 4, 1, { "a?b" }, 0 },                   /* NUL is a control char */
    { " ~\n", 0, 1, { " ~" }, 0 },                      /* printable edges kept */
    { "caf\xc3\xa9\n", 0, 1, { "caf\xc3\xa9" }, 0 },    /* UTF-8 bytes >= 0xA0 pass through */
    { "a\x9b" "2Jb\x9d" "0;t\x07\n", 0, 1, { "a?2Jb?0;t?" }, 0 },  /* C1 CSI, OSC: '?' */
    { "\x80\x85\x8d\x9f\xa0\xff\n", 0, 1, { "????\xa0\xff" }, 0 },  /* C1 edges */
    { "\xc2\x9b\xe2\x80\xae!\n", 0, 1, { "\xc2?\xe2?\xae!" }, 0 },  /* UTF-8 C1, RLO */
    { "\x1b[2J\x1b]0;x\x07ok\n", 0, 1, { "?[2J?]0;x?ok" }, 0 },   /* ESC sequences */
    { "one\ntwo", 0, 1, { "one" }, 3 },
};

static void test_vconsole_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(con_cases); i++) {
        struct rec r = { 0 };
        struct vconsole c;
        size_t len = con_cases[i].inlen ? con_cases[i].inlen : strlen(con_cases[i].in);
        vconsole_init(&c, rec_sink, &r);
        vconsole_write(&c, con_cases[i].in, len);
        check_lines("vconsole", i, &r, con_cases[i].want, con_cases[i].n);
        if (c.len != con_cases[i].pending)
            fail_msg("vconsole case %zu: %zu bytes pending, want %zu", i, c.len,
                     con_cases[i].pending);
        if (c.bytes != len)
            fail_msg("vconsole case %zu: bytes %llu, want %zu", i, (unsigned long long)c.bytes,
                     len);
        if (r.n && r.ctx_seen != &r)
            fail_msg("vconsole case %zu: wrong ctx passed to the sink", i);
    }
}

/* Every byte value: exactly tab, 0x20-0x7E and 0xA0-0xFF are shown as is. */
static void test_vconsole_all_bytes(void **state)
{
    (void)state;
    for (unsigned b = 0; b < 256; b++) {
        if (b == '\n' || b == '\r')
            continue;
        struct rec r = { 0 };
        struct vconsole c;
        char in[2] = { (char)b, '\n' };
        vconsole_init(&c, rec_sink, &r);
        vconsole_write(&c, in, 2);
        bool as_is = b == '\t' || (b >= 0x20 && b <= 0x7E) || b >= 0xA0;
        assert_int_equal(r.n, 1);
        assert_int_equal(r.len[0], 1);
        if ((unsigned char)r.line[0][0] != (as_is ? b : '?'))
            fail_msg("byte 0x%02x shown as 0x%02x", b, (unsigned char)r.line[0][0]);
        assert_int_equal(vconsole_shown_as_is((unsigned char)b), as_is);
    }
}

/* DEL (0x7F) is a control character too. */
static void test_vconsole_del(void **state)
{
    (void)state;
    struct rec r = { 0 };
    struct vconsole c;
    vconsole_init(&c, rec_sink, &r);
    vconsole_write(&c, "a\x7f" "b\n", 4);
    assert_int_equal(r.n, 1);
    assert_int_equal(r.len[0], 3);
    assert_memory_equal(r.line[0], "a?b", 3);
}

static char long_text[1024];

static const struct {
    size_t len;                 /* this many 'a'..'z' characters, then '\n' */
    unsigned n;
    size_t parts[4];
} split_cases[] = {
    { VCONSOLE_LINE_MAX - 1, 1, { VCONSOLE_LINE_MAX - 1 } },
    { VCONSOLE_LINE_MAX, 1, { VCONSOLE_LINE_MAX } },          /* fits exactly: one line */
    { VCONSOLE_LINE_MAX + 1, 2, { VCONSOLE_LINE_MAX, 1 } },
    { 2 * VCONSOLE_LINE_MAX, 2, { VCONSOLE_LINE_MAX, VCONSOLE_LINE_MAX } },
    { 2 * VCONSOLE_LINE_MAX + 50, 3, { VCONSOLE_LINE_MAX, VCONSOLE_LINE_MAX, 50 } },
};

static void test_vconsole_long_lines(void **state)
{
    (void)state;
    for (size_t k = 0; k < sizeof(long_text); k++)
        long_text[k] = (char)('a' + k % 26);
    for (size_t i = 0; i < ARRAY_SIZE(split_cases); i++) {
        struct rec r = { 0 };
        struct vconsole c;
        vconsole_init(&c, rec_sink, &r);
        vconsole_write(&c, long_text, split_cases[i].len);
        vconsole_putc(&c, '\n');
        if (r.n != split_cases[i].n)
            fail_msg("split case %zu (%zu chars): %u lines, want %u", i, split_cases[i].len,
                     r.n, split_cases[i].n);
        size_t pos = 0;
        for (unsigned k = 0; k < r.n; k++) {
            if (r.len[k] != split_cases[i].parts[k] ||
                memcmp(r.line[k], long_text + pos, r.len[k]) != 0)
                fail_msg("split case %zu part %u: %zu chars, want %zu", i, k, r.len[k],
                         split_cases[i].parts[k]);
            pos += r.len[k];
        }
        if (c.bytes != split_cases[i].len + 1 || c.len != 0)
            fail_msg("split case %zu: bytes %llu pending %zu", i, (unsigned long long)c.bytes,
                     c.len);
    }
}

static void test_vconsole_flush(void **state)
{
    (void)state;
    struct rec r = { 0 };
    struct vconsole c;
    vconsole_init(&c, rec_sink, &r);
    vconsole_flush(&c);                         /* nothing pending: no call */
    assert_int_equal(r.n, 0);
    vconsole_write(&c, "partial", 7);
    assert_int_equal(r.n, 0);
    vconsole_flush(&c);
    assert_int_equal(r.n, 1);
    assert_string_equal(r.line[0], "partial");
    assert_int_equal(c.len, 0);
    vconsole_flush(&c);                         /* already flushed */
    assert_int_equal(r.n, 1);
    vconsole_write(&c, "more\n", 5);            /* a fresh line afterwards */
    assert_int_equal(r.n, 2);
    assert_string_equal(r.line[1], "more");
    vconsole_write(&c, "\r", 1);                /* '\r' alone leaves nothing to flush */
    vconsole_flush(&c);
    assert_int_equal(r.n, 2);
    assert_int_equal(c.bytes, 13);
    /* write of length 0 */
    vconsole_write(&c, "ignored", 0);
    assert_int_equal(c.bytes, 13);
}

/* ---- vuart16550 ------------------------------------------------------------------------ */

struct uart_env {
    struct rec r;
    struct vconsole con;
    struct vuart16550 u;
};

static void uart_env_init(struct uart_env *e)
{
    memset(&e->r, 0, sizeof(e->r));
    vconsole_init(&e->con, rec_sink, &e->r);
    memset(&e->u, 0xA5, sizeof(e->u));
    vuart16550_init(&e->u, &e->con);
}

static uint64_t ur(struct uart_env *e, unsigned off)
{
    uint64_t v = 0xDEAD;
    assert_int_equal(vuart16550_read(&e->u, off, 1, &v), 0);
    return v;
}

static void uw(struct uart_env *e, unsigned off, uint8_t v)
{
    assert_int_equal(vuart16550_write(&e->u, off, 1, v), 0);
}

static void test_vuart_reset_state(void **state)
{
    (void)state;
    struct uart_env e;
    uart_env_init(&e);
    static const struct { unsigned off; uint64_t want; } cases[] = {
        { UART_RBR, 0x00 }, { UART_IER, 0x00 }, { UART_IIR, 0x01 },
        { UART_LCR, UART_LCR_8N1 }, { UART_MCR, 0x00 },
        { UART_LSR, UART_LSR_THRE | UART_LSR_TEMT }, { UART_MSR, 0xB0 },
        { UART_SCR, 0x00 },
    };
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        uint64_t v = ur(&e, cases[i].off);
        if (v != cases[i].want)
            fail_msg("uart reset case %zu (reg %u): 0x%llx, want 0x%llx", i, cases[i].off,
                     (unsigned long long)v, (unsigned long long)cases[i].want);
    }
    assert_int_equal(ur(&e, UART_LSR), 0x60);
    /* the divisor latch starts at 1 (115200 baud) */
    uw(&e, UART_LCR, UART_LCR_DLAB | UART_LCR_8N1);
    assert_int_equal(ur(&e, UART_DLL), 1);
    assert_int_equal(ur(&e, UART_DLM), 0);
}

static void test_vuart_output(void **state)
{
    (void)state;
    struct uart_env e;
    uart_env_init(&e);
    const char *s = "Hello, UART\r\nsecond\n";
    for (const char *p = s; *p; p++)
        uw(&e, UART_THR, (uint8_t)*p);
    assert_int_equal(e.r.n, 2);
    assert_string_equal(e.r.line[0], "Hello, UART");
    assert_string_equal(e.r.line[1], "second");
    assert_int_equal(e.con.bytes, strlen(s));
    /* a wider write still sends only its low byte */
    assert_int_equal(vuart16550_write(&e.u, UART_THR, 4, 0x41424344), 0);
    uw(&e, UART_THR, '\n');
    assert_int_equal(e.r.n, 3);
    assert_string_equal(e.r.line[2], "D");
    /* LSR stays "transmitter empty" throughout */
    assert_int_equal(ur(&e, UART_LSR), 0x60);
}

static void test_vuart_dlab(void **state)
{
    (void)state;
    struct uart_env e;
    uart_env_init(&e);
    uw(&e, UART_IER, 0x05);
    /* DLAB on: offsets 0 and 1 are the divisor latch, nothing is sent */
    uw(&e, UART_LCR, UART_LCR_DLAB | UART_LCR_8N1);
    assert_int_equal(ur(&e, UART_LCR), 0x83);
    uw(&e, UART_DLL, 0x0C);
    uw(&e, UART_DLM, 0x03);
    assert_int_equal(ur(&e, UART_DLL), 0x0C);
    assert_int_equal(ur(&e, UART_DLM), 0x03);
    assert_int_equal(e.con.bytes, 0);
    /* other registers are unaffected by DLAB */
    uw(&e, UART_SCR, 0x5A);
    assert_int_equal(ur(&e, UART_SCR), 0x5A);
    assert_int_equal(ur(&e, UART_LSR), 0x60);
    /* DLAB off: RBR (empty, 0) and IER come back, the latch is kept */
    uw(&e, UART_LCR, UART_LCR_8N1);
    assert_int_equal(ur(&e, UART_RBR), 0x00);
    assert_int_equal(ur(&e, UART_IER), 0x05);
    uw(&e, UART_THR, 'x');
    assert_int_equal(e.con.bytes, 1);
    uw(&e, UART_LCR, UART_LCR_DLAB);
    assert_int_equal(ur(&e, UART_DLL), 0x0C);
    assert_int_equal(ur(&e, UART_DLM), 0x03);
}

static void test_vuart_registers(void **state)
{
    (void)state;
    static const struct {
        unsigned off;
        uint8_t write;
        unsigned read_off;
        uint8_t want;
    } cases[] = {
        /* IER keeps 4 bits */
        { UART_IER, 0xFF, UART_IER, 0x0F },
        { UART_IER, 0xA5, UART_IER, 0x05 },
        { UART_IER, 0x00, UART_IER, 0x00 },
        /* FCR: FIFOs enabled show in IIR bits 7:6 */
        { UART_FCR, 0x07, UART_IIR, 0xC1 },
        { UART_FCR, 0xC1, UART_IIR, 0xC1 },
        { UART_FCR, 0x06, UART_IIR, 0x01 },
        { UART_FCR, 0x00, UART_IIR, 0x01 },
        /* LCR, SCR round trip */
        { UART_LCR, 0x1B, UART_LCR, 0x1B },
        { UART_SCR, 0x00, UART_SCR, 0x00 },
        { UART_SCR, 0x55, UART_SCR, 0x55 },
        { UART_SCR, 0xAA, UART_SCR, 0xAA },
        { UART_SCR, 0xFF, UART_SCR, 0xFF },
        /* MCR keeps 5 bits */
        { UART_MCR, 0xFF, UART_MCR, 0x1F },
        { UART_MCR, 0x0B, UART_MCR, 0x0B },
        { UART_MCR, 0xE0, UART_MCR, 0x00 },
        /* LSR and MSR are read-only */
        { UART_LSR, 0x00, UART_LSR, 0x60 },
        { UART_LSR, 0xFF, UART_LSR, 0x60 },
        { UART_MSR, 0x00, UART_MSR, 0xB0 },
        { UART_MSR, 0xFF, UART_MSR, 0xB0 },
    };
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        struct uart_env e;
        uart_env_init(&e);
        uw(&e, cases[i].off, cases[i].write);
        uint64_t v = ur(&e, cases[i].read_off);
        if (v != cases[i].want)
            fail_msg("uart reg case %zu (write 0x%02x to %u, read %u): 0x%02llx, want 0x%02x", i,
                     cases[i].write, cases[i].off, cases[i].read_off, (unsigned long long)v,
                     cases[i].want);
        if (e.con.bytes != 0)
            fail_msg("uart reg case %zu: console output", i);
    }
}

/* Loopback (MCR bit 4): output is suppressed and the modem status inputs
 * follow the modem control outputs (PC16550D datasheet: CTS = RTS,
 * DSR = DTR, RI = OUT1, DCD = OUT2). */
static void test_vuart_loopback(void **state)
{
    (void)state;
    for (unsigned mcr = 0; mcr < 16; mcr++) {
        struct uart_env e;
        uart_env_init(&e);
        uw(&e, UART_MCR, (uint8_t)(UART_MCR_LOOP | mcr));
        uint8_t want = (uint8_t)(((mcr & UART_MCR_RTS) ? 0x10 : 0) |    /* CTS */
                                 ((mcr & UART_MCR_DTR) ? 0x20 : 0) |    /* DSR */
                                 ((mcr & 0x04) ? 0x40 : 0) |            /* RI  <- OUT1 */
                                 ((mcr & UART_MCR_OUT2) ? 0x80 : 0));   /* DCD */
        /* PC16550D: RTS -> CTS, DTR -> DSR, OUT1 -> RI, OUT2 -> DCD (Linux's
         * 8250 probe writes MCR = LOOP|RTS|OUT2 and expects MSR & 0xF0 = 0x90). */
        uint64_t v = ur(&e, UART_MSR) & 0xF0;
        if (v != want) {
            fail_msg("loopback case %u (MCR 0x%02x): MSR 0x%02llx, want 0x%02x", mcr,
                     UART_MCR_LOOP | mcr, (unsigned long long)v, want);
        }
        for (const char *p = "loop\n"; *p; p++)
            uw(&e, UART_THR, (uint8_t)*p);
        vconsole_flush(&e.con);
        if (e.con.bytes != 0 || e.r.n != 0)
            fail_msg("loopback case %u: output not suppressed", mcr);
        /* The looped-back bytes land in the 1-byte receive holding register
         * (FIFOs off): the first is ready, the other four overran it. */
        uint64_t lsr = ur(&e, UART_LSR);
        if (lsr != 0x63)
            fail_msg("loopback case %u: LSR 0x%02llx, want 0x63 (DR, OE, THRE, TEMT)", mcr,
                     (unsigned long long)lsr);
        /* leaving loopback restores output and the fixed MSR */
        uw(&e, UART_MCR, (uint8_t)mcr);
        uw(&e, UART_THR, 'k');
        if (e.con.bytes != 1 || ur(&e, UART_MSR) != 0xB0)
            fail_msg("loopback case %u: leaving loopback", mcr);
    }
}

/* Wider reads: the first register in the low byte, the rest read as all ones. */
static void test_vuart_wide_reads(void **state)
{
    (void)state;
    static const struct { unsigned off, size; uint64_t want; } cases[] = {
        { UART_LSR, 1, 0x60 },
        { UART_LSR, 2, 0xFF60 },
        { UART_LSR, 4, 0xFFFFFF60 },
        { UART_LSR, 8, 0xFFFFFFFFFFFFFF60ULL },
        { UART_IIR, 2, 0xFF01 },
        { UART_SCR, 4, 0xFFFFFF00 },
        { UART_RBR, 4, 0xFFFFFF00 },
    };
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        struct uart_env e;
        uart_env_init(&e);
        uint64_t v = 0;
        assert_int_equal(vuart16550_read(&e.u, cases[i].off, cases[i].size, &v), 0);
        if (v != cases[i].want)
            fail_msg("uart wide case %zu (reg %u size %u): 0x%llx, want 0x%llx", i, cases[i].off,
                     cases[i].size, (unsigned long long)v, (unsigned long long)cases[i].want);
    }
}

/* ---- testdev ----------------------------------------------------------------------------- */

struct td_env {
    struct rec r;
    struct vconsole con;
    struct testdev t;
    uint8_t shadow[TESTDEV_SCRATCH_LEN];
};

static void td_env_init(struct td_env *e)
{
    memset(&e->r, 0, sizeof(e->r));
    vconsole_init(&e->con, rec_sink, &e->r);
    memset(&e->t, 0xA5, sizeof(e->t));
    testdev_init(&e->t, &e->con);
    memset(e->shadow, 0, sizeof(e->shadow));
}

static void td_check_shadow(struct td_env *e, const char *what, size_t i)
{
    for (unsigned k = 0; k < TESTDEV_SCRATCH_LEN; k++) {
        uint64_t v = 0xDEAD;
        testdev_read(&e->t, k, 1, &v);
        if (v != e->shadow[k])
            fail_msg("%s case %zu: scratch byte 0x%x = 0x%02llx, want 0x%02x", what, i, k,
                     (unsigned long long)v, e->shadow[k]);
    }
}

static void test_testdev_init(void **state)
{
    (void)state;
    struct td_env e;
    td_env_init(&e);
    assert_int_equal(e.t.reads, 0);
    assert_int_equal(e.t.writes, 0);
    assert_ptr_equal(e.t.out, &e.con);
    td_check_shadow(&e, "init", 0);
}

static const uint64_t PATTERN = 0x8877665544332211ULL;

static void test_testdev_scratch(void **state)
{
    (void)state;
    static const unsigned sizes[] = { 1, 2, 4, 8 };
    size_t ncase = 0;
    for (size_t s = 0; s < ARRAY_SIZE(sizes); s++) {
        unsigned size = sizes[s];
        for (unsigned off = 0; off + size <= TESTDEV_SCRATCH_LEN; off++, ncase++) {
            struct td_env e;
            td_env_init(&e);
            /* pre-fill with a background so neighbours are checked */
            for (unsigned k = 0; k < TESTDEV_SCRATCH_LEN; k += 8) {
                uint64_t bg = 0xF0F0F0F0F0F0F0F0ULL ^ k;
                assert_int_equal(testdev_write(&e.t, k, 8, bg), 0);
                for (unsigned b = 0; b < 8; b++)
                    e.shadow[k + b] = (uint8_t)(bg >> (8 * b));
            }
            uint64_t val = PATTERN ^ ((uint64_t)off << 56);
            assert_int_equal(testdev_write(&e.t, off, size, val), 0);
            for (unsigned b = 0; b < size; b++)             /* little-endian */
                e.shadow[off + b] = (uint8_t)(val >> (8 * b));
            uint64_t mask = size == 8 ? ~0ULL : (1ULL << (8 * size)) - 1;
            uint64_t got = 0;
            assert_int_equal(testdev_read(&e.t, off, size, &got), 0);
            if (got != (val & mask))
                fail_msg("scratch case %zu (size %u off 0x%x): read 0x%llx, want 0x%llx", ncase,
                         size, off, (unsigned long long)got, (unsigned long long)(val & mask));
            td_check_shadow(&e, "scratch", ncase);
            /* reading at other widths sees the same little-endian bytes */
            for (size_t s2 = 0; s2 < ARRAY_SIZE(sizes); s2++) {
                unsigned sz2 = sizes[s2];
                for (unsigned o2 = off >= 8 ? off - 7 : 0;
                     o2 <= off + size && o2 + sz2 <= TESTDEV_SCRATCH_LEN; o2++) {
                    uint64_t want = 0, v2;
                    for (unsigned b = 0; b < sz2; b++)
                        want |= (uint64_t)e.shadow[o2 + b] << (8 * b);
                    testdev_read(&e.t, o2, sz2, &v2);
                    if (v2 != want)
                        fail_msg("scratch case %zu: read size %u at 0x%x = 0x%llx, want 0x%llx",
                                 ncase, sz2, o2, (unsigned long long)v2,
                                 (unsigned long long)want);
                }
            }
            if (e.r.n != 0 || e.con.bytes != 0)
                fail_msg("scratch case %zu: console output", ncase);
        }
    }
    /* 128 + 127 + 125 + 121 offsets */
    assert_int_equal(ncase, 501);
}

static void test_testdev_known_values(void **state)
{
    (void)state;
    struct td_env e;
    td_env_init(&e);
    uint64_t v;
    assert_int_equal(testdev_write(&e.t, 0x10, 8, 0x1122334455667788ULL), 0);
    static const struct { unsigned off, size; uint64_t want; } cases[] = {
        { 0x10, 1, 0x88 }, { 0x11, 1, 0x77 }, { 0x17, 1, 0x11 }, { 0x10, 2, 0x7788 },
        { 0x12, 2, 0x5566 }, { 0x13, 2, 0x4455 }, { 0x10, 4, 0x55667788 },
        { 0x14, 4, 0x11223344 }, { 0x11, 4, 0x44556677 }, { 0x10, 8, 0x1122334455667788ULL },
        { 0x0C, 8, 0x5566778800000000ULL }, { 0x16, 4, 0x1122 }, { 0x18, 1, 0 },
    };
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        v = 0xDEAD;
        testdev_read(&e.t, cases[i].off, cases[i].size, &v);
        if (v != cases[i].want)
            fail_msg("known case %zu (off 0x%x size %u): 0x%llx, want 0x%llx", i, cases[i].off,
                     cases[i].size, (unsigned long long)v, (unsigned long long)cases[i].want);
    }
}

/* Everything outside the scratch area, the ID register and the console. */
static void test_testdev_other_offsets(void **state)
{
    (void)state;
    static const struct { uint64_t off; unsigned size; uint64_t want; } cases[] = {
        /* the identification register: only a 4-byte read at 0x100 */
        { TESTDEV_REG_ID, 4, TESTDEV_ID },
        { TESTDEV_REG_ID, 1, 0 }, { TESTDEV_REG_ID, 2, 0 }, { TESTDEV_REG_ID, 8, 0 },
        { TESTDEV_REG_ID + 1, 4, 0 }, { TESTDEV_REG_ID + 4, 4, 0 }, { TESTDEV_REG_ID - 4, 4, 0 },
        /* accesses straddling the end of the scratch area */
        { 0x7F, 2, 0 }, { 0x7E, 4, 0 }, { 0x7C, 8, 0 }, { 0x79, 8, 0 },
        /* just past it, the console register, and elsewhere */
        { 0x80, 1, 0 }, { 0x80, 8, 0 }, { 0xFF, 1, 0 }, { TESTDEV_REG_CONSOLE, 1, 0 },
        { TESTDEV_REG_CONSOLE, 4, 0 }, { 0x300, 4, 0 }, { 0xFF8, 8, 0 }, { 0xFFF, 1, 0 },
    };
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        struct td_env e;
        td_env_init(&e);
        for (unsigned k = 0; k < TESTDEV_SCRATCH_LEN; k++) {
            e.t.scratch[k] = (uint8_t)(0x40 + k);
            e.shadow[k] = (uint8_t)(0x40 + k);
        }
        uint64_t v = 0xDEAD;
        assert_int_equal(testdev_read(&e.t, cases[i].off, cases[i].size, &v), 0);
        if (v != cases[i].want)
            fail_msg("other case %zu (off 0x%llx size %u): read 0x%llx, want 0x%llx", i,
                     (unsigned long long)cases[i].off, cases[i].size, (unsigned long long)v,
                     (unsigned long long)cases[i].want);
        if (cases[i].off == TESTDEV_REG_CONSOLE)
            continue;
        /* writes there change nothing and print nothing */
        assert_int_equal(testdev_write(&e.t, cases[i].off, cases[i].size, ~0ULL), 0);
        td_check_shadow(&e, "other", i);
        if (e.con.bytes != 0)
            fail_msg("other case %zu: console output", i);
        if (e.t.reads != 1 + TESTDEV_SCRATCH_LEN || e.t.writes != 1)
            fail_msg("other case %zu: counters %llu/%llu", i, (unsigned long long)e.t.reads,
                     (unsigned long long)e.t.writes);
    }
}

static void test_testdev_console(void **state)
{
    (void)state;
    struct td_env e;
    td_env_init(&e);
    const char *s = "mmio says hi\n";
    for (const char *p = s; *p; p++)
        assert_int_equal(testdev_write(&e.t, TESTDEV_REG_CONSOLE, 1, (uint8_t)*p), 0);
    assert_int_equal(e.r.n, 1);
    assert_string_equal(e.r.line[0], "mmio says hi");
    /* only the low byte of a wider write */
    assert_int_equal(testdev_write(&e.t, TESTDEV_REG_CONSOLE, 4, 0x0A414243), 0);
    assert_int_equal(testdev_write(&e.t, TESTDEV_REG_CONSOLE, 1, '\n'), 0);
    assert_int_equal(e.r.n, 2);
    assert_string_equal(e.r.line[1], "C");
    /* neighbouring offsets are not the console */
    assert_int_equal(testdev_write(&e.t, TESTDEV_REG_CONSOLE + 1, 1, 'x'), 0);
    assert_int_equal(testdev_write(&e.t, TESTDEV_REG_CONSOLE - 1, 1, 'y'), 0);
    assert_int_equal(e.con.bytes, strlen(s) + 2);
    assert_int_equal(e.t.writes, strlen(s) + 4);
    uint64_t v = 0xDEAD;
    assert_int_equal(testdev_read(&e.t, TESTDEV_REG_CONSOLE, 1, &v), 0);
    assert_int_equal(v, 0);
    assert_int_equal(e.t.reads, 1);
    td_check_shadow(&e, "console", 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vconsole_table),
        cmocka_unit_test(test_vconsole_del),
        cmocka_unit_test(test_vconsole_all_bytes),
        cmocka_unit_test(test_vconsole_long_lines),
        cmocka_unit_test(test_vconsole_flush),
        cmocka_unit_test(test_vuart_reset_state),
        cmocka_unit_test(test_vuart_output),
        cmocka_unit_test(test_vuart_dlab),
        cmocka_unit_test(test_vuart_registers),
        cmocka_unit_test(test_vuart_loopback),
        cmocka_unit_test(test_vuart_wide_reads),
        cmocka_unit_test(test_testdev_init),
        cmocka_unit_test(test_testdev_scratch),
        cmocka_unit_test(test_testdev_known_values),
        cmocka_unit_test(test_testdev_other_offsets),
        cmocka_unit_test(test_testdev_console),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
