/*
 * Shared by the libFuzzer harnesses (tests/fuzz/fuzz_*.c): a reader that
 * turns the fuzz input into numbers (zeros once it runs out, so every input
 * is a valid script), and CHECK, which reports a broken invariant and aborts
 * so that libFuzzer keeps the input as a finding.
 */
#ifndef TESTS_FUZZ_FUZZ_H
#define TESTS_FUZZ_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct fuzz_in {
    const uint8_t *data;
    size_t size;
    size_t pos;
};

static inline int fuzz_left(const struct fuzz_in *in)
{
    return in->pos < in->size;
}

static inline uint64_t fuzz_bytes(struct fuzz_in *in, unsigned n)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < n; i++)
        v |= (uint64_t)(in->pos < in->size ? in->data[in->pos++] : 0) << (8 * i);
    return v;
}

static inline uint8_t fuzz_u8(struct fuzz_in *in) { return (uint8_t)fuzz_bytes(in, 1); }
static inline uint16_t fuzz_u16(struct fuzz_in *in) { return (uint16_t)fuzz_bytes(in, 2); }
static inline uint32_t fuzz_u32(struct fuzz_in *in) { return (uint32_t)fuzz_bytes(in, 4); }
static inline uint64_t fuzz_u64(struct fuzz_in *in) { return fuzz_bytes(in, 8); }

/* An access size of 1, 2, 4 or (with max 8) 8 bytes. */
static inline unsigned fuzz_size(struct fuzz_in *in, unsigned max)
{
    unsigned s = 1u << (fuzz_u8(in) & 3);
    return s > max ? max : s;
}

/* A settable clock for the device models' struct vclock. */
static uint64_t fuzz_clock_ns;
static inline uint64_t fuzz_now_ns(void *ctx)
{
    (void)ctx;
    return fuzz_clock_ns;
}

#define CHECK(cond, ...) do {                                               \
    if (!(cond)) {                                                          \
        fprintf(stderr, "%s:%d: invariant broken: %s: ", __FILE__, __LINE__, #cond); \
        fprintf(stderr, __VA_ARGS__);                                       \
        fputc('\n', stderr);                                                \
        abort();                                                            \
    }                                                                       \
} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
