/*
 * Host tests for the 16550A UART model (drivers/virt/vuart16550.c).
 *
 * Most cases are scripts: a list of steps (register writes, reads with the
 * expected value, input bytes, modem-line changes, checks of the interrupt
 * line and of the console output) run against a fresh UART whose interrupt
 * line is recorded and whose console lines are collected. A failure names
 * the table, the case index and the step index.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "drivers/virt/vuart16550.h"
#include <hv/errno.h>

/* ---- environment: recorded console and interrupt line -------------------------------- */

#define TEST_IRQ 4

struct env {
    struct vconsole con;
    char text[2048];            /* console lines, each followed by '\n' */
    size_t text_len;
    bool level;                 /* last level driven */
    unsigned calls;             /* virq_set calls (since the last CALLS step) */
    unsigned redundant;         /* calls that did not change the level */
    unsigned bad_line;          /* calls with the wrong ctx or line number */
    unsigned rises;             /* 0 -> 1 transitions (for the edge-triggered PIC fake) */
    struct vuart16550 u;
};

static void sink(void *ctx, const char *line, size_t len)
{
    struct env *e = ctx;
    assert_true(e->text_len + len + 1 < sizeof(e->text));
    memcpy(e->text + e->text_len, line, len);
    e->text_len += len;
    e->text[e->text_len++] = '\n';
    e->text[e->text_len] = '\0';
}

static void irq_set(void *ctx, unsigned line, bool level)
{
    struct env *e = ctx;
    if (line != TEST_IRQ)
        e->bad_line++;
    if (level == e->level)
        e->redundant++;
    if (level && !e->level)
        e->rises++;
    e->level = level;
    e->calls++;
}

static void env_init(struct env *e, bool wired)
{
    memset(e, 0, sizeof(*e));
    vconsole_init(&e->con, sink, e);
    memset(&e->u, 0xA5, sizeof(e->u));     /* init must set every field */
    vuart16550_init(&e->u, &e->con);
    if (wired) {
        struct virq_line l = { .set = irq_set, .ctx = e, .line = TEST_IRQ };
        vuart16550_set_irq(&e->u, &l);
    }
}

static uint8_t rd(struct env *e, unsigned reg)
{
    uint64_t v = 0xDEAD;
    assert_int_equal(vuart16550_read(&e->u, reg, 1, &v), 0);
    assert_true(v <= 0xFF);
    return (uint8_t)v;
}

static void wr(struct env *e, unsigned reg, uint8_t v)
{
    assert_int_equal(vuart16550_write(&e->u, reg, 1, v), 0);
}

/* ---- step scripts ---------------------------------------------------------------------- */

enum op {
    END = 0,
    OP_W,       /* write val to reg */
    OP_R,       /* read reg, want expect */
    OP_RM,      /* read reg, want (value & val) == expect */
    OP_RECV,    /* vuart16550_receive(val) returns expect */
    OP_BRK,     /* vuart16550_receive_break returns expect */
    OP_MODEM,   /* vuart16550_set_modem_inputs(val) */
    OP_LEVEL,   /* interrupt line is at level val */
    OP_CALLS,   /* val virq_set calls since the last OP_CALLS (or the start) */
    OP_OUT,     /* console text since the last OP_OUT (partial line flushed) is text */
    OP_SPACE,   /* rx_space is val, rx_ready is val > 0 */
};

struct step {
    uint8_t op, reg, val;
    int expect;
    const char *text;
};

#define W(r, v)       { OP_W, (r), (v), 0, NULL }
#define R(r, e)       { OP_R, (r), 0, (e), NULL }
#define RM(r, m, e)   { OP_RM, (r), (m), (e), NULL }
#define IN(b)         { OP_RECV, 0, (b), 0, NULL }
#define IN_RC(b, rc)  { OP_RECV, 0, (b), (rc), NULL }
#define BRK(rc)       { OP_BRK, 0, 0, (rc), NULL }
#define MODEM(v)      { OP_MODEM, 0, (v), 0, NULL }
#define LEVEL(l)      { OP_LEVEL, 0, (l), 0, NULL }
#define CALLS(n)      { OP_CALLS, 0, (n), 0, NULL }
#define OUT(s)        { OP_OUT, 0, 0, 0, (s) }
#define SPACE(n)      { OP_SPACE, 0, (n), 0, NULL }

/* Shorthands. */
#define RBR UART_RBR
#define THR UART_THR
#define DLL UART_DLL
#define DLM UART_DLM
#define IER UART_IER
#define IIR UART_IIR
#define FCR UART_FCR
#define LCR UART_LCR
#define MCR UART_MCR
#define LSR UART_LSR
#define MSR UART_MSR
#define SCR UART_SCR
#define IDLE 0x60               /* LSR: THRE | TEMT */
#define OUT2 UART_MCR_OUT2
#define LOOP UART_MCR_LOOP
#define E2BIG (-HV_E2BIG)
#define EBUSY (-HV_EBUSY)

#define MAX_STEPS 64

struct tcase {
    const char *name;
    bool unwired;               /* no interrupt line (default: wired and recorded) */
    struct step s[MAX_STEPS];
};

