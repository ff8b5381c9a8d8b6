/*
 * Host tests for drivers/hw/kbd_set1.c: scan code set 1 sequences as a
 * keyboard sends them (make, then break = make | 0x80; 0xE0 prefixes) must
 * give the bytes a serial terminal would send.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "drivers/hw/kbd_set1.h"

static struct kbd_set1 K;

/* Feed the codes; returns everything produced, NUL-terminated. */
static const char *feed(const uint8_t *codes, size_t n)
{
    static char buf[256];
    size_t len = 0;
    for (size_t i = 0; i < n; i++) {
        char out[KBD_OUT_MAX];
        size_t m = kbd_set1_feed(&K, codes[i], out);
        assert_true(m <= KBD_OUT_MAX);
        memcpy(buf + len, out, m);
        len += m;
    }
    buf[len] = 0;
    return buf;
}

#define FEED(...) feed((const uint8_t[]){ __VA_ARGS__ }, sizeof((const uint8_t[]){ __VA_ARGS__ }))

/* press and release one key */
#define TAP(c) (c), (uint8_t)((c) | 0x80)

enum { A = 0x1E, B = 0x30, C = 0x2E, H = 0x23, I = 0x17, Z = 0x2C, K1 = 0x02, K0 = 0x0B,
       MINUS = 0x0C, SLASH = 0x35, LBRACKET = 0x1A, SPACE = 0x39, ENTER = 0x1C, BS = 0x0E,
       TAB = 0x0F, ESCK = 0x01, LSHIFT = 0x2A, RSHIFT = 0x36, CTRL = 0x1D, CAPS = 0x3A,
       ALT = 0x38, F1 = 0x3B };

static void setup_k(void) { kbd_set1_init(&K); }

static void test_plain_keys(void **state)
{
    (void)state;
    setup_k();
    assert_string_equal(FEED(TAP(H), TAP(I), TAP(SPACE), TAP(K1), TAP(K0), TAP(MINUS),
                             TAP(SLASH), TAP(LBRACKET)), "hi 10-/[");
    assert_string_equal(FEED(TAP(ENTER), TAP(TAB), TAP(BS), TAP(ESCK)), "\r\t\x7f\x1b");
    /* keys without a byte: Alt, F1, a release alone */
    assert_string_equal(FEED(TAP(ALT), TAP(F1), 0x9E), "");
    /* holding a key repeats its make code */
    assert_string_equal(FEED(A, A, A, 0x9E), "aaa");
}

static void test_shift(void **state)
{
    (void)state;
    setup_k();
    assert_string_equal(FEED(LSHIFT, TAP(H), TAP(K1), TAP(SLASH), 0xAA, TAP(I)), "H!?i");
    assert_string_equal(FEED(RSHIFT, TAP(A), TAP(MINUS), 0xB6, TAP(A)), "A_a");
    /* both Shifts: one released, the other still held */
    assert_string_equal(FEED(LSHIFT, RSHIFT, 0xAA, TAP(Z), 0xB6, TAP(Z)), "Zz");
    /* E0 2A / E0 AA (sent around arrow keys) is not a Shift */
    assert_string_equal(FEED(0xE0, 0x2A, TAP(A), 0xE0, 0xAA), "a");
}

static void test_caps_lock(void **state)
{
    (void)state;
    setup_k();
    assert_string_equal(FEED(TAP(CAPS), TAP(A), TAP(K1), TAP(SLASH)), "A1/");
    /* Shift inverts Caps Lock for letters only */
    assert_string_equal(FEED(LSHIFT, TAP(A), TAP(K1), 0xAA), "a!");
    /* holding Caps Lock (repeated make codes) does not toggle again... */
    assert_string_equal(FEED(CAPS, CAPS, 0xBA, TAP(B)), "b");
    /* ...and a release alone does not toggle */
    assert_string_equal(FEED(0xBA, TAP(B)), "b");
}

static void test_ctrl(void **state)
{
    (void)state;
    setup_k();
    assert_string_equal(FEED(CTRL, TAP(A), TAP(C), TAP(Z), 0x9D, TAP(A)), "\x01\x03\x1a" "a");
    /* right Ctrl (E0 1D) too, with Shift or Caps Lock: still control codes */
    assert_string_equal(FEED(0xE0, CTRL, LSHIFT, TAP(A), 0xAA, 0xE0, 0x9D, TAP(A)), "\x01" "a");
    assert_string_equal(FEED(CTRL, TAP(LBRACKET), 0x9D), "\x1b");
    /* Ctrl-A then 0 / 1: the console's input switch */
    assert_string_equal(FEED(CTRL, TAP(A), 0x9D, TAP(K0)), "\x01" "0");
}

static void test_extended(void **state)
{
    (void)state;
    setup_k();
    assert_string_equal(FEED(0xE0, 0x48, 0xE0, 0xC8, 0xE0, 0x50, 0xE0, 0xD0, 0xE0, 0x4D,
                             0xE0, 0xCD, 0xE0, 0x4B, 0xE0, 0xCB),
                        "\x1b[A\x1b[B\x1b[C\x1b[D");
    assert_string_equal(FEED(0xE0, 0x1C, 0xE0, 0x9C, 0xE0, 0x35, 0xE0, 0xB5), "\r/");
    /* other E0 keys (Home, Insert, right Alt ...) give nothing; E0 applies to
     * one code only */
    assert_string_equal(FEED(0xE0, 0x47, 0xE0, 0xC7, 0xE0, 0x38, 0xE0, 0xB8, TAP(A)), "a");
    /* Pause: E1 1D 45 E1 9D C5 gives nothing and leaves no Ctrl held */
    assert_string_equal(FEED(0xE1, 0x1D, 0x45, 0xE1, 0x9D, 0xC5, TAP(A)), "a");
    /* error, ACK and resend bytes give nothing */
    assert_string_equal(FEED(0x00, 0xFF, 0xFA, 0xFE, TAP(B)), "b");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_keys),
        cmocka_unit_test(test_shift),
        cmocka_unit_test(test_caps_lock),
        cmocka_unit_test(test_ctrl),
        cmocka_unit_test(test_extended),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
