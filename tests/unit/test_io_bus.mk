UNIT_TESTS += test_io_bus
test_io_bus_SRCS := vmm/io_bus.c
