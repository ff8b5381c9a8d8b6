/*
 * Extended Page Tables: building, changing, walking and freeing a guest's
 * 4-level EPT hierarchy.
 *
 * Reference: Intel SDM Vol. 3C, "EPT Translation Mechanism" (how the CPU
 * walks the tables), "Format of EPT Paging-Structure Entries" (the entry
 * bits), "Extended-Page-Table Pointer (EPTP)".
 *
 * Levels are numbered as in the SDM's walk: 4 = PML4, 3 = PDPT, 2 = PD,
 * 1 = PT. An entry at level L covers 4 KiB << (9 * (L - 1)) bytes of
 * guest-physical space. Entries at levels 4..2 point to the next table
 * unless bit 7 (EPT_LARGE) makes a level-3 or level-2 entry a leaf.
 *
 * Changes are made in two passes over the range: a "prepare" pass that
 * allocates every table the change needs (splitting large leaves where
 * needed, which does not change any translation), then a "commit" pass that
 * writes the leaves and cannot fail. So running out of table pages never
 * leaves a half-done mapping behind.
 *
 * Left out: 1 GiB leaves are walked and split but never created (that needs
 * a CPU capability check); accessed/dirty flags; memory types other than
 * WB; freeing tables that become empty (they stay until ept_destroy);
 * INVEPT, which the caller issues after changing a live EPT.
 */
#include <mm/ept.h>
#include <hv/errno.h>
#include <hv/string.h>
#include "hv/lab.h"

_Static_assert(EPT_ENTRIES * sizeof(uint64_t) == PAGE_SIZE, "an EPT table is one page");
_Static_assert((1U << EPT_INDEX_BITS) == EPT_ENTRIES, "9 index bits per level");
_Static_assert(PAGE_SHIFT + EPT_LEVELS * EPT_INDEX_BITS == EPT_GPA_BITS,
               "4 levels translate 48 bits");
_Static_assert(EPT_PAGE_2M == (EPT_PAGE_4K << EPT_INDEX_BITS), "2 MiB = 512 x 4 KiB");
_Static_assert(EPT_PAGE_1G == (EPT_PAGE_2M << EPT_INDEX_BITS), "1 GiB = 512 x 2 MiB");
_Static_assert((EPT_ADDR_MASK & (EPT_PROT_MASK | EPT_MT_MASK | EPT_IGNORE_PAT | EPT_LARGE)) == 0,
               "address bits do not overlap the attribute bits");

/* The largest leaf ept_map creates: level 2, 2 MiB. */
#define EPT_MAP_MAX_LEAF_LEVEL  2

/* The attribute bits of a leaf that decide its translation. */
#define EPT_LEAF_ATTR_MASK  (EPT_PROT_MASK | EPT_MT_MASK | EPT_IGNORE_PAT | EPT_LARGE)

/* ---------------------------------------------------------------------
 * Entries and levels
 * --------------------------------------------------------------------- */

static unsigned level_shift(unsigned level)
{
    return PAGE_SHIFT + EPT_INDEX_BITS * (level - 1);
}

/* Bytes of guest-physical space one entry at `level` covers. */
static uint64_t level_size(unsigned level)
{
    return 1ULL << level_shift(level);
}

/* Which entry of a level-`level` table covers gpa. */
static unsigned level_index(gpa_t gpa, unsigned level)
{
    return (unsigned)(gpa >> level_shift(level)) & (EPT_ENTRIES - 1);
}

/* "an entry is present if any of bits 2:0 is 1" */
static bool entry_present(uint64_t ent)
{
    return (ent & EPT_PROT_MASK) != 0;
}

/* A present entry maps memory (rather than pointing to a table) at level 1,
 * or at levels 2 and 3 with bit 7 set. */
static bool entry_is_leaf(uint64_t ent, unsigned level)
{
    return level == 1 || ((level == 2 || level == 3) && (ent & EPT_LARGE));
}

static bool entry_is_table(uint64_t ent, unsigned level)
{
    return entry_present(ent) && !entry_is_leaf(ent, level);
}

/* Host address a leaf maps: bits 51:12 (4 KiB), 51:21 (2 MiB), 51:30 (1 GiB). */
static hpa_t leaf_addr(uint64_t ent, unsigned level)
{
    return ent & EPT_ADDR_MASK & ~(level_size(level) - 1);
}

