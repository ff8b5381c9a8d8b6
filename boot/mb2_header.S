/*
 * Multiboot2 header (Multiboot2 Specification, "Header format"): asks GRUB
 * for an ELF-loaded i386 kernel entered in 32-bit protected mode. No tags
 * besides the end tag: the kernel reads everything it needs from the
 * boot information GRUB passes in EBX.
 */
#define MB2_HEADER_MAGIC 0xE85250D6
#define MB2_ARCH_I386    0

    .section .multiboot2, "a"
    .balign 8
mb2_header_start:
    .long MB2_HEADER_MAGIC
    .long MB2_ARCH_I386
    .long mb2_header_end - mb2_header_start
    .long -(MB2_HEADER_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header_start))
    /* end tag: type 0, flags 0, size 8 */
    .balign 8
    .word 0
    .word 0
    .long 8
mb2_header_end:
