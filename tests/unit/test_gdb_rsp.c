/*
 * Host tests for lib/gdb_rsp.c: packet framing (checksums, acks, Ctrl-C,
 * damaged and cut packets, escapes), hex helpers, the command parser and
 * the i386/amd64 register layouts gdb expects in a 'g' reply.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <hv/gdb_rsp.h>

/* Feed s; returns the last event that was not RSP_EV_NONE. */
static enum rsp_event feed(struct rsp_rx *rx, const char *s)
{
    enum rsp_event last = RSP_EV_NONE;
    for (; *s; s++) {
        enum rsp_event e = rsp_rx_byte(rx, (uint8_t)*s);
        if (e != RSP_EV_NONE)
            last = e;
    }
    return last;
}

static void test_good_packet(void **state)
{
    (void)state;
    struct rsp_rx rx;
    rsp_rx_init(&rx);
    /* "g" sums to 0x67 */
    assert_int_equal(feed(&rx, "$g#67"), RSP_EV_PACKET);
    assert_int_equal(rx.len, 1);
    assert_string_equal(rx.buf, "g");
    /* the checksum of "qSupported", and upper-case digits */
    assert_int_equal(rsp_checksum("qSupported", 10), 0x37);
    assert_int_equal(feed(&rx, "$qSupported#37"), RSP_EV_PACKET);
    assert_string_equal(rx.buf, "qSupported");
    assert_int_equal(feed(&rx, "$m100010,4#EF"), RSP_EV_PACKET);
    assert_string_equal(rx.buf, "m100010,4");
}

static void test_acks_interrupt_and_noise(void **state)
{
    (void)state;
    struct rsp_rx rx;
    rsp_rx_init(&rx);
    assert_int_equal(rsp_rx_byte(&rx, '+'), RSP_EV_ACK);
    assert_int_equal(rsp_rx_byte(&rx, '-'), RSP_EV_NAK);
    assert_int_equal(rsp_rx_byte(&rx, 0x03), RSP_EV_INTERRUPT);
    assert_int_equal(feed(&rx, "garbage\r\n"), RSP_EV_NONE);
    /* inside a packet, '+' and 0x03 are data */
    assert_int_equal(feed(&rx, "$a+#8c"), RSP_EV_PACKET);
    assert_string_equal(rx.buf, "a+");
}

static void test_bad_packets(void **state)
{
    (void)state;
    struct rsp_rx rx;
    rsp_rx_init(&rx);
    assert_int_equal(feed(&rx, "$g#68"), RSP_EV_BAD_CHECKSUM);
    assert_int_equal(feed(&rx, "$g#6x"), RSP_EV_BAD_CHECKSUM);
    /* a '$' restarts a cut packet */
    assert_int_equal(feed(&rx, "$mxx$g#67"), RSP_EV_PACKET);
    assert_string_equal(rx.buf, "g");
    /* too long: nakked, and the next one is fine */
    static char big[RSP_PACKET_MAX + 16];
    big[0] = '$';
    memset(big + 1, 'a', RSP_PACKET_MAX + 5);
    uint8_t sum = (uint8_t)('a' * (RSP_PACKET_MAX + 5));
    snprintf(big + RSP_PACKET_MAX + 6, 8, "#%02x", sum);
    assert_int_equal(feed(&rx, big), RSP_EV_BAD_CHECKSUM);
    assert_int_equal(feed(&rx, "$?#3f"), RSP_EV_PACKET);
}

static void test_frame(void **state)
{
    (void)state;
    char out[64];
    size_t n = rsp_frame(out, sizeof(out), "OK", 2);
    out[n] = '\0';
    assert_string_equal(out, "$OK#9a");
    n = rsp_frame(out, sizeof(out), "", 0);
    out[n] = '\0';
    assert_string_equal(out, "$#00");
    /* '#', '$', '}' and '*' are escaped: '}' then the byte XOR 0x20 */
    n = rsp_frame(out, sizeof(out), "a#b", 3);
    out[n] = '\0';
    assert_string_equal(out, "$a}\x03" "b#43");
    /* the framed packet reads back through the receiver... */
    struct rsp_rx rx;
    rsp_rx_init(&rx);
    n = rsp_frame(out, sizeof(out), "T05swbreak:;", 12);
    out[n] = '\0';
    assert_int_equal(feed(&rx, out), RSP_EV_PACKET);
    assert_string_equal(rx.buf, "T05swbreak:;");
    /* ...and too small a buffer gives 0 */
    assert_int_equal(rsp_frame(out, 5, "OK", 2), 0);
}

