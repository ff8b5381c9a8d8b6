/*
 * XSAVE state components: the size of an XSAVE area and which values of
 * XCR0 are valid (SDM Vol. 1, "Managing State Using the XSAVE Feature Set";
 * Vol. 2C, "XSETBV"). Pure functions over CPUID leaf 0xD, so the host unit
 * tests drive them with recorded leaves.
 */
#ifndef VMX_XSAVE_H
#define VMX_XSAVE_H

#include <hv/types.h>

/* State components (XCR0 bits). */
#define XCR0_X87        BIT(0)
#define XCR0_SSE        BIT(1)
#define XCR0_AVX        BIT(2)
#define XCR0_BNDREGS    BIT(3)
#define XCR0_BNDCSR     BIT(4)
#define XCR0_OPMASK     BIT(5)
#define XCR0_ZMM_HI256  BIT(6)
#define XCR0_HI16_ZMM   BIT(7)
#define XCR0_PKRU       BIT(9)
#define XCR0_TILECFG    BIT(17)
#define XCR0_TILEDATA   BIT(18)
#define XCR0_AVX512     (XCR0_OPMASK | XCR0_ZMM_HI256 | XCR0_HI16_ZMM)

#define XSAVE_LEGACY_AND_HEADER 576     /* the legacy area (512) and the XSAVE header (64) */
#define FXSAVE_AREA_SIZE        512

/* One sub-leaf of CPUID leaf 0xD: the CPUID instruction in the hypervisor,
 * a table in the host tests. */
struct xsave_leaf { uint32_t eax, ebx, ecx, edx; };
typedef struct xsave_leaf (*xsave_cpuid_fn)(uint32_t subleaf);

/* Bytes of an XSAVE area holding components `xcr0`: the standard format
 * puts component i at offset CPUID.(0xD,i).EBX; the compacted one (XSAVEC)
 * packs them in order after the header, 64-byte aligned where
 * CPUID.(0xD,i).ECX[1] says. */
uint32_t xsave_area_size(uint64_t xcr0, bool compacted, xsave_cpuid_fn cpuid_d);

/* The components the hypervisor saves and restores for guests: those in
 * `wanted` the CPU supports (CPUID.(0xD,0):EDX:EAX), with x87 and SSE. */
struct xsave_layout {
    uint64_t xcr0;          /* the components */
    uint32_t size;          /* bytes of the standard-format area */
    uint32_t pages;         /* 4 KiB frames that hold it */
};
void xsave_guest_layout(uint64_t wanted, xsave_cpuid_fn cpuid_d, struct xsave_layout *out);

/* May XSETBV load `value` into XCR0 when the components in `supported`
 * exist? x87 must stay on, AVX needs SSE, AVX-512 needs AVX and all three
 * of its components, MPX and AMX components come in pairs, nothing beyond
 * `supported`. */
bool xcr0_valid(uint64_t value, uint64_t supported);

#endif
