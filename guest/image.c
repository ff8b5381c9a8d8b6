/*
 * The rules every loader shares: where image data may go in guest RAM and
 * how a refusal is worded. Used by guest/load_*.c and guest/elf_plan.c.
 */
#include "guest/image.h"
#include <hv/errno.h>
#include <hv/format.h>
#include <hv/string.h>

int loader_fail(char *err, size_t errlen, int code, const char *fmt, ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        fmt_vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return code;
}

size_t loader_strnlen(const char *s, size_t max)
{
    return s ? strnlen(s, max) : 0;
}

static uint64_t kib_round_up(uint64_t bytes)
{
    return bytes / 1024 + (bytes % 1024 != 0);
}

int loader_check_range(const struct guest_mem *mem, uint64_t gpa, uint64_t len,
                       const char *what, char *err, size_t errlen)
{
    if (len > UINT64_MAX - gpa)
        return loader_fail(err, errlen, -HV_EINVAL,
                           "%s: address 0x%llx + size 0x%llx wraps around",
                           what, (unsigned long long)gpa, (unsigned long long)len);
    uint64_t end = gpa + len;

    if (end > GUEST_PROT32_LIMIT)
        return loader_fail(err, errlen, -HV_EINVAL,
                           "%s: [0x%llx, 0x%llx) reaches above 4 GiB, out of reach "
                           "of a 32-bit guest", what,
                           (unsigned long long)gpa, (unsigned long long)end);
    if (gpa < GUEST_LEGACY_END)
        return loader_fail(err, errlen, -HV_EINVAL,
                           "%s: [0x%llx, 0x%llx) overlaps the first MiB, which is "
                           "reserved for boot information and legacy areas", what,
                           (unsigned long long)gpa, (unsigned long long)end);
    if (!gmem_contains(mem, gpa, len))
        return loader_fail(err, errlen, -HV_E2BIG,
                           "%s: [0x%llx, 0x%llx) needs %llu KiB of RAM but mem= "
                           "gives %llu KiB", what,
                           (unsigned long long)gpa, (unsigned long long)end,
                           (unsigned long long)kib_round_up(end),
                           (unsigned long long)(mem->size / 1024));
    return 0;
}
