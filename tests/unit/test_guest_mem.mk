UNIT_TESTS += test_guest_mem
test_guest_mem_SRCS := mm/guest_mem.c tests/fakes/stub_log.c