/* A leaf for hpa at `level`, memory type WB, the guest's PAT respected. */
static uint64_t make_leaf(hpa_t hpa, unsigned level, unsigned prot)
{
    /* LAB 3 BEGIN make_leaf: an EPT leaf entry mapping hpa: permissions prot, memory type WB in bits 5:3, bit 7 (page size) above level 1 */
    uint64_t ent = hpa | prot | (EPT_MT_WB << EPT_MT_SHIFT);

    if (level > 1)
        ent |= EPT_LARGE;
    return ent;
    /* LAB 3 END */
}

/* An entry pointing to the table at pa. Permissions are ANDed along the
 * walk, so non-leaf entries allow everything and the leaf decides. The
 * memory-type bits of non-leaf entries are reserved (0). */
static uint64_t make_table_entry(hpa_t pa)
{
    /* LAB 3 BEGIN make_table_entry: an EPT entry pointing to the table at pa, allowing read, write and execute (the leaf decides) */
    return pa | EPT_RWX;
    /* LAB 3 END */
}

static uint64_t *table_of(const struct ept *e, uint64_t ent)
{
    return e->alloc.phys_to_virt(e->alloc.opaque, ent & EPT_ADDR_MASK);
}

/* A new, zeroed table page, or NULL. */
static uint64_t *new_table(struct ept *e, hpa_t *pa)
{
    uint64_t *t = e->alloc.alloc_table(e->alloc.opaque, pa);

    if (!t)
        return NULL;
    memset(t, 0, PAGE_SIZE);
    e->tables++;
    return t;
}

/*
 * The table below entry *pte (at `level` > 1), created if there is none:
 * an empty table for a non-present entry, or, for a large leaf, a table of
 * 512 leaves one level down with exactly the same translation (a "split").
 * The new table is complete before *pte points to it, so a CPU walking the
 * tables at any moment sees the same translation.
 */
static int get_table(struct ept *e, uint64_t *pte, unsigned level, uint64_t **table)
{
    uint64_t old = *pte;
    uint64_t *t;
    hpa_t pa;

    if (entry_is_table(old, level)) {
        *table = table_of(e, old);
        return 0;
    }
    t = new_table(e, &pa);
    if (!t)
        return -HV_ENOMEM;
    if (entry_present(old)) {
        uint64_t sub_size = level_size(level - 1);
        uint64_t attr = old & (EPT_PROT_MASK | EPT_MT_MASK | EPT_IGNORE_PAT);
        hpa_t base = leaf_addr(old, level);

        if (level - 1 > 1)
            attr |= EPT_LARGE;
        for (unsigned i = 0; i < EPT_ENTRIES; i++)
            t[i] = (base + i * sub_size) | attr;
    }
    *pte = make_table_entry(pa);
    *table = t;
    return 0;
}

/* ---------------------------------------------------------------------
 * Mapping
 * --------------------------------------------------------------------- */

struct map_req {
    gpa_t start, end;       /* [start, end), 4 KiB-aligned */
    hpa_t hpa;              /* host address for start */
    unsigned prot;
    bool commit;            /* false: only build tables; true: write leaves */
};

/* True if leaf `ent` (at `level`, covering gpa from `base`) already maps
 * guest page `from` as r asks, so covering part of it needs no split. */
static bool leaf_maps_as(uint64_t ent, unsigned level, gpa_t base, gpa_t from,
                         const struct map_req *r)
{
    return (ent & EPT_LEAF_ATTR_MASK) == make_leaf(0, level, r->prot) &&
           leaf_addr(ent, level) + (from - base) == r->hpa + (from - r->start);
}

/* Map the part of r's range that falls in `table`, a level-`level` table
 * whose first entry covers guest-physical address table_base. */
