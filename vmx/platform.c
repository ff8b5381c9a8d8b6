/*
 * The virtual PC (QEMU PC conventions, so kernels written for QEMU behave
 * the same):
 *   ports  0x3F8-0x3FF  COM1, 16550A UART          (IRQ 4)
 *          0xE9         debug console (Bochs/QEMU)
 *          0xF4         QEMU isa-debug-exit: stops the guest, status (v << 1) | 1
 *   MMIO   0xFEB00000   testdev (drivers/virt/testdev.h)
 * Unlisted ports read as all ones and drop writes (vmx/exit_io.c).
 */
#include "vmx/platform.h"
#include "vmx/interrupts.h"
#include "drivers/hw/console.h"
#include "boot/x86.h"
#include <hv/format.h>
#include <hv/string.h>

#define PORT_COM1         0x3F8
#define PORT_DEBUGCON     0xE9
#define PORT_DEBUG_EXIT   0xF4

/* ---- console sink: "[name] line" as one write ---- */
static void console_sink(void *ctx, const char *line, size_t len)
{
    struct vm *vm = ctx;
    char buf[VM_NAME_MAX + VCONSOLE_LINE_MAX + 8];
    size_t n = (size_t)fmt_snprintf(buf, sizeof(buf), "[%s] ", vm->name);
    memcpy(buf + n, line, len);
    n += len;
    buf[n++] = '\n';
    console_write(buf, n);
}

/* ---- small port devices ---- */
static int debugcon_write(void *dev, uint64_t off, unsigned size, uint64_t val)
{
    struct vm *vm = dev;
    (void)off;
    for (unsigned i = 0; i < size; i++)
        vconsole_putc(&vm->debugcon, (char)(val >> (8 * i)));
    return 0;
}

static int debugcon_read(void *dev, uint64_t off, unsigned size, uint64_t *val)
{
    (void)dev; (void)off; (void)size;
    *val = PORT_DEBUGCON;             /* Bochs and QEMU answer 0xE9: "debug console here" */
    return 0;
}

static int debug_exit_write(void *dev, uint64_t off, unsigned size, uint64_t val)
{
    struct vm *vm = dev;
    (void)off;
    uint64_t v = size == 4 ? (uint32_t)val : size == 2 ? (uint16_t)val : (uint8_t)val;
    uint64_t status = (v << 1) | 1;
    vm_stop(vm, VM_END_EXIT_PORT, status, "exited with status %llu (debug-exit port, value %#llx)",
            (unsigned long long)status, (unsigned long long)v);
    return 0;
}

static const struct io_ops uart_ops = { vuart16550_read, vuart16550_write };
static const struct io_ops debugcon_ops = { debugcon_read, debugcon_write };
static const struct io_ops debug_exit_ops = { NULL, debug_exit_write };
static const struct io_ops testdev_ops = { testdev_read, testdev_write };

int platform_attach(struct vm *vm)
{
    int rc;
    vconsole_init(&vm->console, console_sink, vm);
    vconsole_init(&vm->debugcon, console_sink, vm);
    vuart16550_init(&vm->com1, &vm->console);
    testdev_init(&vm->testdev, &vm->console);
    io_bus_init(&vm->bus);
    if ((rc = io_bus_register(&vm->bus, IO_SPACE_PIO, PORT_COM1, VUART_NUM_PORTS, &uart_ops,
                              &vm->com1, "com1")) < 0 ||
        (rc = io_bus_register(&vm->bus, IO_SPACE_PIO, PORT_DEBUGCON, 1, &debugcon_ops, vm,
                              "debugcon")) < 0 ||
        (rc = io_bus_register(&vm->bus, IO_SPACE_PIO, PORT_DEBUG_EXIT, 4, &debug_exit_ops, vm,
                              "isa-debug-exit")) < 0 ||
        (rc = io_bus_register(&vm->bus, IO_SPACE_MMIO, TESTDEV_MMIO_BASE, TESTDEV_MMIO_SIZE,
                              &testdev_ops, &vm->testdev, "testdev")) < 0)
        return rc;
    vm->next_event_tsc = UINT64_MAX;
    return 0;
}

int platform_pending_vector(struct vm *vm, bool ack)
{
    (void)vm;
    (void)ack;
    return -1;
}

void platform_update_timers(struct vm *vm)
{
    vm->vcpu.work &= (uint8_t)~VCPU_WORK_TIMERS;
    vm->next_event_tsc = UINT64_MAX;
}

bool platform_can_wake(const struct vm *vm)
{
    (void)vm;
    return false;
}

void platform_feed_input(struct vm *vm)
{
    (void)vm;
}

uint64_t platform_now_ns(const struct vm *vm)
{
    (void)vm;
    return 0;
}
