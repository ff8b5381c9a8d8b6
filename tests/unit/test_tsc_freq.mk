UNIT_TESTS += test_tsc_freq
test_tsc_freq_SRCS := drivers/hw/tsc_freq.c
