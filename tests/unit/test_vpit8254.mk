UNIT_TESTS += test_vpit8254
test_vpit8254_SRCS := drivers/virt/vpit8254.c
