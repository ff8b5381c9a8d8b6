UNIT_TESTS += test_multiboot2
test_multiboot2_SRCS := boot/multiboot2.c lib/format.c tests/fakes/stub_log.c
