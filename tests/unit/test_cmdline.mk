UNIT_TESTS += test_cmdline
test_cmdline_SRCS := lib/cmdline.c
