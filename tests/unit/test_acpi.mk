UNIT_TESTS += test_acpi
test_acpi_SRCS := boot/acpi.c lib/format.c tests/fakes/stub_log.c