static int map_table(struct ept *e, uint64_t *table, unsigned level, gpa_t table_base,
                     const struct map_req *r)
{
    uint64_t size = level_size(level);
    gpa_t first = ALIGN_DOWN(MAX(r->start, table_base), size);
    gpa_t stop = MIN(r->end, table_base + size * EPT_ENTRIES);

    /* Each entry of this table that overlaps the range: it covers
     * [base, base+size), of which [lo, hi) is to be mapped. */
    for (gpa_t base = first; base < stop; base += size) {
        gpa_t lo = MAX(base, r->start), hi = MIN(base + size, r->end);
        uint64_t *pte = &table[level_index(base, level)];
        hpa_t hpa = r->hpa + (lo - r->start);
        bool whole = lo == base && hi == base + size;
        bool leaf_fits = whole && level <= EPT_MAP_MAX_LEAF_LEVEL && IS_ALIGNED(hpa, size);
        uint64_t *sub;
        int rc;

        if (leaf_fits && !entry_is_table(*pte, level)) {
            if (r->commit)
                *pte = make_leaf(hpa, level, r->prot);
            continue;
        }
        /* A leaf would fit, but a table of smaller leaves is already there:
         * fill that in (commit) rather than free it. */
        if (leaf_fits && !r->commit)
            continue;
        if (entry_present(*pte) && entry_is_leaf(*pte, level) &&
            leaf_maps_as(*pte, level, base, lo, r))
            continue;       /* partly covered, but nothing would change */

        rc = get_table(e, pte, level, &sub);
        if (rc)
            return rc;
        rc = map_table(e, sub, level - 1, base, r);
        if (rc)
            return rc;
    }
    return 0;
}

/* R, R+W, R+X, R+W+X or X alone; never write without read. */
static bool prot_valid(unsigned prot)
{
    if (prot == 0 || (prot & ~(unsigned)EPT_RWX) != 0)
        return false;
    return !((prot & EPT_WRITE) && !(prot & EPT_READ));
}

/* [gpa, gpa+len) is 4 KiB-aligned, non-empty and below limit. */
static bool range_valid(uint64_t addr, uint64_t len, uint64_t limit)
{
    return IS_ALIGNED(addr, PAGE_SIZE) && IS_ALIGNED(len, PAGE_SIZE) && len != 0 &&
           addr < limit && len <= limit - addr;
}

int ept_map(struct ept *e, gpa_t gpa, hpa_t hpa, uint64_t len, unsigned prot)
{
    struct map_req r = { .start = gpa, .end = gpa + len, .hpa = hpa, .prot = prot };
    int rc;

    if (!e->pml4 || !range_valid(gpa, len, EPT_MAX_GPA) ||
        !range_valid(hpa, len, EPT_MAX_HPA) || !prot_valid(prot))
        return -HV_EINVAL;

    r.commit = false;
    rc = map_table(e, e->pml4, EPT_LEVELS, 0, &r);
    if (rc)
        return rc;
    r.commit = true;            /* every table is in place: cannot fail now */
    return map_table(e, e->pml4, EPT_LEVELS, 0, &r);
}

unsigned ept_tables_bound(gpa_t gpa, uint64_t len)
{
    gpa_t end = gpa + len;
    unsigned n = (unsigned)((ALIGN_UP(end, level_size(4)) - ALIGN_DOWN(gpa, level_size(4))) /
                            level_size(4));                 /* PDPTs */
    n += (unsigned)((ALIGN_UP(end, level_size(3)) - ALIGN_DOWN(gpa, level_size(3))) /
                    level_size(3));                         /* PDs */
    n += (gpa % level_size(2) != 0) + (end % level_size(2) != 0);   /* PTs */
    return n;
}

/* ---------------------------------------------------------------------
 * Unmapping
 * --------------------------------------------------------------------- */

struct unmap_req {
    gpa_t start, end;
    bool commit;            /* false: only split; true: clear leaves */
};

/* Unmap the part of r's range that falls in `table` (as for map_table). */
static int unmap_table(struct ept *e, uint64_t *table, unsigned level, gpa_t table_base,
                       const struct unmap_req *r)
{
    uint64_t size = level_size(level);
    gpa_t first = ALIGN_DOWN(MAX(r->start, table_base), size);
    gpa_t stop = MIN(r->end, table_base + size * EPT_ENTRIES);

    for (gpa_t base = first; base < stop; base += size) {
        gpa_t lo = MAX(base, r->start), hi = MIN(base + size, r->end);
        uint64_t *pte = &table[level_index(base, level)];
        bool whole = lo == base && hi == base + size;
        uint64_t *sub;
        int rc;

        if (!entry_present(*pte))
            continue;
        if (entry_is_leaf(*pte, level)) {
            if (whole) {
                if (r->commit)
                    *pte = 0;
                continue;
            }
            /* A large leaf partly inside the range: split it below. */
        } else if (whole && !r->commit) {
            continue;       /* everything below goes: nothing to split */
        }
        rc = get_table(e, pte, level, &sub);
        if (rc)
            return rc;
        rc = unmap_table(e, sub, level - 1, base, r);
        if (rc)
            return rc;
    }
    return 0;
}

