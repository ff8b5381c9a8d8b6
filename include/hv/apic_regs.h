/*
 * The local APIC's architectural registers and fields: IA32_APIC_BASE, the
 * xAPIC page offsets and their x2APIC MSRs, SVR, LVT, divide configuration
 * and ICR bits. Shared by the host's APIC driver (drivers/hw/lapic.c) and
 * the guests' APIC model (drivers/virt/vlapic.c). SDM Vol. 3A, "Advanced
 * Programmable Interrupt Controller (APIC)".
 */
#ifndef HV_APIC_REGS_H
#define HV_APIC_REGS_H

#include <hv/types.h>

/* ---- IA32_APIC_BASE (MSR 0x1B) ---------------------------------------- */
#define MSR_IA32_APIC_BASE          0x1B
#define APIC_BASE_BSP               BIT(8)
#define APIC_BASE_EXTD              BIT(10)     /* x2APIC mode */
#define APIC_BASE_EN                BIT(11)     /* global enable */
#define APIC_BASE_ADDR_MASK         0x000FFFFFFFFFF000ULL
#define APIC_BASE_RESERVED          (~(APIC_BASE_ADDR_MASK | APIC_BASE_BSP | \
                                       APIC_BASE_EXTD | APIC_BASE_EN))
#define LAPIC_DEFAULT_BASE          0xFEE00000ULL
#define LAPIC_MMIO_SIZE             0x1000

#define MSR_IA32_TSC_DEADLINE       0x6E0

/* ---- register offsets in the xAPIC page (x2APIC MSR = 0x800 + off/16) -- */
#define LAPIC_REG_ID                0x020
#define LAPIC_REG_VERSION           0x030
#define LAPIC_REG_TPR               0x080
#define LAPIC_REG_APR               0x090
#define LAPIC_REG_PPR               0x0A0
#define LAPIC_REG_EOI               0x0B0
#define LAPIC_REG_RRD               0x0C0
#define LAPIC_REG_LDR               0x0D0
#define LAPIC_REG_DFR               0x0E0       /* xAPIC only */
#define LAPIC_REG_SVR               0x0F0
#define LAPIC_REG_ISR               0x100       /* 8 registers, 0x100-0x170 */
#define LAPIC_REG_TMR               0x180       /* 8 registers, 0x180-0x1F0 */
#define LAPIC_REG_IRR               0x200       /* 8 registers, 0x200-0x270 */
#define LAPIC_REG_ESR               0x280
#define LAPIC_LVT_CMCI              0x2F0
#define LAPIC_REG_ICR_LO            0x300
#define LAPIC_REG_ICR_HI            0x310       /* xAPIC only */
#define LAPIC_LVT_TIMER             0x320
#define LAPIC_LVT_THERMAL           0x330
#define LAPIC_LVT_PERF              0x340
#define LAPIC_LVT_LINT0             0x350
#define LAPIC_LVT_LINT1             0x360
#define LAPIC_LVT_ERROR             0x370
#define LAPIC_REG_TIMER_ICR         0x380       /* initial count */
#define LAPIC_REG_TIMER_CCR         0x390       /* current count */
#define LAPIC_REG_TIMER_DCR         0x3E0       /* divide configuration */
#define LAPIC_REG_SELF_IPI          0x3F0       /* x2APIC only */

/* x2APIC MSRs */
#define MSR_X2APIC_FIRST            0x800
#define MSR_X2APIC_LAST             0x8FF
#define X2APIC_MSR(off)             (MSR_X2APIC_FIRST + ((off) >> 4))
#define MSR_X2APIC_ID               X2APIC_MSR(LAPIC_REG_ID)        /* 0x802 */
#define MSR_X2APIC_VERSION          X2APIC_MSR(LAPIC_REG_VERSION)   /* 0x803 */
#define MSR_X2APIC_TPR              X2APIC_MSR(LAPIC_REG_TPR)       /* 0x808 */
#define MSR_X2APIC_PPR              X2APIC_MSR(LAPIC_REG_PPR)       /* 0x80A */
#define MSR_X2APIC_EOI              X2APIC_MSR(LAPIC_REG_EOI)       /* 0x80B */
#define MSR_X2APIC_LDR              X2APIC_MSR(LAPIC_REG_LDR)       /* 0x80D */
#define MSR_X2APIC_SVR              X2APIC_MSR(LAPIC_REG_SVR)       /* 0x80F */
#define MSR_X2APIC_ISR0             X2APIC_MSR(LAPIC_REG_ISR)       /* 0x810 */
#define MSR_X2APIC_TMR0             X2APIC_MSR(LAPIC_REG_TMR)       /* 0x818 */
#define MSR_X2APIC_IRR0             X2APIC_MSR(LAPIC_REG_IRR)       /* 0x820 */
#define MSR_X2APIC_ESR              X2APIC_MSR(LAPIC_REG_ESR)       /* 0x828 */
#define MSR_X2APIC_LVT_CMCI         X2APIC_MSR(LAPIC_LVT_CMCI)      /* 0x82F */
#define MSR_X2APIC_ICR              X2APIC_MSR(LAPIC_REG_ICR_LO)    /* 0x830, 64-bit */
#define MSR_X2APIC_LVT_TIMER        X2APIC_MSR(LAPIC_LVT_TIMER)     /* 0x832 */
#define MSR_X2APIC_LVT_THERMAL      X2APIC_MSR(LAPIC_LVT_THERMAL)   /* 0x833 */
#define MSR_X2APIC_LVT_PERF         X2APIC_MSR(LAPIC_LVT_PERF)      /* 0x834 */
#define MSR_X2APIC_LVT_LINT0        X2APIC_MSR(LAPIC_LVT_LINT0)     /* 0x835 */
#define MSR_X2APIC_LVT_LINT1        X2APIC_MSR(LAPIC_LVT_LINT1)     /* 0x836 */
#define MSR_X2APIC_LVT_ERROR        X2APIC_MSR(LAPIC_LVT_ERROR)     /* 0x837 */
#define MSR_X2APIC_TIMER_ICR        X2APIC_MSR(LAPIC_REG_TIMER_ICR) /* 0x838 */
#define MSR_X2APIC_TIMER_CCR        X2APIC_MSR(LAPIC_REG_TIMER_CCR) /* 0x839 */
#define MSR_X2APIC_TIMER_DCR        X2APIC_MSR(LAPIC_REG_TIMER_DCR) /* 0x83E */
#define MSR_X2APIC_SELF_IPI         X2APIC_MSR(LAPIC_REG_SELF_IPI)  /* 0x83F */

