FUZZ_TARGETS += cmdline
fuzz_cmdline_SRCS := lib/cmdline.c lib/format.c tests/fuzz/stub_log.c
