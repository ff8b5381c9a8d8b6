UNIT_TESTS += test_vuart16550
test_vuart16550_SRCS := drivers/virt/vuart16550.c drivers/virt/vconsole.c