static void test_hex(void **state)
{
    (void)state;
    char hex[9] = { 0 };
    uint8_t b[4] = { 0xde, 0xad, 0x00, 0x7f }, back[4];
    rsp_hex_encode(hex, b, 4);
    assert_string_equal(hex, "dead007f");
    assert_int_equal(rsp_hex_decode(back, "DEad007f", 4), 0);
    assert_memory_equal(back, b, 4);
    assert_int_equal(rsp_hex_decode(back, "zz", 1), -1);
    assert_int_equal(rsp_hex_digit('g'), -1);
}

static struct rsp_cmd parse(const char *s)
{
    struct rsp_cmd c;
    rsp_parse(s, strlen(s), &c);
    return c;
}

static void test_parse(void **state)
{
    (void)state;
    struct rsp_cmd c;
    assert_int_equal(parse("?").kind, RSP_CMD_STATUS);
    assert_int_equal(parse("g").kind, RSP_CMD_READ_REGS);
    c = parse("p8");
    assert_int_equal(c.kind, RSP_CMD_READ_REG);
    assert_int_equal(c.reg, 8);
    c = parse("m100010,40");
    assert_int_equal(c.kind, RSP_CMD_READ_MEM);
    assert_int_equal(c.addr, 0x100010);
    assert_int_equal(c.len, 0x40);
    c = parse("Mffffffff80001000,2:cc90");
    assert_int_equal(c.kind, RSP_CMD_WRITE_MEM);
    assert_true(c.addr == 0xffffffff80001000ULL);
    assert_int_equal(c.len, 2);
    assert_memory_equal(c.data, "cc90", 4);
    assert_int_equal(parse("M10,2:cc").kind, RSP_CMD_BAD);      /* data too short */
    assert_int_equal(parse("m10").kind, RSP_CMD_BAD);
    assert_int_equal(parse("m,4").kind, RSP_CMD_BAD);
    assert_int_equal(parse("m12345678901234567,4").kind, RSP_CMD_BAD);   /* > 64 bits */
    c = parse("c");
    assert_int_equal(c.kind, RSP_CMD_CONTINUE);
    assert_false(c.has_addr);
    c = parse("s100020");
    assert_int_equal(c.kind, RSP_CMD_STEP);
    assert_true(c.has_addr);
    assert_int_equal(c.addr, 0x100020);
    c = parse("P8=15001000");
    assert_int_equal(c.kind, RSP_CMD_WRITE_REG);
    assert_int_equal(c.reg, 8);
    assert_int_equal(c.len, 4);
    assert_memory_equal(c.data, "15001000", 8);
    assert_int_equal(parse("P8=150").kind, RSP_CMD_BAD);
    assert_int_equal(parse("P8").kind, RSP_CMD_BAD);
    assert_int_equal(parse("P8=112233445566778899").kind, RSP_CMD_BAD);
    c = parse("C04");
    assert_int_equal(c.kind, RSP_CMD_CONTINUE);
    assert_int_equal(c.signal, 4);
    assert_false(c.has_addr);
    c = parse("S0b;100020");
    assert_int_equal(c.kind, RSP_CMD_STEP);
    assert_int_equal(c.signal, 11);
    assert_true(c.has_addr);
    assert_int_equal(c.addr, 0x100020);
    assert_int_equal(parse("C").kind, RSP_CMD_BAD);
    assert_int_equal(parse("C04,10").kind, RSP_CMD_BAD);
    assert_int_equal(parse("c").signal, 0);
    c = parse("Z0,100010,1");
    assert_int_equal(c.kind, RSP_CMD_BREAK_INSERT);
    assert_int_equal(c.type, 0);
    assert_int_equal(c.addr, 0x100010);
    assert_int_equal(c.len, 1);
    c = parse("z1,200,1");
    assert_int_equal(c.kind, RSP_CMD_BREAK_REMOVE);
    assert_int_equal(c.type, 1);
    assert_int_equal(parse("Z5,200,1").kind, RSP_CMD_BAD);
    assert_int_equal(parse("Z0,200,1;X1,0").kind, RSP_CMD_UNKNOWN);   /* conditions */
    assert_int_equal(parse("D").kind, RSP_CMD_DETACH);
    assert_int_equal(parse("D;1").kind, RSP_CMD_DETACH);
    assert_int_equal(parse("k").kind, RSP_CMD_KILL);
    assert_int_equal(parse("Hg0").kind, RSP_CMD_SET_THREAD);
    assert_int_equal(parse("qSupported:multiprocess+;swbreak+").kind, RSP_CMD_QUERY_SUPPORTED);
    assert_int_equal(parse("qAttached").kind, RSP_CMD_QUERY_ATTACHED);
    assert_int_equal(parse("qSupportedX").kind, RSP_CMD_UNKNOWN);
    c = parse("qRcmd,6361746368206f6e");                 /* "catch on" */
    assert_int_equal(c.kind, RSP_CMD_MONITOR);
    assert_int_equal(c.len, 8);
    char text[9] = { 0 };
    assert_int_equal(rsp_hex_decode(text, c.data, c.len), 0);
    assert_string_equal(text, "catch on");
    assert_int_equal(parse("qRcmd,636").kind, RSP_CMD_BAD);
    assert_int_equal(parse("vMustReplyEmpty").kind, RSP_CMD_UNKNOWN);
    assert_int_equal(parse("").kind, RSP_CMD_UNKNOWN);
}

