UNIT_TESTS += test_exit_handlers
test_exit_handlers_SRCS = $(VMX_UNIT_SRCS)