int ept_unmap(struct ept *e, gpa_t gpa, uint64_t len)
{
    struct unmap_req r = { .start = gpa, .end = gpa + len };
    int rc;

    if (!e->pml4 || !range_valid(gpa, len, EPT_MAX_GPA))
        return -HV_EINVAL;

    r.commit = false;
    rc = unmap_table(e, e->pml4, EPT_LEVELS, 0, &r);
    if (rc)
        return rc;
    r.commit = true;
    return unmap_table(e, e->pml4, EPT_LEVELS, 0, &r);
}

/* ---------------------------------------------------------------------
 * Set-up, walk, tear-down
 * --------------------------------------------------------------------- */

int ept_init(struct ept *e, const struct ept_alloc *a)
{
    memset(e, 0, sizeof(*e));
    e->alloc = *a;
    e->pml4 = new_table(e, &e->pml4_pa);
    if (!e->pml4)
        return -HV_ENOMEM;
    if (!IS_ALIGNED(e->pml4_pa, PAGE_SIZE) || e->pml4_pa >= EPT_MAX_HPA) {
        memset(e, 0, sizeof(*e));       /* a broken allocator; the page is lost */
        return -HV_EINVAL;
    }
    return 0;
}

uint64_t ept_eptp(const struct ept *e)
{
    /* LAB 2 BEGIN ept_eptp: the EPT pointer: the PML4's physical address, a 4-level walk (3 in bits 5:3) and write-back memory type (6 in bits 2:0) */
    return (e->pml4_pa & EPT_ADDR_MASK) | EPTP_WALK_4 | EPTP_MT_WB;
    /* LAB 2 END */
}

/* "EPT Translation Mechanism": bits 47:39 index the PML4, 38:30 the PDPT,
 * 29:21 the PD, 20:12 the PT; a leaf's address plus the remaining low bits
 * is the host-physical address. */
int ept_translate(const struct ept *e, gpa_t gpa, hpa_t *hpa, unsigned *prot,
                  uint64_t *page_size)
{
    const uint64_t *table = e->pml4;
    unsigned allowed = EPT_RWX;

    if (!table || gpa >= EPT_MAX_GPA)
        return -HV_ENOENT;
    for (unsigned level = EPT_LEVELS; level > 0; level--) {
        uint64_t ent = table[level_index(gpa, level)];

        if (!entry_present(ent))
            return -HV_ENOENT;
        allowed &= (unsigned)(ent & EPT_PROT_MASK);
        if (entry_is_leaf(ent, level)) {
            uint64_t size = level_size(level);

            if (hpa)
                *hpa = leaf_addr(ent, level) + (gpa & (size - 1));
            if (prot)
                *prot = allowed;
            if (page_size)
                *page_size = size;
            return 0;
        }
        table = table_of(e, ent);
    }
    return -HV_ENOENT;      /* not reached: level 1 entries are leaves */
}

/* Free every table below `table` (not `table` itself). */
static void free_below(struct ept *e, uint64_t *table, unsigned level,
                       void (*free_table)(void *opaque, hpa_t pa))
{
    for (unsigned i = 0; i < EPT_ENTRIES; i++) {
        uint64_t ent = table[i];

        if (!entry_is_table(ent, level))
            continue;
        free_below(e, table_of(e, ent), level - 1, free_table);
        free_table(e->alloc.opaque, ent & EPT_ADDR_MASK);
        table[i] = 0;
    }
}

void ept_destroy(struct ept *e, void (*free_table)(void *opaque, hpa_t pa))
{
    if (!e->pml4)
        return;
    free_below(e, e->pml4, EPT_LEVELS, free_table);
    free_table(e->alloc.opaque, e->pml4_pa);
    memset(e, 0, sizeof(*e));
}
