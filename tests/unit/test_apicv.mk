UNIT_TESTS += test_apicv
test_apicv_SRCS = $(VMX_UNIT_SRCS)
