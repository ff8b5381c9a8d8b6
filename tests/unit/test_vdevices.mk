UNIT_TESTS += test_vdevices
test_vdevices_SRCS := drivers/virt/vconsole.c drivers/virt/vuart16550.c drivers/virt/testdev.c