static void run_case(const char *table, size_t ci, const struct tcase *c)
{
    static struct env env;      /* static: a failing step longjmps out */
    struct env *e = &env;
    env_init(e, !c->unwired);
    size_t out_seen = 0;

    for (size_t si = 0; si < MAX_STEPS && c->s[si].op != END; si++) {
        const struct step *s = &c->s[si];
        int got = 0, want = s->expect;
        bool ok = true;

        switch (s->op) {
        case OP_W:
            wr(e, s->reg, s->val);
            break;
        case OP_R:
            got = rd(e, s->reg);
            ok = got == want;
            break;
        case OP_RM:
            got = rd(e, s->reg) & s->val;
            ok = got == want;
            break;
        case OP_RECV:
            got = vuart16550_receive(&e->u, s->val);
            ok = got == want;
            break;
        case OP_BRK:
            got = vuart16550_receive_break(&e->u);
            ok = got == want;
            break;
        case OP_MODEM:
            vuart16550_set_modem_inputs(&e->u, s->val);
            break;
        case OP_LEVEL:
            got = vuart16550_irq_level(&e->u);
            want = s->val;
            ok = got == want && (c->unwired || e->level == (bool)want);
            break;
        case OP_CALLS:
            got = (int)e->calls;
            want = s->val;
            ok = got == want;
            e->calls = 0;
            break;
        case OP_OUT:
            vconsole_flush(&e->con);
            if (strcmp(e->text + out_seen, s->text) != 0)
                fail_msg("%s case %zu (%s) step %zu: console \"%s\", want \"%s\"", table, ci,
                         c->name, si, e->text + out_seen, s->text);
            out_seen = e->text_len;
            break;
        case OP_SPACE:
            got = (int)vuart16550_rx_space(&e->u);
            want = s->val;
            ok = got == want && vuart16550_rx_ready(&e->u) == (want > 0);
            break;
        default:
            fail_msg("%s case %zu step %zu: bad op %u", table, ci, si, s->op);
        }
        if (!ok)
            fail_msg("%s case %zu (%s) step %zu (op %u reg %u val 0x%02x): got 0x%02x (%d), "
                     "want 0x%02x (%d)", table, ci, c->name, si, s->op, s->reg, s->val,
                     (unsigned)got & 0xFF, got, (unsigned)want & 0xFF, want);
    }
    if (e->redundant)
        fail_msg("%s case %zu (%s): %u virq_set calls without a level change", table, ci,
                 c->name, e->redundant);
    if (e->bad_line)
        fail_msg("%s case %zu (%s): virq_set on the wrong line", table, ci, c->name);
    vconsole_flush(&e->con);
    if (e->text_len != out_seen)
        fail_msg("%s case %zu (%s): unexpected console output \"%s\"", table, ci, c->name,
                 e->text + out_seen);
}

static void run_table(const char *table, const struct tcase *cases, size_t n)
{
    for (size_t i = 0; i < n; i++)
        run_case(table, i, &cases[i]);
    print_message("  %s: %zu cases\n", table, n);
}

#define RUN_TABLE(t) run_table(#t, t, ARRAY_SIZE(t))

/* ---- Linux 8250 probe and startup ------------------------------------------------------- */

static const struct tcase probe_cases[] = {
    { "reset state", .s = {
        R(RBR, 0), R(IER, 0), R(IIR, 0x01), R(LCR, 0x03), R(MCR, 0), R(LSR, IDLE),
        R(MSR, 0xB0), R(SCR, 0), LEVEL(0), CALLS(0), SPACE(1),
        W(LCR, 0x83), R(DLL, 1), R(DLM, 0) } },
    { "scratch register", .s = {
        W(SCR, 0xA5), R(SCR, 0xA5), W(SCR, 0x5A), R(SCR, 0x5A), W(SCR, 0), R(SCR, 0),
        R(LSR, IDLE) } },
    { "IER existence test (autoconfig)", .s = {
        R(IER, 0), W(IER, 0), RM(IER, 0x0F, 0), W(IER, 0x0F), RM(IER, 0x0F, 0x0F), R(IER, 0x0F),
        W(IER, 0), R(IER, 0),
        /* IER bits 7:4 do not exist (XScale UUE test must fail) */
        W(IER, 0x40), R(IER, 0), W(IER, 0xFF), R(IER, 0x0F), W(IER, 0) } },
    { "loopback check MCR=LOOP|0x0A -> MSR 0x90", .s = {
        R(MCR, 0), W(MCR, LOOP | 0x0A), RM(MSR, 0xF0, 0x90), W(MCR, 0), R(MSR, 0xB0) } },
    { "FIFO detection: FCR 0xE7 -> IIR 11xx0001", .s = {
        W(FCR, 0xE7), RM(IIR, 0xC0, 0xC0), R(IIR, 0xC1), W(FCR, 0), R(IIR, 0x01) } },
    { "autoconfig: EFR write under LCR 0xBF, then FCR enable", .s = {
        W(LCR, 0xBF), W(2, 0), W(LCR, 0), W(FCR, UART_FCR_ENABLE), R(IIR, 0xC1) } },
    { "autoconfig_16550a: no EFR, no NSC, no 16750, no UUE", .s = {
        W(FCR, 0x01),
        W(LCR, 0x80), R(2, 0xC1),               /* "EFR" reads non-zero: not ST16C650V1 */
        W(LCR, 0xBF), R(2, 0xC1),               /* not an EFR UART */
        W(LCR, 0), R(MCR, 0), W(LCR, 0xE0), RM(2, UART_MCR_LOOP, 0),  /* NSC EXCR1 test */
        W(LCR, 0), W(MCR, LOOP), W(LCR, 0xE0), RM(2, UART_MCR_LOOP, 0), W(LCR, 0), W(MCR, 0),
        W(LCR, 0), W(FCR, 0x21), RM(IIR, 0xE0, 0xC0),   /* no 64-byte FIFO */
        W(FCR, 0x01), W(LCR, 0x80), W(FCR, 0x21), RM(IIR, 0xE0, 0xC0), W(FCR, 0x01),
        W(LCR, 0), W(IER, 0x40), RM(IER, 0x40, 0), W(IER, 0) } },
    { "divisor latch programming (9600 8N1)", .s = {
        W(LCR, 0x80), W(DLL, 0x0C), W(DLM, 0x00), R(DLL, 0x0C), R(DLM, 0), R(LCR, 0x80),
        W(LCR, 0x03), R(LCR, 0x03), R(IER, 0), R(RBR, 0), OUT("") } },
    { "startup: clear FIFOs, clear interrupts, TXEN test", .s = {
        W(FCR, 0x01), W(FCR, 0x07), W(FCR, 0x00),
        R(LSR, IDLE), R(RBR, 0), R(IIR, 0x01), R(MSR, 0xB0),
        W(LCR, 0x03), W(MCR, OUT2 | UART_MCR_DTR | UART_MCR_RTS), LEVEL(0),
        /* "quick test to see if we receive an interrupt when we enable the TX irq" */
        W(IER, UART_IER_ETBEI), LEVEL(1), RM(LSR, UART_LSR_TEMT, UART_LSR_TEMT),
        R(IIR, 0x02), LEVEL(0), W(IER, 0), LEVEL(0),
        /* UART_BUG_THRE test: THRE must be reasserted after IER toggles */
        W(IER, UART_IER_ETBEI), R(IIR, 0x02), W(IER, 0), W(IER, UART_IER_ETBEI), R(IIR, 0x02),
        R(IIR, 0x01), W(IER, 0),
        /* set_termios: 8N1, FIFO with trigger 8, RX interrupts */
        W(LCR, 0x83), W(DLL, 1), W(DLM, 0), W(LCR, 0x03), W(FCR, 0x81), R(IIR, 0xC1),
        W(IER, UART_IER_ERBFI | UART_IER_ELSI), R(IIR, 0xC1), LEVEL(0), CALLS(6) } },
};

