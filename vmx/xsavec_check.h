/*
 * Does this CPU's XSAVEC lay out the compacted image as the SDM says?
 *
 * Bochs 2.7 does not: it stores the AVX state (YMM_Hi128) at offset 416,
 * right after the SSE registers, instead of at 576 after the XSAVE header
 * (SDM Vol. 1, "Compacted Form of XRSTOR" and "XSAVEC"). The AVX data of
 * YMM7-YMM9 lands in the header's reserved bytes, so a guest's XRSTOR of
 * the image raises #GP (Linux: "Bad FPU state detected") or, when those
 * bytes happen to be zero, loads the wrong YMM registers. Where the check
 * fails, XSAVEC is not offered to guests (vmx/cpuid.c): Linux then saves
 * with XSAVEOPT in the standard format, which the same CPU gets right.
 */
#ifndef VMX_XSAVEC_CHECK_H
#define VMX_XSAVEC_CHECK_H

#include <hv/types.h>

/* Offset of the first extended state component in a compacted image. */
#define XSAVEC_FIRST_EXTENDED  576u

/* The offset in `img` (len bytes) of the 16-byte `pattern`, searched in
 * 16-byte steps, or -1 when it is not there. */
int xsavec_find_pattern(const uint8_t *img, size_t len, const uint8_t pattern[16]);

/* The verdict on an image XSAVEC wrote with only YMM0's upper half (the
 * pattern) non-zero: true when the pattern is where the SDM puts the first
 * extended component. *offset gets where it was found (-1: nowhere). */
bool xsavec_image_ok(const uint8_t *img, size_t len, const uint8_t pattern[16], int *offset);

/* Runs XSAVEC on the host CPU with a pattern in YMM0's upper half and
 * reports where it landed: true when XSAVEC is absent, AVX is off in XCR0,
 * or the layout is right. *offset gets where the pattern was found (-1 if
 * nowhere, 0 when nothing was checked). Needs CR4.OSXSAVE and the host's
 * XCR0 set (vcpu_host_fpu_init); clobbers the FPU/AVX registers, so it runs
 * before any guest state is loaded. */
bool xsavec_layout_ok(int *offset);

#endif
