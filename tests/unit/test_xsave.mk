UNIT_TESTS += test_xsave
test_xsave_SRCS := vmx/xsave.c
