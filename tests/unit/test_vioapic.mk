UNIT_TESTS += test_vioapic
test_vioapic_SRCS := drivers/virt/vioapic.c
