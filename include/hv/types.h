/*
 * Basic types shared by the hypervisor and its host unit tests.
 * Freestanding: only the compiler's own headers are used.
 */
#ifndef HV_TYPES_H
#define HV_TYPES_H

#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdarg.h>

typedef uint64_t gpa_t;   /* guest-physical address */
typedef uint64_t gva_t;   /* guest-virtual address */
typedef uint64_t hpa_t;   /* host-physical address */

#define BIT(n)            (1ULL << (n))
#define ARRAY_SIZE(a)     (sizeof(a) / sizeof((a)[0]))
#define ALIGN_UP(x, a)    (((x) + ((a) - 1)) & ~((uint64_t)(a) - 1))
#define ALIGN_DOWN(x, a)  ((x) & ~((uint64_t)(a) - 1))
#define IS_ALIGNED(x, a)  (((x) & ((uint64_t)(a) - 1)) == 0)
#define MIN(a, b)         ((a) < (b) ? (a) : (b))
#define MAX(a, b)         ((a) > (b) ? (a) : (b))

#define KiB(x) ((uint64_t)(x) << 10)
#define MiB(x) ((uint64_t)(x) << 20)
#define GiB(x) ((uint64_t)(x) << 30)

#define PAGE_SIZE   4096ULL
#define PAGE_SHIFT  12
#define LARGE_PAGE_SIZE (2ULL << 20)

#define __packed       __attribute__((packed))
#define __noreturn     __attribute__((noreturn))
#define __must_check   __attribute__((warn_unused_result))
#define __printf(a, b) __attribute__((format(printf, a, b)))
#define likely(x)      __builtin_expect(!!(x), 1)
#define unlikely(x)    __builtin_expect(!!(x), 0)

#endif