static void test_probe(void **state)
{
    (void)state;
    RUN_TABLE(probe_cases);
}

/* ---- transmit and the THR-empty interrupt --------------------------------------------- */

static const struct tcase tx_cases[] = {
    { "polled output", .s = {
        W(THR, 'h'), W(THR, 'i'), W(THR, '\n'), R(LSR, IDLE), OUT("hi\n"), R(IIR, 0x01),
        CALLS(0) } },
    { "ETBEI: raised, cleared by IIR read, re-raised by THR write", .s = {
        W(MCR, OUT2), W(IER, UART_IER_ETBEI), LEVEL(1), R(IIR, 0x02), LEVEL(0), R(IIR, 0x01),
        W(THR, 'a'), LEVEL(1), R(LSR, IDLE), LEVEL(1), R(IIR, 0x02), R(IIR, 0x01), LEVEL(0),
        W(THR, 'b'), W(THR, 'c'), LEVEL(1), W(IER, 0), LEVEL(0), R(IIR, 0x01), OUT("abc\n"),
        CALLS(6) } },
    { "ETBEI with FIFOs on: IIR 0xC2", .s = {
        W(FCR, 0x01), W(IER, UART_IER_ETBEI), R(IIR, 0xC2), R(IIR, 0xC1), W(THR, 'x'),
        R(IIR, 0xC2), OUT("x\n") } },
    { "rewriting IER with ETBEI kept set does not re-raise", .s = {
        W(IER, UART_IER_ETBEI), R(IIR, 0x02), W(IER, UART_IER_ETBEI), R(IIR, 0x01),
        W(IER, UART_IER_ETBEI | UART_IER_ERBFI), R(IIR, 0x01),
        W(IER, UART_IER_ERBFI), W(IER, UART_IER_ETBEI | UART_IER_ERBFI), R(IIR, 0x02) } },
    { "THR written with ETBEI off: pending only once enabled", .s = {
        W(THR, 'q'), R(IIR, 0x01), W(IER, UART_IER_ETBEI), R(IIR, 0x02), OUT("q\n") } },
    { "clearing ETBEI drops a pending THRE", .s = {
        W(MCR, OUT2), W(IER, UART_IER_ETBEI), LEVEL(1), W(IER, 0), LEVEL(0), R(IIR, 0x01),
        W(IER, UART_IER_ETBEI | UART_IER_EDSSI), R(IIR, 0x02) } },
    { "THRE below RX data: IIR read of 0x04 does not clear THRE", .s = {
        W(IER, UART_IER_ETBEI | UART_IER_ERBFI), IN('r'), R(IIR, 0x04), R(IIR, 0x04),
        R(RBR, 'r'), R(IIR, 0x02), R(IIR, 0x01) } },
    { "transmit in DLAB mode writes DLL, sends nothing", .s = {
        W(IER, UART_IER_ETBEI), R(IIR, 0x02), W(LCR, 0x83), W(THR, 'z'), R(IIR, 0x01),
        R(DLL, 'z'), W(LCR, 0x03), OUT("") } },
    { "word length masks output (7 bits)", .s = {
        W(LCR, 0x02), W(THR, 0xC1), W(LCR, 0x03), W(THR, 0xC2 & 0x7F), OUT("AB\n") } },
    { "unwired UART still reports IIR", .unwired = true, .s = {
        W(MCR, OUT2), W(IER, UART_IER_ETBEI), LEVEL(1), R(IIR, 0x02), LEVEL(0) } },
};

static void test_transmit(void **state)
{
    (void)state;
    RUN_TABLE(tx_cases);
}

/* ---- the interrupt line and OUT2 -------------------------------------------------------- */