/* ---- register fields --------------------------------------------------- */
#define LAPIC_SVR_VECTOR_MASK       0xFFu
#define LAPIC_SVR_ENABLE            BIT(8)      /* APIC software enable */
#define LAPIC_SVR_WRITABLE          0x1FFu

#define LAPIC_DFR_MODEL_MASK        0xF0000000u
#define LAPIC_DFR_FLAT              0xFFFFFFFFu
#define LAPIC_DFR_CLUSTER           0x0FFFFFFFu

/* Error status register bits (the ones this model raises). */
#define LAPIC_ESR_SEND_ILLEGAL_VECTOR  BIT(5)
#define LAPIC_ESR_RECV_ILLEGAL_VECTOR  BIT(6)

/* LVT entries */
#define LAPIC_LVT_VECTOR_MASK       0xFFu
#define LAPIC_LVT_DM_SHIFT          8
#define LAPIC_LVT_DM_MASK           (7u << 8)
#define LAPIC_LVT_DM_FIXED          (0u << 8)
#define LAPIC_LVT_DM_SMI            (2u << 8)
#define LAPIC_LVT_DM_NMI            (4u << 8)
#define LAPIC_LVT_DM_INIT           (5u << 8)
#define LAPIC_LVT_DM_EXTINT         (7u << 8)
#define LAPIC_LVT_DELIVERY_STATUS   BIT(12)
#define LAPIC_LVT_POLARITY_LOW      BIT(13)     /* LINT0/1 */
#define LAPIC_LVT_REMOTE_IRR        BIT(14)     /* LINT0/1 */
#define LAPIC_LVT_LEVEL             BIT(15)     /* LINT0/1 trigger mode */
#define LAPIC_LVT_MASKED            BIT(16)
#define LAPIC_LVT_TIMER_MODE_MASK   (3u << 17)
#define LAPIC_LVT_TIMER_ONESHOT     (0u << 17)
#define LAPIC_LVT_TIMER_PERIODIC    (1u << 17)
#define LAPIC_LVT_TIMER_TSC_DEADLINE (2u << 17)

/* Divide configuration: bits 0, 1 and 3 encode 2,4,8,16,32,64,128,1. */
#define LAPIC_DCR_MASK              0xBu

/* Interrupt command register (x2APIC: destination in bits 63:32). */
#define LAPIC_ICR_VECTOR_MASK       0xFFu
#define LAPIC_ICR_DM_MASK           (7u << 8)
#define LAPIC_ICR_DM_FIXED          (0u << 8)
#define LAPIC_ICR_DM_LOWEST         (1u << 8)
#define LAPIC_ICR_DM_SMI            (2u << 8)
#define LAPIC_ICR_DM_NMI            (4u << 8)
#define LAPIC_ICR_DM_INIT           (5u << 8)
#define LAPIC_ICR_DM_STARTUP        (6u << 8)
#define LAPIC_ICR_DEST_LOGICAL      BIT(11)
#define LAPIC_ICR_DELIVERY_STATUS   BIT(12)     /* xAPIC only; always idle here */
#define LAPIC_ICR_LEVEL_ASSERT      BIT(14)
#define LAPIC_ICR_TRIGGER_LEVEL     BIT(15)
#define LAPIC_ICR_SH_SHIFT          18
#define LAPIC_ICR_SH_MASK           (3u << 18)
#define LAPIC_ICR_SH_NONE           (0u << 18)
#define LAPIC_ICR_SH_SELF           (1u << 18)
#define LAPIC_ICR_SH_ALL_INCL_SELF  (2u << 18)
#define LAPIC_ICR_SH_ALL_EXCL_SELF  (3u << 18)
#define LAPIC_ICR_LO_WRITABLE       0x000CCFFFu  /* xAPIC: not 12 (delivery status), 13, 16-17 */
#define LAPIC_ICR_HI_DEST_SHIFT     24           /* xAPIC destination: ICR_HI[31:24] */
#define X2APIC_ICR_RESERVED         0x00000000FFF32000ULL /* bits 13, 16-17, 20-31 */

#endif
