UNIT_TESTS += test_gdbstub
test_gdbstub_SRCS := vmm/gdbstub.c lib/gdb_rsp.c lib/format.c mm/guest_mem.c tests/fakes/stub_log.c
