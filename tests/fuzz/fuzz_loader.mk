FUZZ_TARGETS += loader
fuzz_loader_SRCS := guest/loader.c guest/load_bzimage.c guest/load_mb1.c guest/load_elf.c guest/elf_plan.c guest/image.c guest/boot_cpu.c \
    guest/e820.c mm/guest_mem.c lib/format.c tests/fuzz/stub_log.c
fuzz_loader_LIBS := -Wl,--wrap=gmem_write -Wl,--wrap=gmem_zero