static const struct tcase irq_cases[] = {
    { "no OUT2: pending but line low", .s = {
        W(IER, UART_IER_ETBEI), R(IIR, 0x02), W(IER, 0), W(IER, UART_IER_ETBEI), LEVEL(0),
        CALLS(0), W(MCR, OUT2), LEVEL(1), W(MCR, 0), LEVEL(0), W(MCR, OUT2), LEVEL(1),
        R(IIR, 0x02), LEVEL(0), CALLS(4) } },
    { "OUT1, DTR, RTS do not open the gate", .s = {
        W(IER, UART_IER_ERBFI), IN('a'),
        W(MCR, UART_MCR_DTR | UART_MCR_RTS | UART_MCR_OUT1), LEVEL(0), CALLS(0),
        W(MCR, 0x0F), LEVEL(1), R(RBR, 'a'), LEVEL(0), CALLS(2) } },
    { "loopback closes the gate", .s = {
        W(IER, UART_IER_ETBEI), W(MCR, OUT2), LEVEL(1), W(MCR, OUT2 | LOOP), LEVEL(0),
        R(MCR, OUT2 | LOOP), W(MCR, OUT2), LEVEL(1), CALLS(3) } },
    { "line follows the pending sources, one call per change", .s = {
        W(MCR, OUT2), W(IER, 0x0F), LEVEL(1), CALLS(1), R(IIR, 0x02), LEVEL(0),
        IN('1'), LEVEL(1), IN_RC('2', E2BIG), LEVEL(1), R(IIR, 0x06), R(LSR, 0x63), LEVEL(1),
        R(IIR, 0x04), R(RBR, '1'), LEVEL(0), MODEM(0x30), LEVEL(1), R(IIR, 0x00),
        R(MSR, 0x38), LEVEL(0), R(IIR, 0x01), CALLS(5) } },
    { "disabling all sources lowers the line", .s = {
        W(MCR, OUT2), W(IER, UART_IER_ERBFI), IN('x'), LEVEL(1), W(IER, 0), LEVEL(0),
        W(IER, UART_IER_ERBFI), LEVEL(1), W(IER, UART_IER_ERBFI), LEVEL(1), CALLS(3) } },
};

static void test_irq_line(void **state)
{
    (void)state;
    RUN_TABLE(irq_cases);
}

/* Wiring the line after the fact, rewiring, unwiring. */
static void test_set_irq(void **state)
{
    (void)state;
    static struct env ea, eb;
    struct env *a = &ea, *b = &eb;
    env_init(a, false);
    env_init(b, false);
    struct virq_line la = { .set = irq_set, .ctx = a, .line = TEST_IRQ };
    struct virq_line lb = { .set = irq_set, .ctx = b, .line = TEST_IRQ };

    /* pending before wiring: the new line is raised at once */
    wr(a, UART_MCR, OUT2);
    wr(a, UART_IER, UART_IER_ETBEI);
    assert_true(vuart16550_irq_level(&a->u));
    vuart16550_set_irq(&a->u, &la);
    assert_true(a->level);
    assert_int_equal(a->calls, 1);
    /* rewiring lowers the old line and raises the new one */
    vuart16550_set_irq(&a->u, &lb);
    assert_false(a->level);
    assert_true(b->level);
    assert_int_equal(a->calls, 2);
    assert_int_equal(b->calls, 1);
    /* unwiring lowers it; later changes go nowhere */
    vuart16550_set_irq(&a->u, NULL);
    assert_false(b->level);
    assert_int_equal(b->calls, 2);
    assert_int_equal(rd(a, UART_IIR), 0x02);
    wr(a, UART_THR, 'x');
    assert_int_equal(a->calls, 2);
    assert_int_equal(b->calls, 2);
    /* wiring with nothing pending calls nothing */
    vuart16550_set_irq(&b->u, &lb);
    assert_int_equal(b->calls, 2);
    assert_int_equal(a->redundant + b->redundant, 0);
}

/* ---- receive ------------------------------------------------------------------------------ */

static const struct tcase rx_cases[] = {
    { "no FIFO: one-byte holding register", .s = {
        W(MCR, OUT2), W(IER, UART_IER_ERBFI), SPACE(1), IN('x'), LEVEL(1), R(LSR, 0x61),
        R(IIR, 0x04), SPACE(0), R(RBR, 'x'), LEVEL(0), R(LSR, IDLE), R(IIR, 0x01), SPACE(1),
        R(RBR, 'x'), R(LSR, IDLE) } },
    { "no FIFO: overrun drops the new byte, sets OE until LSR read", .s = {
        IN('a'), IN_RC('b', E2BIG), R(LSR, 0x63), R(LSR, 0x61), R(RBR, 'a'), R(LSR, IDLE),
        IN('c'), R(RBR, 'c') } },
    { "no FIFO: ERBFI off, polled receive", .s = {
        W(MCR, OUT2), IN('p'), R(IIR, 0x01), LEVEL(0), R(LSR, 0x61), R(RBR, 'p'), CALLS(0) } },
    { "FIFO: bytes come out in order", .s = {
        W(FCR, 0x01), W(IER, UART_IER_ERBFI), SPACE(16), IN('a'), IN('b'), IN('c'), SPACE(13),
        R(IIR, 0xC4), R(LSR, 0x61), R(RBR, 'a'), R(RBR, 'b'), R(IIR, 0xC4), R(RBR, 'c'),
        R(IIR, 0xC1), R(LSR, IDLE), SPACE(16) } },
    { "FIFO: 16 bytes fit, the 17th overruns", .s = {
        W(FCR, 0x01), IN('0'), IN('1'), IN('2'), IN('3'), IN('4'), IN('5'), IN('6'), IN('7'),
        IN('8'), IN('9'), IN('A'), IN('B'), IN('C'), IN('D'), IN('E'), SPACE(1), IN('F'),
        SPACE(0), IN_RC('G', E2BIG), R(LSR, 0x63), R(LSR, 0x61),
        R(RBR, '0'), R(RBR, '1'), R(RBR, '2'), R(RBR, '3'), R(RBR, '4'), R(RBR, '5'),
        R(RBR, '6'), R(RBR, '7'), R(RBR, '8'), R(RBR, '9'), R(RBR, 'A'), R(RBR, 'B'),
        R(RBR, 'C'), R(RBR, 'D'), R(RBR, 'E'), R(LSR, 0x61), R(RBR, 'F'), R(LSR, IDLE),
        R(RBR, 'F'), SPACE(16) } },
    { "FIFO wraps around", .s = {
        W(FCR, 0x01), IN('a'), IN('b'), IN('c'), R(RBR, 'a'), R(RBR, 'b'),
        IN('0'), IN('1'), IN('2'), IN('3'), IN('4'), IN('5'), IN('6'), IN('7'), IN('8'),
        IN('9'), IN('A'), IN('B'), IN('C'), IN('D'), IN('E'), SPACE(0), IN_RC('X', E2BIG),
        R(LSR, 0x63), R(RBR, 'c'), R(RBR, '0'), R(RBR, '1'), R(RBR, '2'), R(RBR, '3'), R(RBR, '4'),
        R(RBR, '5'), R(RBR, '6'), R(RBR, '7'), R(RBR, '8'), R(RBR, '9'), R(RBR, 'A'),
        R(RBR, 'B'), R(RBR, 'C'), R(RBR, 'D'), R(RBR, 'E'), R(LSR, 0x60) } },
    { "word length masks input (5 bits)", .s = {
        W(LCR, 0x00), IN(0xFF), R(RBR, 0x1F), W(LCR, 0x03), IN(0xFF), R(RBR, 0xFF) } },
    { "received bytes never reach the console", .s = {
        IN('\n'), R(RBR, '\n'), OUT("") } },
};

