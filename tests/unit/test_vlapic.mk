UNIT_TESTS += test_vlapic
test_vlapic_SRCS := drivers/virt/vlapic.c
