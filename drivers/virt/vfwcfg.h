/*
 * QEMU's firmware configuration device, "fw_cfg", through its legacy x86
 * I/O-port interface (reference: QEMU docs/specs/fw_cfg.rst). Lets a guest
 * that knows QEMU (or Linux's qemu_fw_cfg driver) find the machine's RAM
 * size and CPU count.
 *
 *   0x510  selector, 16-bit write: chooses an item and rewinds its offset
 *   0x511  data, 8-bit read: the item's next byte; 0 past its end
 *
 * Items: signature "QEMU", interface ID 1 (traditional interface only),
 * RAM size, CPU count (also as the maximum CPU count) and an empty file
 * directory. Any other selector reads as an empty item (all zeros).
 *
 * Left out:
 *   - the DMA interface (0x514) and so every item written by the guest;
 *     data-port writes are ignored, as QEMU has done since 2.4;
 *   - files (no ACPI tables, e820 map, kernel, boot order, ...);
 *   - accesses other than the two above: a byte write to 0x510 is ignored,
 *     and reads of 0x510 return 0.
 */
#ifndef DRIVERS_VIRT_VFWCFG_H
#define DRIVERS_VIRT_VFWCFG_H

#include <hv/types.h>

/* Offsets in its two ports (at BOARD_FWCFG_PORT, 0x510, on a PC). */
#define VFWCFG_SELECTOR_OFF     0
#define VFWCFG_DATA_OFF         1
#define VFWCFG_NUM_PORTS        2

/* Selector keys */
#define VFWCFG_SIGNATURE        0x0000  /* "QEMU" */
#define VFWCFG_ID               0x0001  /* uint32 LE feature bitmap */
#define VFWCFG_RAM_SIZE         0x0003  /* uint64 LE, bytes */
#define VFWCFG_NB_CPUS          0x0005  /* uint16 LE, CPUs present at boot */
#define VFWCFG_MAX_CPUS         0x000F  /* uint16 LE */
#define VFWCFG_FILE_DIR         0x0019  /* uint32 BE count, then entries */
#define VFWCFG_WRITE_CHANNEL    0x4000  /* selector bit: ignored (no writes) */
#define VFWCFG_ARCH_LOCAL       0x8000  /* selector bit: arch items, none here */

#define VFWCFG_ID_TRADITIONAL   0x01    /* ID bit 0: the I/O-port interface */
#define VFWCFG_SIGNATURE_STR    "QEMU"

#define VFWCFG_SIG_LEN          4
#define VFWCFG_ID_LEN           4
#define VFWCFG_RAM_SIZE_LEN     8
#define VFWCFG_CPUS_LEN         2
#define VFWCFG_FILE_DIR_LEN     4       /* just the count */

struct vfwcfg {
    /* Item contents, in the byte order the guest reads them. */
    uint8_t signature[VFWCFG_SIG_LEN];
    uint8_t id[VFWCFG_ID_LEN];
    uint8_t ram_size[VFWCFG_RAM_SIZE_LEN];
    uint8_t nb_cpus[VFWCFG_CPUS_LEN];
    uint8_t file_dir[VFWCFG_FILE_DIR_LEN];
    uint16_t selector;                  /* as written, including flag bits */
    uint32_t offset;                    /* next byte of the selected item */
};

/* Items for a guest with `ram_size` bytes of RAM and `ncpus` vCPUs.
 * Selector 0 (the signature) is selected. */
void vfwcfg_init(struct vfwcfg *f, uint64_t ram_size, uint16_t ncpus);

/* io_ops callbacks for its two ports (offset 0 selector, 1 data): a write of
 * 2 or more bytes at offset 0 selects (low 16 bits), a read at offset 1
 * returns the next data byte (bytes above it in a wider read are all ones).
 * Never fail. */
int vfwcfg_read(void *dev, uint64_t offset, unsigned size, uint64_t *val);
int vfwcfg_write(void *dev, uint64_t offset, unsigned size, uint64_t val);

#endif
