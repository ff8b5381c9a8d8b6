/*
 * The virtual PC every guest gets, wired: its device models on the I/O bus
 * at the ports and MMIO pages of include/hv/board_layout.h (the one description of
 * the board, which the E820 map and the ACPI tables follow too), their
 * interrupt lines routed to the PIC pair and the IOAPIC, and the ACPI
 * tables (RSDP, RSDT/XSDT, FADT, FACS, MADT, DSDT with \_S5) written at
 * BOARD_ACPI_BASE.
 */
#include "vmm/board.h"
#include "drivers/hw/console.h"
#include "drivers/hw/host_time.h"
#include "drivers/hw/rtc.h"
#include "guest/acpi_tables.h"
#include "boot/msr.h"
#include "boot/x86.h"
#include <hv/board_layout.h>
#include <hv/format.h>
#include <hv/string.h>

/* ---- time ---- */
static uint64_t vm_clock_now(void *ctx)
{
    const struct vm *vm = ctx;
    return muldiv64(rdtsc() - vm->tsc_base, NS_PER_SEC, host_time_tsc_hz());
}

uint64_t board_now_ns(const struct vm *vm)
{
    return vm_clock_now((void *)vm);
}

/* The first TSC time at which vm's clock reads at least ns (rounded up, so
 * that a timer armed for it finds its event due, not a few ns early). */
static uint64_t ns_to_tsc(const struct vm *vm, uint64_t ns)
{
    if (ns == VCLOCK_NEVER)
        return UINT64_MAX;
    uint64_t hz = host_time_tsc_hz();
    uint64_t t = muldiv64(ns, hz, NS_PER_SEC);
    if (muldiv64(t, NS_PER_SEC, hz) < ns)
        t++;
    return vm->tsc_base + t;
}

static uint64_t guest_tsc(void *ctx)
{
    (void)ctx;
    return rdtsc();                       /* guests run with TSC offset 0 */
}

/* ---- interrupt wiring ---- */

/* The vCPU's local APIC, current (vcpu_lapic in vmm/vm.h, inline here: the
 * xAPIC's MMIO path runs through it). */
static inline struct vlapic *lapic(struct vm *vm)
{
    struct vcpu *v = &vm->vcpu;
    if (v->page_stale)
        vcpu_lapic_take_page(v);
    return &v->lapic;
}

void board_irq_line(struct vm *vm, unsigned irq, bool level)
{
    vpic8259_set_irq(&vm->pic, irq, level);
    vioapic_set_irq(&vm->ioapic, irq == BOARD_PIT_IRQ ? BOARD_PIT_GSI : irq, level);
}

/* The board's own devices raise their lines through here (struct virq_line). */
static void isa_irq_set(void *ctx, unsigned irq, bool level)
{
    board_irq_line(ctx, irq, level);
}

static void pic_output(void *ctx, unsigned line, bool level)
{
    (void)line;
    if (level)
        vm_kick(ctx);
}

static bool ioapic_deliver(void *ctx, uint8_t vector, uint32_t dest, bool logical, bool level)
{
    struct vm *vm = ctx;
    (void)dest;
    (void)logical;                        /* one vCPU: every destination is it */
    return vlapic_accept(lapic(vm), vector, level);
}

static void lapic_kick(void *ctx) { vm_kick(ctx); }

static void lapic_eoi(void *ctx, uint8_t vector)
{
    struct vm *vm = ctx;
    vioapic_eoi(&vm->ioapic, vector);
}

/* The PIC's interrupt on LINT0 (struct vm_board_ops). */
static int board_extint(struct vm *vm, bool ack)
{
    if (!vpic8259_has_interrupt(&vm->pic))
        return -1;
    return ack ? vpic8259_ack(&vm->pic) : 0;   /* without ack: "something is pending" */
}

void board_assert_lint(struct vm *vm, unsigned pin)
{
    struct vlapic *l = lapic(vm);
    vlapic_set_lint(l, pin, true);          /* an edge: NMIs are edge-triggered */
    vlapic_set_lint(l, pin, false);
}

/* ---- timers ---- */
/* A timer chip was touched by the guest: its next event is computed anew. */
static inline void timers_changed(struct vm *vm, unsigned which)
{
    vm->timers_dirty |= (uint8_t)which;
    vm_timers_changed(vm);
}