static void test_receive(void **state)
{
    (void)state;
    RUN_TABLE(rx_cases);
}

/* Trigger levels: below the level the timeout indication (0x0C), at or above
 * it received data (0x04); both are interrupts. */
static const struct tcase trigger_cases[] = {
    { "trigger 1", .s = {
        W(FCR, 0x01), W(IER, UART_IER_ERBFI), R(IIR, 0xC1), IN('a'), R(IIR, 0xC4),
        R(RBR, 'a'), R(IIR, 0xC1) } },
    { "trigger 4", .s = {
        W(FCR, 0x41), W(MCR, OUT2), W(IER, UART_IER_ERBFI), IN('1'), R(IIR, 0xCC), LEVEL(1),
        IN('2'), IN('3'), R(IIR, 0xCC), IN('4'), R(IIR, 0xC4), IN('5'), R(IIR, 0xC4),
        R(RBR, '1'), R(IIR, 0xC4), R(RBR, '2'), R(IIR, 0xCC), LEVEL(1),
        R(RBR, '3'), R(RBR, '4'), R(RBR, '5'), R(IIR, 0xC1), LEVEL(0), CALLS(2) } },
    { "trigger 8", .s = {
        W(FCR, 0x81), W(IER, UART_IER_ERBFI), IN('1'), IN('2'), IN('3'), IN('4'), IN('5'),
        IN('6'), IN('7'), R(IIR, 0xCC), IN('8'), R(IIR, 0xC4), R(RBR, '1'), R(IIR, 0xCC) } },
    { "trigger 14", .s = {
        W(FCR, 0xC1), W(IER, UART_IER_ERBFI), IN('1'), IN('2'), IN('3'), IN('4'), IN('5'),
        IN('6'), IN('7'), IN('8'), IN('9'), IN('A'), IN('B'), IN('C'), IN('D'), R(IIR, 0xCC),
        IN('E'), R(IIR, 0xC4), IN('F'), IN('G'), R(IIR, 0xC4), IN_RC('H', E2BIG),
        R(IIR, 0xC4), W(IER, UART_IER_ERBFI | UART_IER_ELSI), R(IIR, 0xC6), R(LSR, 0x63),
        R(IIR, 0xC4), R(RBR, '1'), R(RBR, '2'), R(RBR, '3'), R(IIR, 0xCC) } },
    { "changing the trigger level re-evaluates", .s = {
        W(FCR, 0xC1), W(IER, UART_IER_ERBFI), IN('1'), IN('2'), IN('3'), IN('4'),
        R(IIR, 0xCC), W(FCR, 0x41), R(IIR, 0xC4), R(LSR, 0x61), W(FCR, 0x81), R(IIR, 0xCC) } },
    { "timeout without ERBFI: nothing", .s = {
        W(FCR, 0x41), W(MCR, OUT2), IN('1'), R(IIR, 0xC1), LEVEL(0), W(IER, UART_IER_ERBFI),
        R(IIR, 0xCC), LEVEL(1), R(RBR, '1'), R(IIR, 0xC1), LEVEL(0) } },
    { "FIFOs off: no timeout indication", .s = {
        W(FCR, 0xC0), W(IER, UART_IER_ERBFI), IN('1'), R(IIR, 0x04) } },
};

static void test_trigger_levels(void **state)
{
    (void)state;
    RUN_TABLE(trigger_cases);
}

/* ---- line status: overrun, break, priorities --------------------------------------------- */

static const struct tcase lsr_cases[] = {
    { "line status above received data", .s = {
        W(MCR, OUT2), W(IER, 0x0F), W(FCR, 0x01), R(IIR, 0xC2), IN('a'), R(IIR, 0xC4),
        IN('b'), IN('c'), IN('d'), IN('e'), IN('f'), IN('g'), IN('h'), IN('i'), IN('j'),
        IN('k'), IN('l'), IN('m'), IN('n'), IN('o'), IN('p'), IN_RC('q', E2BIG), R(IIR, 0xC6),
        R(IIR, 0xC6), LEVEL(1), R(LSR, 0x63), R(IIR, 0xC4), R(LSR, 0x61) } },
    { "overrun without ELSI: no line-status interrupt, OE still shown", .s = {
        W(IER, UART_IER_ERBFI), IN('a'), IN_RC('b', E2BIG), R(IIR, 0x04), R(LSR, 0x63),
        R(LSR, 0x61) } },
    { "line status alone (ERBFI off)", .s = {
        W(MCR, OUT2), W(IER, UART_IER_ELSI), IN('a'), R(IIR, 0x01), LEVEL(0),
        IN_RC('b', E2BIG), R(IIR, 0x06), LEVEL(1), R(LSR, 0x63), R(IIR, 0x01), LEVEL(0),
        R(RBR, 'a') } },
    { "break, FIFO on: BI|FE with the byte, FIFO error bit", .s = {
        W(FCR, 0x01), W(IER, UART_IER_ELSI | UART_IER_ERBFI), BRK(0), R(IIR, 0xC6),
        R(LSR, 0xF9), R(IIR, 0xC4), R(LSR, 0xE1), R(RBR, 0x00), R(LSR, IDLE),
        R(IIR, 0xC1) } },
    { "break behind a byte is revealed when it reaches the top", .s = {
        W(FCR, 0x01), W(IER, UART_IER_ELSI), IN('a'), BRK(0), IN('b'), R(IIR, 0xC1),
        R(LSR, 0xE1), R(RBR, 'a'), R(IIR, 0xC6), R(LSR, 0xF9), R(LSR, 0xE1), R(RBR, 0x00),
        R(LSR, 0x61), R(RBR, 'b'), R(LSR, IDLE) } },
    { "break, FIFO off: no FIFO error bit", .s = {
        BRK(0), R(LSR, 0x79), R(LSR, 0x61), R(RBR, 0), BRK(0), BRK(E2BIG), R(LSR, 0x7B) } },
    { "LSR and MSR writes are ignored", .s = {
        IN('a'), W(LSR, 0xFF), W(LSR, 0x00), R(LSR, 0x61), W(MSR, 0xFF), R(MSR, 0xB0) } },
};

