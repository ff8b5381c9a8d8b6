/*
 * Model of a 16550A UART as a guest sees it (reference: National
 * Semiconductor PC16550D datasheet; interrupt details as QEMU's serial.c,
 * which kernels written for QEMU expect). A pure state machine: port
 * accesses, input bytes and modem-line changes go in; bytes for a vconsole
 * and the level of an interrupt line come out.
 *
 * Registers (offset from the base port; DLAB = LCR bit 7; names and bits
 * in include/hv/uart16550_regs.h):
 *   0  RBR (read) / THR (write); DLL when DLAB=1
 *   1  IER, bits 3:0 (ERBFI, ETBEI, ELSI, EDSSI), bits 7:4 read as 0; DLM when DLAB=1
 *   2  IIR (read) / FCR (write), whatever DLAB is
 *   3  LCR, stored; word length masks transmitted and received bytes
 *   4  MCR, bits 4:0 (DTR, RTS, OUT1, OUT2, LOOP)
 *   5  LSR: DR, OE, PE, FE, BI, THRE, TEMT, RX FIFO error (bit 7, FIFO mode)
 *   6  MSR: delta bits 3:0 (DCTS, DDSR, TERI, DDCD) and CTS, DSR, RI, DCD
 *   7  SCR
 *
 * Transmit: there is no baud-rate timing, so a byte written to THR is sent
 * at once (to the vconsole, or in loopback to the receive FIFO) and THRE and
 * TEMT always read 1. The THR-empty interrupt follows a real 16550: it
 * becomes pending when ETBEI goes from 0 to 1 (the THR being empty) and
 * after every THR write (the byte left at once); it is cleared by an IIR read
 * that reports it, by a THR write (and at once re-raised) and by clearing
 * ETBEI.
 *
 * Receive: vuart16550_receive() puts a byte into the 16-byte RX FIFO (a
 * 1-byte holding register with FIFOs off). A byte arriving when there is no
 * room is dropped and sets OE (as the datasheet's FIFO mode; with FIFOs off
 * a real chip would instead overwrite the unread byte). The received-data
 * interrupt (IIR 0x04) is pending while the FIFO holds at least the trigger
 * level (FCR bits 7:6: 1, 4, 8, 14 bytes; any byte with FIFOs off).
 * Character timeout: with no bit timing, the timeout indication (IIR 0x0C)
 * is pending at once whenever the FIFO holds data below the trigger level
 * (a real chip waits four character times); there is no timer to call.
 * Reading RBR when empty returns the last byte read.
 * Errors: each FIFO entry carries PE/FE/BI (only a break, from
 * vuart16550_receive_break, produces them here); they show in the LSR when
 * the byte reaches the top of the FIFO. OE/PE/FE/BI stay set until the LSR
 * is read; LSR bit 7 is 1 while any byte in the FIFO has an error.
 *
 * Interrupt identification (IIR bits 3:0; bits 7:6 are 11 with FIFOs on),
 * highest priority first:
 *   0x06 line status  ELSI and OE/PE/FE/BI set           cleared by reading LSR
 *   0x04 RX data      ERBFI and level >= trigger         cleared by reading RBR
 *   0x0C RX timeout   ERBFI and 0 < level < trigger      cleared by reading RBR
 *   0x02 THR empty    ETBEI and pending (see above)      IIR read, THR write
 *   0x00 modem status EDSSI and a delta bit set          cleared by reading MSR
 *   0x01 none
 *
 * Interrupt line: as on a PC, the chip's INTR output reaches the PIC only
 * through a gate driven by the OUT2 pin, so the line is high while an
 * interrupt is pending and MCR OUT2 is 1 and loopback is off (in loopback
 * the modem-control pins are forced inactive, which closes the gate).
 * virq_set is called only when the level changes.
 *
 * Modem lines: outside loopback MSR bits 7:4 are the inputs set by
 * vuart16550_set_modem_inputs (at init DCD, DSR and CTS asserted, RI not).
 * In loopback (MCR bit 4) they mirror the MCR outputs: DTR->DSR, RTS->CTS,
 * OUT1->RI, OUT2->DCD; the serial input is disconnected (receive refuses
 * bytes) and transmitted bytes go to the receive FIFO instead of the console.
 * A change of the inputs seen sets the delta bits (DCTS, DDSR, DDCD on any
 * change, TERI when RI goes from 1 to 0), except that switching loopback on
 * or off swaps the inputs without deltas (as QEMU; the datasheet is silent),
 * so a probe that reads MSR in loopback sees only the mirrored outputs.
 *
 * Left out: baud-rate timing (the divisor is stored only), parity and
 * framing (LCR bits 5:3 stored only), the LCR set-break bit (no break is
 * looped back), DMA mode signalling (FCR bit 3 stored only; no
 * RXRDY/TXRDY pins).
 */
