/*
 * The host's local APIC timer, the time-slice timer on CPUs without the
 * VMX-preemption timer (or when `preempt=lapic` asks for it). It raises
 * one host vector; with external-interrupt exiting that interrupt ends
 * the running guest's slice. SDM Vol. 3A, "APIC Timer".
 */
#ifndef DRIVERS_HW_LAPIC_H
#define DRIVERS_HW_LAPIC_H

#include <hv/types.h>

#define LAPIC_SPURIOUS_VECTOR 0xFF

#define CPUID1_EDX_APIC       BIT(9)

/* The mode firmware left the local APIC in, from IA32_APIC_BASE's EN and
 * EXTD bits (SDM Vol. 3A, "x2APIC State Transitions"); EXTD without EN is
 * the one invalid combination. */
enum lapic_host_mode {
    LAPIC_HOST_NONE,        /* CPUID.1:EDX.APIC is 0 */
    LAPIC_HOST_DISABLED,    /* EN=0: lapic_timer_init enables it in xAPIC mode */
    LAPIC_HOST_XAPIC,       /* EN=1 EXTD=0: registers in MMIO */
    LAPIC_HOST_X2APIC,      /* EN=1 EXTD=1: registers are MSRs 0x800+ */
    LAPIC_HOST_INVALID,     /* EN=0 EXTD=1 */
};
enum lapic_host_mode lapic_host_mode(uint64_t apic_base_msr, bool cpuid_apic);
const char *lapic_host_mode_name(enum lapic_host_mode m);

enum lapic_timer_mode {
    LAPIC_TIMER_OFF,
    LAPIC_TIMER_TSC_DEADLINE,    /* IA32_TSC_DEADLINE: fires at a TSC value */
    LAPIC_TIMER_ONESHOT,         /* a count at the calibrated rate */
};

/* Enable the local APIC (xAPIC or x2APIC, as firmware left it) and set its
 * timer up to raise `vector`: TSC-deadline mode where the CPU has it and
 * `allow_deadline`, else one-shot mode calibrated against the TSC.
 * Returns the mode, or LAPIC_TIMER_OFF when there is no usable APIC. */
enum lapic_timer_mode lapic_timer_init(uint8_t vector, bool allow_deadline, uint64_t tsc_hz);
const char *lapic_timer_mode_name(enum lapic_timer_mode mode);

/* Raise the vector at TSC time `deadline` (at once if it has passed). */
void lapic_timer_arm(uint64_t deadline);
/* Disarm the timer. */
void lapic_timer_stop(void);
/* End the interrupt being serviced (an acknowledged vector). */
void lapic_eoi(void);

/* IPIs: use the local APIC in the mode firmware left it (enabling it in
 * xAPIC mode if it is off); false when there is none. */
bool lapic_ipi_init(void);
bool lapic_is_x2apic(void);
/* This CPU's APIC ID (after lapic_ipi_init or lapic_timer_init). */
uint32_t lapic_id(void);
/* Send the IPI `icr_low` (LAPIC_ICR_* bits) to APIC ID `apic_id`; false if
 * an xAPIC never reported it sent. */
bool lapic_send_ipi(uint32_t apic_id, uint32_t icr_low);

/* Pure: the one-shot count that covers `tsc_delta` TSC cycles when the
 * timer counts `lapic_hz` per `tsc_hz` TSC cycles (at least 1, at most
 * 0xFFFFFFFF). */
uint32_t lapic_count_for(uint64_t tsc_delta, uint64_t lapic_hz, uint64_t tsc_hz);

#endif
