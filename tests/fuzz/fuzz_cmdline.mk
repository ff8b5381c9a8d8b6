FUZZ_TARGETS += cmdline
fuzz_cmdline_SRCS := lib/cmdline.c
