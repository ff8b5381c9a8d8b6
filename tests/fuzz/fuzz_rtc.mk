FUZZ_TARGETS += rtc
fuzz_rtc_SRCS := drivers/virt/vrtc.c tests/fuzz/stub_log.c
