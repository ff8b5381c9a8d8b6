UNIT_TESTS += test_kbd_set1
test_kbd_set1_SRCS := drivers/hw/kbd_set1.c
