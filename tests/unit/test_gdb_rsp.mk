UNIT_TESTS += test_gdb_rsp
test_gdb_rsp_SRCS := lib/gdb_rsp.c