/* Only devices the guest touched or whose event is due do any work. */
void board_update_timers(struct vm *vm)
{
    vm->vcpu.work &= (uint8_t)~VCPU_WORK_TIMERS;
    uint64_t now = board_now_ns(vm);
    if ((vm->timers_dirty & BOARD_TIMER_PIT) || vm->pit_next_ns <= now) {
        vpit8254_advance(&vm->pit);
        vm->pit_next_ns = vpit8254_next_event(&vm->pit);
    }
    if ((vm->timers_dirty & BOARD_TIMER_RTC) || vm->rtc_next_ns <= now) {
        vrtc_advance(&vm->rtc);
        vm->rtc_next_ns = vrtc_next_event(&vm->rtc);
    }
    vm->timers_dirty = 0;
    /* Only a due timer changes the LAPIC (and needs the page taken). Its
     * TSC deadline is compared in TSC units; the one-shot and periodic
     * modes count in ns. */
    struct vlapic *l = &vm->vcpu.lapic;
    uint64_t lapic_due = vlapic_next_count_event(l);
    if (vlapic_tsc_next(l) <= guest_tsc(vm) || (lapic_due != VCLOCK_NEVER && lapic_due <= now))
        vlapic_advance(lapic(vm));
    uint64_t next = MIN(vm->pit_next_ns, vm->rtc_next_ns);
    next = MIN(next, vlapic_next_count_event(l));
    vm->dev_next_tsc = ns_to_tsc(vm, next);
    vm->next_event_tsc = MIN(vm->dev_next_tsc, vlapic_tsc_next(l));
}

bool board_can_wake(struct vm *vm)
{
    return vm->next_event_tsc != UINT64_MAX || (vm->com1.ier & UART_IER_ERBFI) ||
           vcpu_interrupt_pending(&vm->vcpu);
}

void board_feed_input(struct vm *vm)
{
    while (vm->input_len && vuart16550_rx_space(&vm->com1)) {
        vuart16550_receive(&vm->com1, vm->input[vm->input_head]);
        vm->input_head = (vm->input_head + 1) % sizeof(vm->input);
        vm->input_len--;
    }
}

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

/* ---- small port devices of the platform itself ---- */
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
    *val = BOARD_DEBUGCON_PORT;       /* Bochs and QEMU answer 0xE9: "debug console here" */
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

static void guest_reset(void *ctx)
{
    vm_stop(ctx, VM_END_RESET, 0, "reset (the guest asked the platform to reset)");
}

static void guest_poweroff(void *ctx)
{
    vm_stop(ctx, VM_END_POWEROFF, 0, "powered off (ACPI S5)");
}

/* Timer chips: after the guest touches one, its next event is recomputed. */
#define TIMED_WRITE(name, fn, field, which)                                       \
    static int name(void *dev, uint64_t off, unsigned size, uint64_t val)         \
    {                                                                             \
        struct vm *vm = dev;                                                      \
        int rc = fn(&vm->field, off, size, val);                                  \
        timers_changed(vm, which);                                                \
        return rc;                                                                \
    }
#define PLAIN_READ(name, fn, field)                                               \
    static int name(void *dev, uint64_t off, unsigned size, uint64_t *val)        \
    {                                                                             \
        struct vm *vm = dev;                                                      \
        return fn(&vm->field, off, size, val);                                    \
    }
/* Reading RTC register C acknowledges the periodic interrupt, which moves
 * the RTC's next event: a timed read. */
#define TIMED_READ(name, fn, field, which)                                        \
    static int name(void *dev, uint64_t off, unsigned size, uint64_t *val)        \
    {                                                                             \
        struct vm *vm = dev;                                                      \
        int rc = fn(&vm->field, off, size, val);                                  \
        timers_changed(vm, which);                                                \
        return rc;                                                                \
    }
TIMED_WRITE(pit_write, vpit8254_write, pit, BOARD_TIMER_PIT)
TIMED_WRITE(port61_write, vpit8254_port61_write, pit, BOARD_TIMER_PIT)
TIMED_WRITE(rtc_write, vrtc_write, rtc, BOARD_TIMER_RTC)
PLAIN_READ(pit_read, vpit8254_read, pit)
PLAIN_READ(port61_read, vpit8254_port61_read, pit)
TIMED_READ(rtc_read, vrtc_read, rtc, BOARD_TIMER_RTC)

