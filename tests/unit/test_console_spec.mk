UNIT_TESTS += test_console_spec
test_console_spec_SRCS := drivers/hw/console_spec.c
