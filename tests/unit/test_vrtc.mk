UNIT_TESTS += test_vrtc
test_vrtc_SRCS := drivers/virt/vrtc.c tests/fakes/stub_log.c
