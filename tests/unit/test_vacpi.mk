UNIT_TESTS += test_vacpi
test_vacpi_SRCS := drivers/virt/vacpi_pm.c guest/acpi_tables.c guest/e820.c boot/acpi.c lib/format.c tests/fakes/stub_log.c
