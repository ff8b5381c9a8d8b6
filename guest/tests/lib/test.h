/*
 * Reporting results: every check prints one line,
 *     PASS <test>: <what was checked, with the values seen>
 *     FAIL <test>: <what was checked>: expected <x>, got <y>
 * and test_end prints the final line, "PASS <test>: all checks passed (N)"
 * or "FAIL <test>: K of N checks failed", and returns main's exit value.
 */
#ifndef GUEST_LIB_TEST_H
#define GUEST_LIB_TEST_H

#include <stdbool.h>
#include <stdint.h>

void test_begin(const char *name);
const char *test_name(void);

/* One check; the message says what was checked (printf format). */
void check(bool ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* One check that `got` equals `expected`; both printed in hex. */
void check_eq(const char *what, uint32_t got, uint32_t expected);
void check_eq64(const char *what, uint64_t got, uint64_t expected);

/* An informational line: "<test>: <text>". */
void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The final line; returns 0 if every check passed, else 1. */
int test_end(void);

/* Ends the guest through the debug-exit port 0xF4: the hypervisor (or
 * QEMU's isa-debug-exit) reports exit status (status << 1) | 1. */
#define DEBUG_EXIT_PORT  0xF4u
__attribute__((noreturn)) void guest_exit(uint32_t status);

#endif