#ifndef DRIVERS_VIRT_VUART16550_H
#define DRIVERS_VIRT_VUART16550_H

#include <hv/types.h>
#include "drivers/virt/vconsole.h"
#include "drivers/virt/virq.h"
#include <hv/uart16550_regs.h>

struct vuart16550 {
    uint8_t ier, lcr, mcr, scr, dll, dlm;
    uint8_t fcr;                    /* ENABLE, DMA and trigger bits as programmed */
    uint8_t lsr_err;                /* latched OE/PE/FE/BI, cleared by reading LSR */
    uint8_t msr;                    /* inputs seen (7:4) and delta bits (3:0) */
    uint8_t ext_inputs;             /* modem inputs outside loopback (MSR bits 7:4) */
    uint8_t rbr;                    /* last byte read from the FIFO */
    bool thre_pending;              /* THR-empty interrupt pending (meaningful with ETBEI) */
    uint8_t rx[UART_FIFO_DEPTH];
    uint8_t rx_err[UART_FIFO_DEPTH];    /* PE/FE/BI of each byte */
    uint8_t rx_head, rx_count;
    struct virq_line irq;
    bool irq_level;                 /* level last driven on irq */
    struct vconsole *out;
    uint64_t overruns;              /* bytes dropped for lack of room */
};

/* Reset state: DLL=1 and LCR 8N1 (as firmware leaves COM1), everything else
 * 0, FIFOs off, LSR 0x60, MSR 0xB0, no interrupt line (set one with
 * vuart16550_set_irq). */
void vuart16550_init(struct vuart16550 *u, struct vconsole *out);

/* Wire the interrupt line (copied; NULL or line->set NULL: none). The old
 * line, if it was high, is lowered first; the new one is raised if an
 * interrupt is already pending. */
void vuart16550_set_irq(struct vuart16550 *u, const struct virq_line *line);

/* Port accesses at offset 0-7 from the base; size 1 (wider accesses touch
 * only the first register, as on an 8-bit ISA device; the upper bytes read
 * as all ones). Offsets past 7 are refused with -HV_EINVAL. */
int vuart16550_read(void *dev, uint64_t offset, unsigned size, uint64_t *val);
int vuart16550_write(void *dev, uint64_t offset, unsigned size, uint64_t val);

/* One byte from the outside world (the physical console). 0 when stored;
 * -HV_E2BIG when the FIFO (holding register) is full: the byte is dropped
 * and OE set; -HV_EBUSY in loopback (serial input disconnected): dropped,
 * nothing set. */
int vuart16550_receive(struct vuart16550 *u, uint8_t byte);
/* A break condition: a 0 byte with BI (and FE, as a real receiver sees no
 * stop bit) is received. Same returns as vuart16550_receive. */
int vuart16550_receive_break(struct vuart16550 *u);

/* How many bytes vuart16550_receive would accept now without overrun
 * (0 in loopback), and whether that is at least one. */
unsigned vuart16550_rx_space(const struct vuart16550 *u);
bool vuart16550_rx_ready(const struct vuart16550 *u);

/* Set the modem inputs outside loopback: MSR bits 7:4 (CTS, DSR, RI, DCD);
 * other bits ignored. Changes set the delta bits (see above). */
void vuart16550_set_modem_inputs(struct vuart16550 *u, uint8_t msr_inputs);

/* Current level of the interrupt line (whether or not one is wired). */
bool vuart16550_irq_level(const struct vuart16550 *u);

#endif
