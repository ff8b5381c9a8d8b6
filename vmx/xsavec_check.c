/*
 * The XSAVEC layout check (see xsavec_check.h). SDM Vol. 1, "XSAVE-Enabled
 * Features and XSAVE-Managed State" (CPUID leaf 0xD) and "XSAVEC".
 */
#include "vmx/xsavec_check.h"
#include <hv/string.h>
#ifndef HV_HOST_TEST
#include "boot/x86.h"
#include "boot/msr.h"
#endif

#define CPUIDD1_EAX_XSAVEC  BIT(1)
#define XCR0_AVX            BIT(2)
#define XSAVE_X87_SSE_AVX   0x7u      /* RFBM: whatever else XCR0 has stays out */
#define PROBE_AREA          4096

int xsavec_find_pattern(const uint8_t *img, size_t len, const uint8_t pattern[16])
{
    for (size_t off = 0; off + 16 <= len; off += 16)
        if (memcmp(img + off, pattern, 16) == 0)
            return (int)off;
    return -1;
}

bool xsavec_image_ok(const uint8_t *img, size_t len, const uint8_t pattern[16], int *offset)
{
    /* With only x87, SSE and AVX below it, AVX is the first extended
     * component; no component between SSE and AVX exists. */
    *offset = xsavec_find_pattern(img, len, pattern);
    return *offset == (int)XSAVEC_FIRST_EXTENDED;
}

#ifndef HV_HOST_TEST
static uint8_t probe_area[PROBE_AREA] __attribute__((aligned(64)));

static inline uint64_t xgetbv0(void)
{
    uint32_t lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return (uint64_t)hi << 32 | lo;
}

bool xsavec_layout_ok(int *offset)
{
    static const uint8_t pattern[16] = { 0xDE, 0xC0, 0x17, 0x5A, 0xA5, 0xE7, 0xF5, 0x0F,
                                         0x11, 0xEE, 0xFF, 0xC0, 0x78, 0x56, 0x34, 0x12 };
    *offset = 0;
    if (!(read_cr4() & CR4_OSXSAVE) || !(cpuid(0xD, 1).eax & CPUIDD1_EAX_XSAVEC))
        return true;
    uint64_t xcr0 = xgetbv0();
    if (!(xcr0 & XCR0_AVX))
        return true;
    /* Only YMM0's upper half is non-zero, so the AVX component is in use
     * and its first 16 bytes are the pattern. */
    memset(probe_area, 0, sizeof(probe_area));
    __asm__ volatile("vzeroupper\n\t"
                     "vinsertf128 $1, %0, %%ymm0, %%ymm0\n\t"
                     "xsavec64 %1\n\t"
                     "vzeroupper"
                     : : "m"(pattern), "m"(*(uint8_t (*)[PROBE_AREA])probe_area),
                         "a"(XSAVE_X87_SSE_AVX), "d"(0)
                     : "memory");
    return xsavec_image_ok(probe_area, sizeof(probe_area), pattern, offset);
}
#endif
