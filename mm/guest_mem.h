/*
 * A guest's RAM as the host sees it: guest-physical 0..size is backed by
 * 2 MiB chunks of host memory that need not be contiguous. The host maps all
 * RAM 1:1, so a chunk's host pointer is also its host-physical address in the
 * kernel; host unit tests back chunks with malloc'd memory.
 *
 * Every access is bounds-checked: a guest-supplied address can never make the
 * hypervisor touch memory outside the guest's own RAM.
 */
#ifndef MM_GUEST_MEM_H
#define MM_GUEST_MEM_H

#include <hv/types.h>

#define GMEM_CHUNK_SIZE   LARGE_PAGE_SIZE
#define GMEM_CHUNK_SHIFT  21
#define GMEM_MAX_SIZE     GiB(3)          /* RAM stays below the PCI/APIC hole */
#define GMEM_MAX_CHUNKS   (GMEM_MAX_SIZE / GMEM_CHUNK_SIZE)

struct guest_mem {
    uint64_t size;                        /* bytes of RAM from gpa 0 */
    unsigned nchunks;                     /* = ceil(size / 2 MiB) */
    uint8_t *chunk[GMEM_MAX_CHUNKS];      /* host pointer of each chunk */
};

/*
 * Host pointer for [gpa, gpa+len) if the whole range is inside RAM and
 * inside one chunk; NULL otherwise. len may be 0 (then gpa < size is needed).
 */
void *gmem_ptr(const struct guest_mem *m, gpa_t gpa, size_t len);

/* Copy to / from guest RAM, or zero it, crossing chunks as needed. 0 or
 * -HV_EFAULT (nothing is copied when any byte of the range is outside RAM or
 * in a chunk without backing memory). len == 0 succeeds when gpa <= size. */
int gmem_write(struct guest_mem *m, gpa_t gpa, const void *src, size_t len) __must_check;
int gmem_read(const struct guest_mem *m, gpa_t gpa, void *dst, size_t len) __must_check;
int gmem_zero(struct guest_mem *m, gpa_t gpa, size_t len) __must_check;

/* True if [gpa, gpa+len) lies inside RAM (overflow-safe: a range that wraps
 * around 2^64 is never inside). An empty range needs gpa <= size. */
bool gmem_contains(const struct guest_mem *m, gpa_t gpa, uint64_t len);

#endif
