/* Host PIC set-up: the ICW1-ICW4 initialisation sequence, then OCW1 masks all. */
#include "drivers/hw/pic8259.h"
#include "boot/x86.h"

#define PIC1_CMD   0x20
#define PIC1_DATA  0x21
#define PIC2_CMD   0xA0
#define PIC2_DATA  0xA1
#define ICW1_INIT_ICW4     0x11   /* edge triggered, cascade, ICW4 follows */
#define ICW3_MASTER_SLAVE2 0x04   /* slave on IR2 */
#define ICW3_SLAVE_ID2     0x02
#define ICW4_8086          0x01

void pic8259_disable(void)
{
    outb(PIC1_CMD, ICW1_INIT_ICW4);
    outb(PIC2_CMD, ICW1_INIT_ICW4);
    outb(PIC1_DATA, PIC_HOST_VECTOR_BASE);
    outb(PIC2_DATA, PIC_HOST_VECTOR_BASE + 8);
    outb(PIC1_DATA, ICW3_MASTER_SLAVE2);
    outb(PIC2_DATA, ICW3_SLAVE_ID2);
    outb(PIC1_DATA, ICW4_8086);
    outb(PIC2_DATA, ICW4_8086);
    outb(PIC1_DATA, 0xFF);
    outb(PIC2_DATA, 0xFF);
}
