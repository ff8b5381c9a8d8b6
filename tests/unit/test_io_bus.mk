UNIT_TESTS += test_io_bus
test_io_bus_SRCS := vmx/io_bus.c
