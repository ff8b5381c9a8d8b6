/*
 * Extended Page Tables: the per-guest translation from guest-physical to
 * host-physical addresses that VT-x applies to every guest memory access.
 *
 * Reference: Intel SDM Vol. 3C, "EPT Translation Mechanism", "Format of EPT
 * Paging-Structure Entries" and "Extended-Page-Table Pointer (EPTP)".
 *
 * Four levels, like 4-level IA-32e paging: PML4 -> PDPT -> PD -> PT. Each
 * table is one 4 KiB page of 512 64-bit entries; a PD entry can instead map
 * a 2 MiB page and a PDPT entry a 1 GiB page (bit 7, EPT_LARGE).
 *
 * The caller must run INVEPT after changing a live EPT.
 */
#ifndef MM_EPT_H
#define MM_EPT_H

#include <hv/types.h>

/* ---- entry bits ("Format of EPT Paging-Structure Entries") ---- */
#define EPT_READ        BIT(0)
#define EPT_WRITE       BIT(1)
#define EPT_EXEC        BIT(2)      /* supervisor-mode execute */
#define EPT_RWX         (EPT_READ | EPT_WRITE | EPT_EXEC)
#define EPT_PROT_MASK   EPT_RWX     /* an entry is present iff one of these is set */
#define EPT_MT_SHIFT    3           /* leaf entries: memory type in bits 5:3 */
#define EPT_MT_MASK     (7ULL << EPT_MT_SHIFT)
#define EPT_MT_UC       0ULL
#define EPT_MT_WB       6ULL
#define EPT_IGNORE_PAT  BIT(6)      /* leaf: ignore the guest's PAT (not used) */
#define EPT_LARGE       BIT(7)      /* PDPTE: 1 GiB leaf; PDE: 2 MiB leaf */
#define EPT_ACCESSED    BIT(8)      /* only with EPTP_AD_ENABLE (not used) */
#define EPT_DIRTY       BIT(9)
#define EPT_ADDR_MASK   0x000FFFFFFFFFF000ULL   /* bits 51:12: next table or 4 KiB page */

/* ---- geometry ---- */
#define EPT_LEVELS          4       /* 4 = PML4, 3 = PDPT, 2 = PD, 1 = PT */
#define EPT_ENTRIES         512
#define EPT_INDEX_BITS      9
#define EPT_GPA_BITS        48      /* a 4-level walk translates 48-bit GPAs */
#define EPT_MAX_GPA         (1ULL << EPT_GPA_BITS)
#define EPT_MAX_HPA         (1ULL << 52)
#define EPT_PAGE_4K         PAGE_SIZE
#define EPT_PAGE_2M         LARGE_PAGE_SIZE
#define EPT_PAGE_1G         GiB(1)

/* ---- EPTP, the VMCS field that points at the PML4 ("Extended-Page-Table
 * Pointer (EPTP)") ---- */
#define EPTP_MT_WB          6ULL        /* bits 2:0: memory type of table accesses */
#define EPTP_WALK_SHIFT     3           /* bits 5:3: page-walk length - 1 */
#define EPTP_WALK_4         ((uint64_t)(EPT_LEVELS - 1) << EPTP_WALK_SHIFT)
#define EPTP_AD_ENABLE      BIT(6)      /* accessed/dirty flags (left off) */

/* Page-table frame allocator supplied by the caller. */
struct ept_alloc {
    /* A 4 KiB-aligned page for a table: returns its virtual address and
     * stores its host-physical address in *pa; NULL when out of memory.
     * The contents need not be zeroed (ept clears each new table). */
    void *(*alloc_table)(void *opaque, hpa_t *pa);
    /* Virtual address of a table page previously returned by alloc_table. */
    void *(*phys_to_virt)(void *opaque, hpa_t pa);
    void *opaque;
};

struct ept {
    hpa_t pml4_pa;
    uint64_t *pml4;
    struct ept_alloc alloc;
    unsigned tables;        /* table pages in use, the PML4 included */
};

/*
 * Set up an empty EPT (nothing mapped) with its PML4 from a->alloc_table.
 * Returns 0, -HV_ENOMEM, or -HV_EINVAL if the allocator returned a page that
 * is not 4 KiB-aligned or lies above the 52-bit physical address limit.
 */
int ept_init(struct ept *e, const struct ept_alloc *a) __must_check;

/* The EPTP for the VMCS: PML4 address | walk length 4 | WB; A/D flags off. */
uint64_t ept_eptp(const struct ept *e);

/*
 * Map [gpa, gpa+len) to [hpa, hpa+len) with prot (EPT_READ/WRITE/EXEC),
 * memory type WB. Replaces whatever was mapped there before.
 *
 * Uses a 2 MiB leaf for every 2 MiB-aligned block of gpa whose hpa is also
 * 2 MiB-aligned (and where no 4 KiB table exists yet), 4 KiB leaves
 * elsewhere. A 2 MiB (or 1 GiB) leaf that the range only partly covers is
 * split into smaller leaves, unless its mapping of that part would not
 * change anyway.
 *
 * Returns 0;
 *   -HV_EINVAL  gpa, hpa or len not 4 KiB-aligned, len 0, the range beyond
 *               the 48-bit GPA or 52-bit HPA limit, prot 0, prot with bits
 *               other than R/W/X, or write without read (an EPT
 *               misconfiguration). Execute-only (EPT_EXEC alone) is
 *               accepted; whether the CPU supports it (IA32_VMX_EPT_VPID_CAP
 *               bit 0) is for the caller to check;
 *   -HV_ENOMEM  out of table pages. No translation has changed then (some
 *               new tables may be in place, empty or holding a split leaf
 *               with the same translation; a retry reuses them).
 */
int ept_map(struct ept *e, gpa_t gpa, hpa_t hpa, uint64_t len, unsigned prot) __must_check;

/*
 * At most how many table pages (beyond the PML4) mapping [gpa, gpa+len)
 * can take, in one call or in several, when hpa is 2 MiB-aligned wherever
 * gpa is: a PDPT per 512 GiB and a PD per GiB the range touches, a PT for
 * an unaligned head and tail. A VM that maps its RAM at first touch takes
 * them when it is built, so no other VM can use them up while it runs.
 */
unsigned ept_tables_bound(gpa_t gpa, uint64_t len);

/*
 * Remove any mapping of [gpa, gpa+len); holes are fine. A large leaf only
 * partly inside the range is split first, so the rest of it stays mapped.
 * Tables that become empty are kept (ept_destroy frees them).
 * Returns 0, -HV_EINVAL (unaligned, len 0, beyond 48 bits) or -HV_ENOMEM
 * (from a split; nothing is unmapped then).
 */
int ept_unmap(struct ept *e, gpa_t gpa, uint64_t len) __must_check;

/*
 * Walk the tables for gpa as the CPU would. On success stores the host
 * physical address for gpa, the effective permissions (EPT_READ/WRITE/EXEC)
 * and the size of the leaf that maps it (4 KiB, 2 MiB or 1 GiB); any of the
 * out pointers may be NULL. Returns 0 or -HV_ENOENT if gpa is not mapped.
 */
int ept_translate(const struct ept *e, gpa_t gpa, hpa_t *hpa, unsigned *prot,
                  uint64_t *page_size);

/* Give every table page, the PML4 last, to free_table, and clear *e. */
void ept_destroy(struct ept *e, void (*free_table)(void *opaque, hpa_t pa));

#endif
