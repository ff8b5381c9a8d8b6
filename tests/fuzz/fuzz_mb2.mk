FUZZ_TARGETS += mb2
fuzz_mb2_SRCS := boot/multiboot2.c lib/format.c tests/fuzz/stub_log.c