static int lapic_write(void *dev, uint64_t off, unsigned size, uint64_t val)
{
    struct vm *vm = dev;
    int rc = vlapic_mmio_write(lapic(vm), off, size, val);
    if (vlapic_reg_affects_timer(off))
        vm_timers_changed(vm);
    return rc;
}

static int lapic_read(void *dev, uint64_t off, unsigned size, uint64_t *val)
{
    return vlapic_mmio_read(lapic(dev), off, size, val);
}

static const struct io_ops uart_ops = { vuart16550_read, vuart16550_write };
static const struct io_ops debugcon_ops = { debugcon_read, debugcon_write };
static const struct io_ops debug_exit_ops = { NULL, debug_exit_write };
static const struct io_ops testdev_ops = { testdev_read, testdev_write };
static const struct io_ops pic_master_ops = { vpic8259_master_read, vpic8259_master_write };
static const struct io_ops pic_slave_ops = { vpic8259_slave_read, vpic8259_slave_write };
static const struct io_ops elcr_ops = { vpic8259_elcr_read, vpic8259_elcr_write };
static const struct io_ops pit_ops = { pit_read, pit_write };
static const struct io_ops port61_ops = { port61_read, port61_write };
static const struct io_ops rtc_ops = { rtc_read, rtc_write };
static const struct io_ops kbc_data_ops = { vi8042_data_read, vi8042_data_write };
static const struct io_ops kbc_cmd_ops = { vi8042_cmd_read, vi8042_cmd_write };
static const struct io_ops sysctl_a_ops = { vi8042_sysctl_a_read, vi8042_sysctl_a_write };
static const struct io_ops reset_ctl_ops = { vi8042_rst_cnt_read, vi8042_rst_cnt_write };
static const struct io_ops post_ops = { vi8042_post_read, vi8042_post_write };
static const struct io_ops fwcfg_ops = { vfwcfg_read, vfwcfg_write };
static const struct io_ops pm_ops = { vacpi_pm_read, vacpi_pm_write };
static const struct io_ops lapic_ops = { lapic_read, lapic_write };
static const struct io_ops ioapic_ops = { vioapic_mmio_read, vioapic_mmio_write };

struct device_range {
    enum io_space space;
    uint64_t base, len;
    const struct io_ops *ops;
    size_t dev_offset;               /* offset of the model in struct vm; SIZE_MAX = the vm */
    const char *name;
};

#define DEV(field) offsetof(struct vm, field)
#define THE_VM     SIZE_MAX

static const struct device_range devices[] = {
    { IO_SPACE_PIO, BOARD_PIC_MASTER_PORT, VPIC_NUM_PORTS, &pic_master_ops, DEV(pic), "pic-master" },
    { IO_SPACE_PIO, BOARD_PIC_SLAVE_PORT, VPIC_NUM_PORTS, &pic_slave_ops, DEV(pic), "pic-slave" },
    { IO_SPACE_PIO, BOARD_ELCR_PORT, VPIC_ELCR_NUM_PORTS, &elcr_ops, DEV(pic), "elcr" },
    { IO_SPACE_PIO, BOARD_PIT_PORT, VPIT_NUM_PORTS, &pit_ops, THE_VM, "pit" },
    { IO_SPACE_PIO, BOARD_PORT_B, VPIT_PORT61_NUM_PORTS, &port61_ops, THE_VM, "port61" },
    { IO_SPACE_PIO, BOARD_RTC_PORT, VRTC_NUM_PORTS, &rtc_ops, THE_VM, "rtc" },
    { IO_SPACE_PIO, BOARD_I8042_DATA_PORT, 1, &kbc_data_ops, DEV(kbc), "i8042-data" },
    { IO_SPACE_PIO, BOARD_I8042_CMD_PORT, 1, &kbc_cmd_ops, DEV(kbc), "i8042-cmd" },
    { IO_SPACE_PIO, BOARD_PORT_A, 1, &sysctl_a_ops, DEV(kbc), "port92" },
    { IO_SPACE_PIO, BOARD_RESET_PORT, 1, &reset_ctl_ops, DEV(kbc), "reset-control" },
    { IO_SPACE_PIO, BOARD_POST_PORT, 1, &post_ops, DEV(kbc), "post" },
    { IO_SPACE_PIO, BOARD_FWCFG_PORT, VFWCFG_NUM_PORTS, &fwcfg_ops, DEV(fwcfg), "fw_cfg" },
    { IO_SPACE_PIO, BOARD_ACPI_PM_PORT, VACPI_PM_NUM_PORTS, &pm_ops, DEV(pm), "acpi-pm" },
    { IO_SPACE_PIO, BOARD_COM1_PORT, UART_NUM_REGS, &uart_ops, DEV(com1), "com1" },
    { IO_SPACE_PIO, BOARD_DEBUGCON_PORT, 1, &debugcon_ops, THE_VM, "debugcon" },
    { IO_SPACE_PIO, BOARD_DEBUG_EXIT_PORT, 4, &debug_exit_ops, THE_VM, "isa-debug-exit" },
    { IO_SPACE_MMIO, BOARD_LAPIC_BASE, BOARD_APIC_PAGE_SIZE, &lapic_ops, THE_VM, "lapic" },
    { IO_SPACE_MMIO, BOARD_IOAPIC_BASE, BOARD_APIC_PAGE_SIZE, &ioapic_ops, DEV(ioapic), "ioapic" },
    { IO_SPACE_MMIO, BOARD_TESTDEV_BASE, TESTDEV_MMIO_SIZE, &testdev_ops, DEV(testdev), "testdev" },
};

