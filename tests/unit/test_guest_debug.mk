UNIT_TESTS += test_guest_debug
test_guest_debug_SRCS = $(VMX_UNIT_SRCS)
