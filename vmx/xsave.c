/*
 * XSAVE area sizes and XCR0 validity (see vmx/xsave.h). SDM Vol. 1, "XSAVE
 * Area" and "Enumeration of CPU Support for XSAVE Instructions and
 * XSAVE-Supported Features"; Vol. 2C, "XSETBV".
 */
#include "vmx/xsave.h"

#define XSAVE_LEAF_ALIGNED  BIT(1)     /* CPUID.(0xD,i).ECX: 64-byte aligned when compacted */

uint32_t xsave_area_size(uint64_t xcr0, bool compacted, xsave_cpuid_fn cpuid_d)
{
    uint32_t size = XSAVE_LEGACY_AND_HEADER;

    for (unsigned i = 2; i < 64 && (xcr0 >> i); i++) {
        if (!(xcr0 & BIT(i)))
            continue;
        struct xsave_leaf c = cpuid_d(i);
        if (compacted)
            size = (uint32_t)((c.ecx & XSAVE_LEAF_ALIGNED) ? ALIGN_UP(size, 64) : size) + c.eax;
        else
            size = MAX(size, c.ebx + c.eax);
    }
    return size;
}

void xsave_guest_layout(uint64_t wanted, xsave_cpuid_fn cpuid_d, struct xsave_layout *out)
{
    struct xsave_leaf d = cpuid_d(0);
    uint64_t supported = ((uint64_t)d.edx << 32) | d.eax;

    out->xcr0 = (supported & wanted) | XCR0_X87 | XCR0_SSE;
    out->size = xsave_area_size(out->xcr0, false, cpuid_d);
    out->pages = (uint32_t)(ALIGN_UP(out->size, PAGE_SIZE) / PAGE_SIZE);
}

/* Components that XCR0 enables only together. */
static bool together(uint64_t value, uint64_t group)
{
    return (value & group) == 0 || (value & group) == group;
}

bool xcr0_valid(uint64_t value, uint64_t supported)
{
    if (!(value & XCR0_X87) || (value & ~supported))
        return false;
    if ((value & XCR0_AVX) && !(value & XCR0_SSE))
        return false;
    if ((value & XCR0_AVX512) && (!together(value, XCR0_AVX512) || !(value & XCR0_AVX)))
        return false;
    return together(value, XCR0_BNDREGS | XCR0_BNDCSR) &&
           together(value, XCR0_TILECFG | XCR0_TILEDATA);
}
