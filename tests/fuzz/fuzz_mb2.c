/*
 * Fuzz target: the multiboot2 boot-information parser (boot/multiboot2.c).
 * The input is the information block; its total_size field is set to the
 * input's length (a block is total_size bytes by definition), other fields
 * are as fuzzed. The block is its own 8-aligned heap buffer, so any read
 * past it is an AddressSanitizer finding.
 * Checked: a failure has a reason; on success every string and the RSDP
 * copy lie inside the block and strings end inside it, counts stay within
 * their arrays, modules have start <= end and memory-map entries a length.
 */
#include "tests/fuzz/fuzz.h"
#include <hv/errno.h>
#include "boot/multiboot2.h"

static bool inside(const void *p, size_t len, const uint8_t *b, size_t n)
{
    const uint8_t *q = p;
    return q >= b && q <= b + n && len <= (size_t)(b + n - q);
}

static bool str_inside(const char *s, const uint8_t *b, size_t n)
{
    if (!inside(s, 0, b, n))
        return false;
    return memchr(s, 0, (size_t)(b + n - (const uint8_t *)s)) != NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct boot_info bi;
    char err[128];

    if (size < 8 || size > UINT32_MAX)
        return 0;
    uint8_t *b = malloc(size);
    memcpy(b, data, size);
    uint32_t total = (uint32_t)size;
    memcpy(b, &total, 4);

    err[0] = 0;
    int rc = mb2_parse(b, 0x10000, &bi, err, sizeof(err));
    if (rc) {
        CHECK(rc == -HV_EINVAL && err[0], "mb2_parse: %d '%s'", rc, err);
    } else {
        CHECK(bi.info_size == size, "info_size %llu", (unsigned long long)bi.info_size);
        CHECK(bi.cmdline && (bi.cmdline[0] == 0 || str_inside(bi.cmdline, b, size)), "cmdline");
        CHECK(bi.loader_name && (bi.loader_name[0] == 0 || str_inside(bi.loader_name, b, size)),
              "loader name");
        CHECK(bi.nmmap <= BOOT_MAX_MMAP && bi.nmodules <= BOOT_MAX_MODULES, "%u mmap, %u modules",
              bi.nmmap, bi.nmodules);
        for (unsigned i = 0; i < bi.nmodules; i++)
            CHECK(bi.modules[i].start <= bi.modules[i].end &&
                  str_inside(bi.modules[i].cmdline, b, size), "module %u", i);
        for (unsigned i = 0; i < bi.nmmap; i++)
            CHECK(bi.mmap[i].len != 0, "mmap entry %u has no length", i);
        CHECK(!bi.rsdp || (bi.rsdp_len >= 20 && inside(bi.rsdp, bi.rsdp_len, b, size)),
              "RSDP copy outside the block");
    }
    free(b);
    return 0;
}
