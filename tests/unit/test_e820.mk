UNIT_TESTS += test_e820
test_e820_SRCS := guest/e820.c tests/fakes/stub_log.c
