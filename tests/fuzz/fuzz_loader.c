/*
 * Fuzz target: the guest loaders behind guest_load() (guest/loader.c,
 * load_bzimage.c, load_mb1.c, load_elf.c, e820.c) on images, modules and
 * command lines from the input.
 * Input: byte 0 = flags (bits 0-1 module count, bit 2 a command line,
 * bit 3 8 MiB of RAM instead of 4, bit 4 no path); bytes 1-2 the command
 * line length; per module a 32-bit offset and length into the image; the
 * rest is the image. Every part is its own heap block so AddressSanitizer
 * sees any read past it.
 * Checked: on failure a reason is given and guest RAM is untouched; on
 * success the image lies in [1 MiB, RAM size), the entry point is inside
 * it (bzImage: its start + 0x200), a 32-bit entry is below 4 GiB and the
 * multiboot information pointer is in the boot-info area.
 */
#include "tests/fuzz/fuzz.h"
#include <hv/errno.h>
#include "guest/loader.h"
#include "mm/guest_mem.h"

#define RAM_CHUNKS 4            /* 8 MiB backed; size 4 or 8 MiB */

static struct guest_mem mem;
static unsigned ram_writes;

/* The loaders write guest RAM only through gmem_write/gmem_zero: the build
 * wraps them (-Wl,--wrap) to count the writes that succeeded. */
int __real_gmem_write(struct guest_mem *m, gpa_t gpa, const void *src, size_t len);
int __real_gmem_zero(struct guest_mem *m, gpa_t gpa, size_t len);
int __wrap_gmem_write(struct guest_mem *m, gpa_t gpa, const void *src, size_t len);
int __wrap_gmem_zero(struct guest_mem *m, gpa_t gpa, size_t len);

int __wrap_gmem_write(struct guest_mem *m, gpa_t gpa, const void *src, size_t len)
{
    int rc = __real_gmem_write(m, gpa, src, len);
    if (rc == 0 && len)
        ram_writes++;
    return rc;
}

int __wrap_gmem_zero(struct guest_mem *m, gpa_t gpa, size_t len)
{
    int rc = __real_gmem_zero(m, gpa, len);
    if (rc == 0 && len)
        ram_writes++;
    return rc;
}

static uint8_t *copy(const uint8_t *p, size_t n)
{
    uint8_t *c = malloc(n ? n : 1);
    memcpy(c, p, n);
    return c;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_in in = { data, size, 0 };
    struct guest_module mods[3];
    uint8_t *mod_data[3] = { 0 };
    struct guest_image img = { .name = "fuzz", .path = "/guests/fuzz" };
    struct guest_loaded st;
    char err[256];

    if (!mem.chunk[0])
        for (unsigned i = 0; i < RAM_CHUNKS; i++)
            mem.chunk[i] = malloc(GMEM_CHUNK_SIZE);
    uint8_t flags = fuzz_u8(&in);
    size_t cl = fuzz_u16(&in);
    unsigned nmods = flags & 3;
    uint32_t moff[3], mlen[3];
    for (unsigned i = 0; i < nmods; i++) {
        moff[i] = fuzz_u32(&in);
        mlen[i] = fuzz_u32(&in);
    }
    size_t isize = in.pos < size ? size - in.pos : 0;
    uint8_t *image = copy(data + in.pos, isize);
    char *cmdline = NULL;
    if (flags & 4) {
        cmdline = malloc(cl + 1);
        memset(cmdline, 'a', cl);
        cmdline[cl] = '\0';
    }
    for (unsigned i = 0; i < nmods; i++) {
        size_t off = isize ? moff[i] % isize : 0;
        size_t len = mlen[i] % (isize - off + 1);
        mod_data[i] = copy(image + off, len);
        mods[i] = (struct guest_module){ mod_data[i], len, i == 1 ? NULL : "module string" };
    }
    img.data = image;
    img.size = isize;
    img.cmdline = cmdline;
    img.mods = mods;
    img.nmods = nmods;
    if (flags & 16)
        img.path = NULL;

    mem.size = (flags & 8) ? MiB(8) : MiB(4);
    mem.nchunks = (unsigned)(mem.size / GMEM_CHUNK_SIZE);
    ram_writes = 0;
    memset(err, 'X', sizeof(err));
    int rc = guest_load(&mem, &img, &st, err, sizeof(err));
    if (getenv("FUZZ_VERBOSE"))
        fprintf(stderr, "guest_load: %d %s (%s)\n", rc, err, rc ? "" : st.format);
    CHECK(memchr(err, 0, sizeof(err)), "reason not terminated");
    if (rc != 0) {
        CHECK(rc == -HV_ENOEXEC || rc == -HV_EINVAL || rc == -HV_E2BIG, "guest_load: %d (%s)", rc,
              err);
        CHECK(err[0], "failure %d without a reason", rc);
        CHECK(ram_writes == 0, "guest RAM written by a failed load (%d: %s)", rc, err);
    } else {
        CHECK(st.format, "no format");
        CHECK(st.load_start >= GUEST_LEGACY_END && st.load_start <= st.load_end &&
              st.load_end <= mem.size, "%s image at [0x%llx, 0x%llx) in %llu MiB", st.format,
              (unsigned long long)st.load_start, (unsigned long long)st.load_end,
              (unsigned long long)(mem.size >> 20));
        CHECK(st.regs.rip >= st.load_start && st.regs.rip < st.load_end, "%s entry 0x%llx outside [0x%llx, 0x%llx)",
              st.format, (unsigned long long)st.regs.rip, (unsigned long long)st.load_start,
              (unsigned long long)st.load_end);
        if (!(st.regs.efer & 0x400))            /* not long mode */
            CHECK(st.regs.rip < GiB(4), "32-bit entry 0x%llx", (unsigned long long)st.regs.rip);
        if (!strcmp(st.format, "multiboot1"))
            CHECK(st.regs.gpr[GPR_RAX] == 0x2BADB002 && st.regs.gpr[GPR_RBX] >= GUEST_BOOTINFO_BASE &&
                  st.regs.gpr[GPR_RBX] < GUEST_BOOTINFO_END, "multiboot1 EAX 0x%llx EBX 0x%llx",
                  (unsigned long long)st.regs.gpr[GPR_RAX], (unsigned long long)st.regs.gpr[GPR_RBX]);
    }
    for (unsigned i = 0; i < nmods; i++)
        free(mod_data[i]);
    free(cmdline);
    free(image);
    return 0;
}
