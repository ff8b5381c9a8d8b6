FUZZ_TARGETS += pit
fuzz_pit_SRCS := drivers/virt/vpit8254.c tests/fuzz/stub_log.c
