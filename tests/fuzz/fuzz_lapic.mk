FUZZ_TARGETS += lapic
fuzz_lapic_SRCS := drivers/virt/vlapic.c tests/fuzz/stub_log.c
