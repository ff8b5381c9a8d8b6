FUZZ_TARGETS += pic
fuzz_pic_SRCS := drivers/virt/vpic8259.c tests/fuzz/stub_log.c
