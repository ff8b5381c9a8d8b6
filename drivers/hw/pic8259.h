/*
 * Host 8259A PIC pair (Intel 8259A datasheet): remapped away from the CPU
 * exception vectors and fully masked. The hypervisor takes no legacy
 * interrupts of its own; guests get virtual controllers.
 */
#ifndef DRIVERS_HW_PIC8259_H
#define DRIVERS_HW_PIC8259_H

#define PIC_HOST_VECTOR_BASE 0x20

/* Reinitialise both PICs with vectors 0x20-0x2F and mask every line. */
void pic8259_disable(void);

#endif
