UNIT_TESTS += test_lapic_timer
test_lapic_timer_SRCS := drivers/hw/lapic.c
