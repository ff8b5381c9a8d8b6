UNIT_TESTS += test_slice_timer
test_slice_timer_SRCS = $(VMX_UNIT_SRCS)
