/*
 * QEMU fw_cfg, legacy I/O interface (see drivers/virt/vfwcfg.h).
 */
#include "drivers/virt/vfwcfg.h"
#include <hv/string.h>

#define SEL_OFFSET      VFWCFG_SELECTOR_OFF
#define DATA_OFFSET     VFWCFG_DATA_OFF

static void put_le(uint8_t *p, uint64_t v, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

void vfwcfg_init(struct vfwcfg *f, uint64_t ram_size, uint16_t ncpus)
{
    memset(f, 0, sizeof(*f));
    memcpy(f->signature, VFWCFG_SIGNATURE_STR, VFWCFG_SIG_LEN);
    put_le(f->id, VFWCFG_ID_TRADITIONAL, VFWCFG_ID_LEN);
    put_le(f->ram_size, ram_size, VFWCFG_RAM_SIZE_LEN);
    put_le(f->nb_cpus, ncpus, VFWCFG_CPUS_LEN);
    /* File directory: a big-endian count of 0 files, i.e. four zero bytes. */
    memset(f->file_dir, 0, VFWCFG_FILE_DIR_LEN);
    f->selector = VFWCFG_SIGNATURE;
}

/* The selected item's bytes; *len = 0 (no bytes) for an unknown key. */
static const uint8_t *item(const struct vfwcfg *f, uint32_t *len)
{
    /* The write-channel bit only matters for writes, which are ignored. */
    switch (f->selector & (uint16_t)~VFWCFG_WRITE_CHANNEL) {
    case VFWCFG_SIGNATURE:  *len = VFWCFG_SIG_LEN;       return f->signature;
    case VFWCFG_ID:         *len = VFWCFG_ID_LEN;        return f->id;
    case VFWCFG_RAM_SIZE:   *len = VFWCFG_RAM_SIZE_LEN;  return f->ram_size;
    case VFWCFG_NB_CPUS:
    case VFWCFG_MAX_CPUS:   *len = VFWCFG_CPUS_LEN;      return f->nb_cpus;
    case VFWCFG_FILE_DIR:   *len = VFWCFG_FILE_DIR_LEN;  return f->file_dir;
    default:                *len = 0;                    return NULL;
    }
}

int vfwcfg_read(void *dev, uint64_t offset, unsigned size, uint64_t *val)
{
    struct vfwcfg *f = dev;
    uint64_t ones = size >= 8 ? ~0ULL : (1ULL << (8 * size)) - 1;
    const uint8_t *data;
    uint32_t len;
    uint8_t v = 0;

    if (offset != DATA_OFFSET) {
        *val = 0;                       /* the selector is write-only */
        return 0;
    }
    data = item(f, &len);
    if (f->offset < len)
        v = data[f->offset++];          /* stops counting at the end */
    /* Bytes of a wider read beyond 0x511 belong to unclaimed ports. */
    *val = (ones & ~0xFFULL) | v;
    return 0;
}

int vfwcfg_write(void *dev, uint64_t offset, unsigned size, uint64_t val)
{
    struct vfwcfg *f = dev;

    if (offset == SEL_OFFSET && size >= 2) {
        f->selector = (uint16_t)val;
        f->offset = 0;
    }
    /* Data-port writes and byte writes to the selector: ignored. */
    return 0;
}
