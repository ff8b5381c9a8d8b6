UNIT_TESTS += test_xsavec_check
test_xsavec_check_SRCS := vmx/xsavec_check.c
