/*
 * Fuzz target: the 16550A UART (drivers/virt/vuart16550.c) and the console
 * line buffer it writes to (vconsole.c).
 * The input scripts port reads/writes, received bytes, breaks and modem
 * input changes. After every step: the RX FIFO count is within its 16 bytes
 * (1 without FIFOs) and its head inside the ring, rx_space() agrees, a read
 * gives one byte, the IRQ line as last driven equals irq_level() and the
 * console line fits its buffer; every line handed to the sink
 * fits too.
 */
#include "tests/fuzz/fuzz.h"
#include <hv/errno.h>
#include "drivers/virt/vuart16550.h"
#include "drivers/virt/vconsole.h"

static struct vuart16550 uart;
static struct vconsole con;
static bool line;

static void irq_set(void *ctx, unsigned l, bool level)
{
    (void)ctx;
    (void)l;
    line = level;
}

static void sink(void *ctx, const char *s, size_t len)
{
    (void)ctx;
    (void)s;
    CHECK(len <= VCONSOLE_LINE_MAX, "console line of %zu bytes", len);
}

static void check(const struct vuart16550 *u)
{
    CHECK(u->rx_count <= UART_FIFO_DEPTH, "rx_count %u", u->rx_count);
    CHECK(u->rx_head < UART_FIFO_DEPTH, "rx_head %u", u->rx_head);
    CHECK(vuart16550_rx_space(u) <= UART_FIFO_DEPTH - u->rx_count, "rx_space %u with %u queued",
          vuart16550_rx_space(u), u->rx_count);
    CHECK(u->irq_level == vuart16550_irq_level(u), "irq_level %d", u->irq_level);
    CHECK(line == u->irq_level, "line %d, model %d", line, u->irq_level);
    CHECK(con.len <= VCONSOLE_LINE_MAX, "console buffer holds %zu", con.len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_in in = { data, size, 0 };
    struct virq_line irq = { .set = irq_set };
    uint64_t val;

    line = false;
    vconsole_init(&con, sink, NULL);
    vuart16550_init(&uart, &con);
    vuart16550_set_irq(&uart, &irq);
    check(&uart);
    while (fuzz_left(&in)) {
        uint8_t op = fuzz_u8(&in);
        unsigned off = (op >> 3) & 7, sz = 1u << ((op >> 6) & 1);
        int rc;
        switch (op & 7) {
        case 0:
        case 1:
        case 2:
            vuart16550_write(&uart, off, sz, fuzz_u16(&in));
            break;
        case 3:
        case 4:
            val = ~0ULL;
            vuart16550_read(&uart, off, sz, &val);
            CHECK(val >> (8 * sz) == 0, "read of %u bytes: 0x%llx", sz, (unsigned long long)val);
            break;
        case 5: {
            unsigned space = vuart16550_rx_space(&uart);
            rc = vuart16550_receive(&uart, fuzz_u8(&in));
            CHECK(rc == 0 || rc == -HV_E2BIG || rc == -HV_EBUSY, "receive: %d", rc);
            CHECK(rc != -HV_E2BIG || space == 0, "receive refused with %u bytes free", space);
            break;
        }
        case 6:
            vuart16550_receive_break(&uart);
            break;
        default:
            vuart16550_set_modem_inputs(&uart, fuzz_u8(&in));
            break;
        }
        check(&uart);
    }
    return 0;
}