static void test_line_status(void **state)
{
    (void)state;
    RUN_TABLE(lsr_cases);
}

/* ---- modem status ------------------------------------------------------------------------ */

static const struct tcase msr_cases[] = {
    { "CTS drop: DCTS and modem status interrupt", .s = {
        W(MCR, OUT2), W(IER, UART_IER_EDSSI), MODEM(0xA0), LEVEL(1), R(IIR, 0x00),
        R(MSR, 0xA1), LEVEL(0), R(IIR, 0x01), R(MSR, 0xA0) } },
    { "each line's delta", .s = {
        MODEM(0x90), R(MSR, 0x92), MODEM(0x10), R(MSR, 0x18), MODEM(0x00), R(MSR, 0x01),
        MODEM(0x40), R(MSR, 0x40), MODEM(0x00), R(MSR, 0x04), MODEM(0xF0), R(MSR, 0xFB) } },
    { "RI: only the trailing edge counts", .s = {
        MODEM(0xF0), R(MSR, 0xF0), MODEM(0xB0), R(MSR, 0xB4), R(MSR, 0xB0) } },
    { "deltas accumulate until read; bits 7:4 are current", .s = {
        MODEM(0x00), MODEM(0xB0), R(MSR, 0xBB), MODEM(0xB0), R(MSR, 0xB0) } },
    { "EDSSI off: deltas latch, no interrupt", .s = {
        W(MCR, OUT2), MODEM(0x30), R(IIR, 0x01), LEVEL(0), W(IER, UART_IER_EDSSI),
        R(IIR, 0x00), LEVEL(1), R(MSR, 0x38), LEVEL(0), CALLS(2) } },
    { "modem status is the lowest priority", .s = {
        W(IER, UART_IER_EDSSI | UART_IER_ETBEI), MODEM(0xA0), R(IIR, 0x02), R(IIR, 0x00),
        R(IIR, 0x00), R(MSR, 0xA1), R(IIR, 0x01) } },
    { "inputs set during loopback show after it", .s = {
        W(MCR, LOOP), MODEM(0x00), R(MSR, 0x00), W(MCR, 0), R(MSR, 0x00), MODEM(0x80),
        R(MSR, 0x88) } },
};

static void test_modem_status(void **state)
{
    (void)state;
    RUN_TABLE(msr_cases);
}

/* ---- loopback ------------------------------------------------------------------------------ */

static const struct tcase loop_cases[] = {
    { "TX goes to RX, not the console", .s = {
        W(FCR, 0x01), W(MCR, LOOP), W(THR, 'h'), W(THR, 'i'), R(LSR, 0x61), R(RBR, 'h'),
        R(RBR, 'i'), R(LSR, IDLE), OUT(""), W(MCR, 0), W(THR, 'k'), OUT("k\n"),
        R(LSR, IDLE) } },
    { "FIFO off: second looped byte overruns", .s = {
        W(MCR, LOOP), W(THR, '1'), W(THR, '2'), R(LSR, 0x63), R(RBR, '1'), R(LSR, IDLE) } },
    { "serial input disconnected", .s = {
        W(MCR, LOOP), SPACE(0), IN_RC('z', EBUSY), BRK(EBUSY), R(LSR, IDLE), W(MCR, 0),
        SPACE(1), IN('z'), R(RBR, 'z') } },
    { "MSR mirrors MCR (entering loopback: no deltas)", .s = {
        W(MCR, LOOP), R(MSR, 0x00), W(MCR, LOOP | UART_MCR_DTR), R(MSR, 0x22),
        W(MCR, LOOP | UART_MCR_RTS), R(MSR, 0x13), W(MCR, LOOP | UART_MCR_OUT1),
        R(MSR, 0x41), W(MCR, LOOP | OUT2), R(MSR, 0x8C), W(MCR, LOOP | 0x0F), R(MSR, 0xF3),
        W(MCR, 0x0F), R(MSR, 0xB0), W(MCR, LOOP | 0x0A), R(MSR, 0x90) } },
    { "loopback interrupts: pending, gate closed until loopback ends", .s = {
        W(IER, UART_IER_ERBFI | UART_IER_EDSSI), W(MCR, LOOP | OUT2), W(THR, 'q'),
        R(IIR, 0x04), LEVEL(0), W(MCR, LOOP | OUT2 | UART_MCR_DTR), W(MCR, OUT2), LEVEL(1),
        R(RBR, 'q'), R(IIR, 0x00), R(MSR, 0xB0 | UART_MSR_DDSR), LEVEL(0), CALLS(2) } },
    { "THRE still works in loopback", .s = {
        W(MCR, LOOP), W(IER, UART_IER_ETBEI), R(IIR, 0x02), W(THR, 'x'), R(IIR, 0x02),
        R(RBR, 'x') } },
    { "word length applies to looped bytes", .s = {
        W(MCR, LOOP), W(LCR, 0x02), W(THR, 0xFF), W(LCR, 0x03), R(RBR, 0x7F) } },
};

