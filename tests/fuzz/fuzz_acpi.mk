FUZZ_TARGETS += acpi
fuzz_acpi_SRCS := boot/acpi.c lib/format.c tests/fuzz/stub_log.c
