UNIT_TESTS += test_textgrid
test_textgrid_SRCS := drivers/hw/textgrid.c drivers/hw/fbcon.c