static int write_guest(void *ctx, uint64_t gpa, const void *data, size_t len)
{
    struct vm *vm = ctx;
    return gmem_write(&vm->mem, gpa, data, len);
}

static const struct vm_board_ops board_ops = {
    .extint = board_extint,
    .update_timers = board_update_timers,
};

int board_attach(struct vm *vm)
{
    static const struct vlapic_ops lapic_ops_cb = {
        .eoi = lapic_eoi, .kick = lapic_kick, .tsc_now = guest_tsc,
    };
    static const struct vioapic_ops ioapic_ops_cb = { .deliver = ioapic_deliver };
    const struct virq_line irq0 = { isa_irq_set, vm, BOARD_PIT_IRQ };
    const struct virq_line irq4 = { isa_irq_set, vm, BOARD_COM1_IRQ };
    const struct virq_line irq8 = { isa_irq_set, vm, BOARD_RTC_IRQ };
    const struct virq_line pic_int = { pic_output, vm, 0 };
    struct vrtc_time now;
    int rc;

    vm->board_ops = &board_ops;
    vm->tsc_base = rdtsc();
    vm->clock = (struct vclock){ vm_clock_now, vm };
    vconsole_init(&vm->console, console_sink, vm);
    vconsole_init(&vm->debugcon, console_sink, vm);
    vuart16550_init(&vm->com1, &vm->console);
    vuart16550_set_irq(&vm->com1, &irq4);
    testdev_init(&vm->testdev, &vm->console);
    vpic8259_init(&vm->pic);
    vpic8259_connect_output(&vm->pic, &pic_int);
    vioapic_init(&vm->ioapic, BOARD_IOAPIC_ID, &ioapic_ops_cb, vm);
    vlapic_init(&vm->vcpu.lapic, vm->vcpu.id, true, &vm->clock, host_time_tsc_hz(), &lapic_ops_cb, vm);
    vpit8254_init(&vm->pit, &vm->clock, &irq0);
    rtc_read_time(&now);
    vrtc_init(&vm->rtc, &vm->clock, &irq8, &now, vm->mem.size);
    vi8042_init(&vm->kbc, guest_reset, vm);
    vfwcfg_init(&vm->fwcfg, vm->mem.size, 1);
    vacpi_pm_init(&vm->pm, &vm->clock, BOARD_S5_SLP_TYP, guest_poweroff, vm);

    io_bus_init(&vm->bus);
    for (unsigned i = 0; i < ARRAY_SIZE(devices); i++) {
        const struct device_range *d = &devices[i];
        void *dev = d->dev_offset == THE_VM ? (void *)vm : (uint8_t *)vm + d->dev_offset;
        rc = io_bus_register(&vm->bus, d->space, d->base, d->len, d->ops, dev, d->name);
        if (rc < 0)
            return rc;
    }

    struct acpi_tables_config acfg;
    acpi_tables_default_config(&acfg, 1);
    rc = acpi_tables_build(&acfg, write_guest, vm);
    if (rc < 0)
        return rc;

    vm->next_event_tsc = vm->dev_next_tsc = UINT64_MAX;
    vm->timers_dirty = BOARD_TIMER_PIT | BOARD_TIMER_RTC;
    return 0;
}
