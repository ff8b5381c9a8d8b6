UNIT_TESTS += test_frames
test_frames_SRCS := mm/frames.c mm/pmm.c boot/multiboot2.c lib/format.c tests/fakes/stub_log.c
