/*
 * Bounds-checked access to a guest's RAM (see mm/guest_mem.h).
 *
 * Guest-physical 0..size is split into 2 MiB chunks; chunk i backs
 * [i * 2 MiB, (i + 1) * 2 MiB) and the last chunk may be only partly used.
 * Every function first checks the whole range against the RAM size with
 * overflow-safe arithmetic, so a range that wraps around 2^64 or reaches past
 * the end of RAM is refused before any byte is copied.
 *
 * Left out: allocating the chunks (the VM builder does that) and MMIO or
 * other non-RAM guest-physical ranges (they are simply "outside RAM" here).
 */
#include "mm/guest_mem.h"
#include <hv/errno.h>
#include <hv/string.h>

#define CHUNK_OFFSET_MASK (GMEM_CHUNK_SIZE - 1)

_Static_assert(GMEM_CHUNK_SIZE == (1ULL << GMEM_CHUNK_SHIFT), "chunk size and shift disagree");

bool gmem_contains(const struct guest_mem *m, gpa_t gpa, uint64_t len)
{
    /* gpa + len <= size, written so that it cannot overflow. */
    return gpa <= m->size && len <= m->size - gpa;
}

/* Host pointer of the byte at `gpa`, which must be inside RAM. */
static uint8_t *byte_ptr(const struct guest_mem *m, gpa_t gpa)
{
    uint64_t idx = gpa >> GMEM_CHUNK_SHIFT;

    if (idx >= m->nchunks || idx >= GMEM_MAX_CHUNKS || !m->chunk[idx])
        return NULL;
    return m->chunk[idx] + (gpa & CHUNK_OFFSET_MASK);
}

/* True if every chunk that [gpa, gpa+len) touches has backing memory.
 * The range must already have passed gmem_contains(). */
static bool range_backed(const struct guest_mem *m, gpa_t gpa, uint64_t len)
{
    if (len == 0)
        return true;
    for (uint64_t idx = gpa >> GMEM_CHUNK_SHIFT;
         idx <= (gpa + len - 1) >> GMEM_CHUNK_SHIFT; idx++) {
        if (idx >= m->nchunks || idx >= GMEM_MAX_CHUNKS || !m->chunk[idx])
            return false;
    }
    return true;
}

void *gmem_ptr(const struct guest_mem *m, gpa_t gpa, size_t len)
{
    if (len == 0) {
        if (gpa >= m->size)
            return NULL;
    } else {
        if (!gmem_contains(m, gpa, len))
            return NULL;
        /* First and last byte must be in the same chunk. */
        if ((gpa >> GMEM_CHUNK_SHIFT) != ((gpa + len - 1) >> GMEM_CHUNK_SHIFT))
            return NULL;
    }
    return byte_ptr(m, gpa);
}

/*
 * Walk [gpa, gpa+len) one chunk piece at a time: copy from `src` into the
 * guest when src is set, copy out of the guest into `dst` when dst is set,
 * zero the guest range when neither is.
 */
static int walk(const struct guest_mem *m, gpa_t gpa, const uint8_t *src,
                uint8_t *dst, size_t len)
{
    if (!gmem_contains(m, gpa, len) || !range_backed(m, gpa, len))
        return -HV_EFAULT;

    while (len > 0) {
        uint64_t left_in_chunk = GMEM_CHUNK_SIZE - (gpa & CHUNK_OFFSET_MASK);
        size_t n = len < left_in_chunk ? len : (size_t)left_in_chunk;
        uint8_t *host = byte_ptr(m, gpa);

        if (!host)              /* cannot happen after range_backed() */
            return -HV_EFAULT;
        if (src) {
            memcpy(host, src, n);
            src += n;
        } else if (dst) {
            memcpy(dst, host, n);
            dst += n;
        } else {
            memset(host, 0, n);
        }
        gpa += n;
        len -= n;
    }
    return 0;
}

int gmem_write(struct guest_mem *m, gpa_t gpa, const void *src, size_t len)
{
    if (!src && len)
        return -HV_EFAULT;
    return walk(m, gpa, src, NULL, len);
}

int gmem_read(const struct guest_mem *m, gpa_t gpa, void *dst, size_t len)
{
    if (!dst && len)
        return -HV_EFAULT;
    /* The common case (page-table entries, instruction bytes): one chunk. */
    const uint8_t *host = len ? gmem_ptr(m, gpa, len) : NULL;
    if (host) {
        memcpy(dst, host, len);
        return 0;
    }
    return walk(m, gpa, NULL, dst, len);
}

int gmem_zero(struct guest_mem *m, gpa_t gpa, size_t len)
{
    return walk(m, gpa, NULL, NULL, len);
}