static void test_loopback(void **state)
{
    (void)state;
    RUN_TABLE(loop_cases);
}

/* ---- FCR ------------------------------------------------------------------------------------ */

static const struct tcase fcr_cases[] = {
    { "clear RX keeps the FIFO on", .s = {
        W(FCR, 0x01), W(IER, UART_IER_ERBFI), IN('a'), IN('b'), IN('c'), W(FCR, 0x03),
        R(LSR, IDLE), R(IIR, 0xC1), SPACE(16), IN('d'), R(RBR, 'd') } },
    { "clear TX leaves RX alone", .s = {
        W(FCR, 0x01), IN('a'), W(FCR, 0x05), R(LSR, 0x61), R(RBR, 'a') } },
    { "disabling the FIFOs empties them", .s = {
        W(FCR, 0x01), IN('a'), IN('b'), W(FCR, 0x00), R(LSR, IDLE), SPACE(1), R(IIR, 0x01) } },
    { "enabling the FIFOs empties the holding register", .s = {
        IN('a'), W(FCR, 0x01), R(LSR, IDLE), SPACE(16) } },
    { "rewriting FCR enabled keeps the data", .s = {
        W(FCR, 0x01), IN('a'), W(FCR, 0xC1), R(LSR, 0x61), R(RBR, 'a') } },
    { "FCR bits need FCR0: trigger not programmed with FIFOs off", .s = {
        W(FCR, 0xC0), R(IIR, 0x01), W(FCR, 0x01), W(IER, UART_IER_ERBFI), IN('a'),
        R(IIR, 0xC4) } },
    { "clear RX with FCR0 = 0 disables and empties", .s = {
        W(FCR, 0x01), IN('a'), W(FCR, 0x02), R(IIR, 0x01), R(LSR, IDLE) } },
    { "FCR is written whatever DLAB is", .s = {
        W(LCR, 0x80), W(FCR, 0x01), R(IIR, 0xC1), W(LCR, 0x03), R(IIR, 0xC1), R(DLL, 0),
        W(LCR, 0x83), R(DLL, 1) } },
    { "no 64-byte FIFO bit (IIR bit 5) or other stray IIR bits", .s = {
        W(FCR, 0x3F), R(IIR, 0xC1), W(FCR, 0xFF), R(IIR, 0xC1) } },
};

static void test_fcr(void **state)
{
    (void)state;
    RUN_TABLE(fcr_cases);
}

/* ---- DLAB ----------------------------------------------------------------------------------- */

static const struct tcase dlab_cases[] = {
    { "offsets 0 and 1 are the divisor latch", .s = {
        W(IER, 0x05), W(LCR, 0x83), W(DLL, 0x0C), W(DLM, 0x03), R(DLL, 0x0C), R(DLM, 0x03),
        W(LCR, 0x03), R(IER, 0x05), W(LCR, 0x83), R(DLL, 0x0C), R(DLM, 0x03), OUT("") } },
    { "RBR is not consumed under DLAB", .s = {
        IN('a'), W(LCR, 0x80), R(DLL, 1), R(LSR, 0x61), W(LCR, 0x03), R(RBR, 'a'),
        R(LSR, IDLE) } },
    { "a DLM write does not touch IER or raise THRE", .s = {
        W(LCR, 0x80), W(DLM, 0x02), W(LCR, 0x03), R(IER, 0), R(IIR, 0x01), W(LCR, 0x80),
        R(DLM, 0x02) } },
    { "IIR, LCR, MCR, LSR, MSR, SCR are the same under DLAB", .s = {
        W(LCR, 0x80), R(IIR, 0x01), R(LCR, 0x80), W(MCR, 0x03), R(MCR, 0x03), R(LSR, IDLE),
        R(MSR, 0xB0), W(SCR, 0x77), R(SCR, 0x77) } },
};

static void test_dlab(void **state)
{
    (void)state;
    RUN_TABLE(dlab_cases);
}

/* ---- access widths and offsets --------------------------------------------------------- */

static void test_access(void **state)
{
    (void)state;
    static const struct { unsigned off, size; uint64_t want; } cases[] = {
        { UART_LSR, 1, 0x60 },
        { UART_LSR, 2, 0xFF60 },
        { UART_LSR, 4, 0xFFFFFF60 },
        { UART_LSR, 8, 0xFFFFFFFFFFFFFF60ULL },
        { UART_IIR, 2, 0xFF01 },
        { UART_MSR, 4, 0xFFFFFFB0 },
    };
    static struct env env;
    struct env *e = &env;
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        uint64_t v = 0;
        env_init(e, true);
        assert_int_equal(vuart16550_read(&e->u, cases[i].off, cases[i].size, &v), 0);
        if (v != cases[i].want)
            fail_msg("access case %zu (reg %u size %u): 0x%llx, want 0x%llx", i, cases[i].off,
                     cases[i].size, (unsigned long long)v, (unsigned long long)cases[i].want);
    }
    /* a wide write sends only the low byte */
    env_init(e, true);
    assert_int_equal(vuart16550_write(&e->u, UART_THR, 4, 0x41424344), 0);
    vconsole_flush(&e->con);
    assert_string_equal(e->text, "D\n");
    /* offsets past the 8 ports are refused */
    uint64_t v = 0;
    assert_int_equal(vuart16550_read(&e->u, 8, 1, &v), -HV_EINVAL);
    assert_int_equal(v, 0xFF);
    assert_int_equal(vuart16550_write(&e->u, 8, 1, 0), -HV_EINVAL);
}

/* ---- driver flows ------------------------------------------------------------------------ */

/* An edge-triggered PIC input: a rising edge requests one interrupt. */
static bool pic_take(struct env *e, unsigned *taken)
{
    if (e->rises == *taken)
        return false;
    *taken = e->rises;
    return true;
}

