UNIT_TESTS += test_bzimage
test_bzimage_SRCS := guest/load_bzimage.c guest/loader.c guest/load_mb1.c guest/load_elf.c guest/elf_plan.c guest/image.c guest/boot_cpu.c guest/e820.c mm/guest_mem.c lib/format.c tests/fakes/stub_log.c
