/*
 * Multiboot2 header (Multiboot2 Specification, "Header format"): asks GRUB
 * for an ELF-loaded i386 kernel entered in 32-bit protected mode. It sits at
 * the start of the image's first loaded section (linker.ld), well inside the
 * first 32 KiB of the file where GRUB - BIOS and EFI alike - looks for it.
 * No EFI boot services tag: GRUB-EFI exits boot services before entering
 * the kernel and passes the EFI memory map. Tags:
 *   framebuffer ("The framebuffer tag of Multiboot2 header"): optional, no
 *   preferred size or depth; GRUB-EFI then sets a GOP mode and passes it in
 *   the framebuffer info tag. Under BIOS, grub.cfg's gfxpayload=text keeps
 *   VGA text mode (passed as an EGA text framebuffer).
 */
#define MB2_HEADER_MAGIC 0xE85250D6
#define MB2_ARCH_I386    0
#define MB2_HTAG_FRAMEBUFFER 5
#define MB2_HTAG_OPTIONAL    1

    .section .multiboot2, "a"
    .balign 8
mb2_header_start:
    .long MB2_HEADER_MAGIC
    .long MB2_ARCH_I386
    .long mb2_header_end - mb2_header_start
    .long -(MB2_HEADER_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header_start))
    /* framebuffer tag: type 5, flags optional, size 20, width, height, depth 0 */
    .balign 8
    .word MB2_HTAG_FRAMEBUFFER
    .word MB2_HTAG_OPTIONAL
    .long 20
    .long 0
    .long 0
    .long 0
    /* end tag: type 0, flags 0, size 8 */
    .balign 8
    .word 0
    .word 0
    .long 8
mb2_header_end:
