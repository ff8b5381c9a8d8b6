FUZZ_TARGETS += ioapic
fuzz_ioapic_SRCS := drivers/virt/vioapic.c tests/fuzz/stub_log.c