static struct rsp_x86_regs sample(void)
{
    struct rsp_x86_regs r;
    memset(&r, 0, sizeof(r));
    for (int i = 0; i < 16; i++)
        r.gpr[i] = (uint64_t)(i + 1) * 0x0101010101010101ULL;
    r.rip = 0xffffffff80100010ULL;
    r.rflags = 0x246;
    r.seg[0] = 0x08;
    r.seg[1] = 0x10;
    return r;
}

static void test_regs_i386(void **state)
{
    (void)state;
    struct rsp_x86_regs r = sample();
    char out[512];
    size_t n = rsp_encode_regs(out, &r, false, -1);
    assert_int_equal(n, 16 * 8);
    /* eax (gpr 0: 01..), ecx (02..), then esp (gpr 4), eip, eflags, cs, ss */
    assert_memory_equal(out, "01010101", 8);
    assert_memory_equal(out + 8, "02020202", 8);
    assert_memory_equal(out + 4 * 8, "05050505", 8);
    assert_memory_equal(out + 8 * 8, "10001080", 8);        /* eip, little endian */
    assert_memory_equal(out + 9 * 8, "46020000", 8);
    assert_memory_equal(out + 10 * 8, "08000000", 8);
    assert_memory_equal(out + 11 * 8, "10000000", 8);
    /* one register: p8 is eip */
    n = rsp_encode_regs(out, &r, false, 8);
    assert_int_equal(n, 8);
    assert_memory_equal(out, "10001080", 8);
    assert_int_equal(rsp_encode_regs(out, &r, false, 16), 0);
}

static void test_regs_amd64(void **state)
{
    (void)state;
    struct rsp_x86_regs r = sample();
    char out[512];
    size_t n = rsp_encode_regs(out, &r, true, -1);
    assert_int_equal(n, 17 * 16 + 7 * 8);
    /* rax rbx rcx rdx rsi rdi rbp rsp: gprs 0 3 1 2 6 7 5 4 */
    assert_memory_equal(out, "0101010101010101", 16);
    assert_memory_equal(out + 16, "0404040404040404", 16);
    assert_memory_equal(out + 2 * 16, "0202020202020202", 16);
    assert_memory_equal(out + 7 * 16, "0505050505050505", 16);
    assert_memory_equal(out + 15 * 16, "1010101010101010", 16);  /* r15 */
    assert_memory_equal(out + 16 * 16, "10001080ffffffff", 16);  /* rip */
    assert_memory_equal(out + 17 * 16, "46020000", 8);           /* eflags */
    assert_memory_equal(out + 17 * 16 + 8, "08000000", 8);       /* cs */
    n = rsp_encode_regs(out, &r, true, 16);
    assert_int_equal(n, 16);
    assert_memory_equal(out, "10001080ffffffff", 16);
    assert_int_equal(rsp_encode_regs(out, &r, true, 24), 0);
}

/* rsp_reg_slot agrees with the 'g' layout: register n encodes the slot's value. */
static void test_reg_slots(void **state)
{
    (void)state;
    struct rsp_x86_regs r = sample();
    for (int amd64 = 0; amd64 < 2; amd64++) {
        unsigned count = amd64 ? 24 : 16;
        for (unsigned n = 0; n < count; n++) {
            unsigned bytes;
            int slot = rsp_reg_slot(n, amd64, &bytes);
            assert_true(slot >= 0);
            uint64_t val = slot < 16 ? r.gpr[slot] : slot == RSP_SLOT_RIP ? r.rip :
                           slot == RSP_SLOT_RFLAGS ? r.rflags : r.seg[slot - RSP_SLOT_SEG];
            char want[17], got[17];
            uint8_t b[8];
            for (unsigned k = 0; k < 8; k++)
                b[k] = (uint8_t)(val >> (8 * k));
            rsp_hex_encode(want, b, bytes);
            assert_int_equal(rsp_encode_regs(got, &r, amd64, (int)n), 2 * bytes);
            assert_memory_equal(got, want, 2 * bytes);
        }
        unsigned bytes;
        assert_int_equal(rsp_reg_slot(count, amd64, &bytes), -1);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good_packet),
        cmocka_unit_test(test_acks_interrupt_and_noise),
        cmocka_unit_test(test_bad_packets),
        cmocka_unit_test(test_frame),
        cmocka_unit_test(test_hex),
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_regs_i386),
        cmocka_unit_test(test_regs_amd64),
        cmocka_unit_test(test_reg_slots),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
