/*
 * Guest image format detection and the checks every loader shares.
 *
 * guest_load() tries the Linux bzImage loader first (its "HdrS" setup
 * header is unambiguous), then multiboot1 (a multiboot header wins over the
 * ELF headers, as in GRUB), then the plain ELF loader; anything else is
 * refused. The rules every loader shares are in guest/image.c.
 *
 * Reference: Multiboot Specification 0.6.96 section 3.1 (header search);
 * see guest/load_mb1.c and guest/load_elf.c for the formats themselves.
 *
 * Left out: multiboot2 and raw binaries.
 */
#include "guest/loader.h"
#include <hv/errno.h>
#include <hv/string.h>

int guest_load(struct guest_mem *mem, const struct guest_image *img,
               struct guest_loaded *out, char *err, size_t errlen)
{
    int rc;

    if (err && errlen)
        err[0] = '\0';
    if (!mem || !img || !out)
        return loader_fail(err, errlen, -HV_EINVAL, "missing guest, image or state");
    memset(out, 0, sizeof(*out));

    rc = load_bzimage(mem, img, out, err, errlen);
    if (rc != -HV_ENOEXEC)
        return rc;
    rc = load_mb1(mem, img, out, err, errlen);
    if (rc != -HV_ENOEXEC)
        return rc;
    rc = load_elf(mem, img, out, err, errlen);
    if (rc != -HV_ENOEXEC)
        return rc;
    return loader_fail(err, errlen, -HV_ENOEXEC,
                       "not a Linux bzImage, multiboot1 kernel or ELF executable");
}
