UNIT_TESTS += test_vpic8259
test_vpic8259_SRCS := drivers/virt/vpic8259.c