/* Linux's interrupt-driven output (serial8250_start_tx / handle_irq /
 * tx_chars / __stop_tx) behind an edge-triggered PIC: every byte of a long
 * write must come out, and the driver must end with ETBEI off. */
static void test_linux_tx_flow(void **state)
{
    (void)state;
    static const unsigned lengths[] = { 1, 15, 16, 17, 100, 1000 };
    static struct env env;
    static char buf[1100], want[1100 + 1100 / 60 + 2];
    struct env *e = &env;

    for (size_t ci = 0; ci < ARRAY_SIZE(lengths); ci++) {
        unsigned len = lengths[ci], sent = 0, taken = 0, irqs = 0, w = 0;
        env_init(e, true);
        for (unsigned i = 0; i < len; i++) {
            buf[i] = (i % 60 == 59) ? '\n' : (char)('a' + i % 26);
            want[w++] = buf[i];
        }
        if (buf[len - 1] != '\n')
            want[w++] = '\n';               /* the flush ends the partial line */
        want[w] = '\0';
        /* startup */
        wr(e, UART_FCR, 0x07);
        wr(e, UART_FCR, 0x81);
        wr(e, UART_LCR, 0x03);
        wr(e, UART_MCR, OUT2 | UART_MCR_DTR | UART_MCR_RTS);
        wr(e, UART_IER, UART_IER_ERBFI | UART_IER_ELSI);
        /* start_tx */
        wr(e, UART_IER, rd(e, UART_IER) | UART_IER_ETBEI);
        while (pic_take(e, &taken)) {
            irqs++;
            if (irqs > 10 * len + 10)
                fail_msg("tx flow case %zu: interrupt storm", ci);
            /* handle_irq, looping like serial8250_interrupt (PASS_LIMIT 512) */
            for (unsigned pass = 0; pass < 512; pass++) {
                uint8_t iir = rd(e, UART_IIR);
                if (iir & UART_IIR_NO_INT)
                    break;
                uint8_t lsr = rd(e, UART_LSR);
                if (lsr & UART_LSR_DR)
                    fail_msg("tx flow case %zu: unexpected receive", ci);
                if ((lsr & UART_LSR_THRE) && (rd(e, UART_IER) & UART_IER_ETBEI)) {
                    for (unsigned n = 0; n < 16 && sent < len; n++)
                        wr(e, UART_THR, (uint8_t)buf[sent++]);
                    if (sent == len)
                        wr(e, UART_IER, rd(e, UART_IER) & ~UART_IER_ETBEI);
                }
            }
        }
        if (sent != len)
            fail_msg("tx flow case %zu (len %u): sent %u bytes, output stalled", ci, len, sent);
        vconsole_flush(&e->con);
        if (strcmp(e->text, want) != 0)
            fail_msg("tx flow case %zu (len %u): output differs", ci, len);
        if (e->level || rd(e, UART_IIR) != 0xC1)
            fail_msg("tx flow case %zu: interrupt left pending", ci);
        if (e->redundant)
            fail_msg("tx flow case %zu: redundant virq_set", ci);
    }
}

/* Interrupt-driven input: the VM layer feeds while there is room, the driver
 * drains on each interrupt (serial8250_rx_chars: read while LSR.DR). */
static void test_linux_rx_flow(void **state)
{
    (void)state;
    static const uint8_t fcrs[] = { 0x00, 0x01, 0x41, 0x81, 0xC1 };
    static const char input[] = "the quick brown fox jumps over the lazy dog 0123456789";
    static struct env env;
    struct env *e = &env;

    for (size_t ci = 0; ci < ARRAY_SIZE(fcrs); ci++) {
        char got[sizeof(input)] = { 0 };
        unsigned fed = 0, n = 0, taken = 0, rounds = 0;
        env_init(e, true);
        wr(e, UART_FCR, fcrs[ci] | UART_FCR_CLEAR_RX);
        wr(e, UART_MCR, OUT2 | UART_MCR_DTR | UART_MCR_RTS);
        wr(e, UART_IER, UART_IER_ERBFI | UART_IER_ELSI);
        while (n < sizeof(input) - 1) {
            if (++rounds > 1000)
                fail_msg("rx flow case %zu (FCR 0x%02x): stalled at %u bytes", ci, fcrs[ci], n);
            /* VM layer: feed up to 5 bytes per round, never overrunning */
            for (unsigned k = 0; k < 5 && fed < sizeof(input) - 1 &&
                                 vuart16550_rx_ready(&e->u); k++)
                assert_int_equal(vuart16550_receive(&e->u, (uint8_t)input[fed++]), 0);
            if (!pic_take(e, &taken))
                continue;
            for (;;) {
                uint8_t iir = rd(e, UART_IIR);
                if (iir & UART_IIR_NO_INT)
                    break;
                if ((iir & 0x0F) == UART_IIR_RLS)
                    fail_msg("rx flow case %zu: line status error", ci);
                while (rd(e, UART_LSR) & UART_LSR_DR)
                    got[n++] = (char)rd(e, UART_RBR);
            }
        }
        if (strcmp(got, input) != 0)
            fail_msg("rx flow case %zu (FCR 0x%02x): got \"%s\"", ci, fcrs[ci], got);
        if (e->level || e->u.overruns)
            fail_msg("rx flow case %zu: level %d overruns %llu", ci, e->level,
                     (unsigned long long)e->u.overruns);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_probe),
        cmocka_unit_test(test_transmit),
        cmocka_unit_test(test_irq_line),
        cmocka_unit_test(test_set_irq),
        cmocka_unit_test(test_receive),
        cmocka_unit_test(test_trigger_levels),
        cmocka_unit_test(test_line_status),
        cmocka_unit_test(test_modem_status),
        cmocka_unit_test(test_loopback),
        cmocka_unit_test(test_fcr),
        cmocka_unit_test(test_dlab),
        cmocka_unit_test(test_access),
        cmocka_unit_test(test_linux_tx_flow),
        cmocka_unit_test(test_linux_rx_flow),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
