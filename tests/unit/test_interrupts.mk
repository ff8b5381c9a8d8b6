UNIT_TESTS += test_interrupts
test_interrupts_SRCS = $(VMX_UNIT_SRCS)
