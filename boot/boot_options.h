/*
 * The boot options: the words of the multiboot2 command line, checked
 * against one table (boot/boot_options.c). See README "Boot options".
 */
#ifndef BOOT_BOOT_OPTIONS_H
#define BOOT_BOOT_OPTIONS_H

#include <hv/types.h>
#include <hv/cmdline.h>

enum selftest { SELFTEST_NONE, SELFTEST_FAULT, SELFTEST_UD, SELFTEST_AP_CAPS, SELFTEST_AP_ABSENT };
enum preempt_mode { PREEMPT_AUTO, PREEMPT_LAPIC, PREEMPT_LAPIC_ONESHOT };
enum unbacked_mode { UNBACKED_ONES, UNBACKED_STOP };
enum vnmi_mode { VNMI_ON, VNMI_NOWINDOW, VNMI_OFF };
enum apicv_mode {
    APICV_OFF,          /* every xAPIC access an EPT violation */
    APICV_REGS,         /* APIC-register virtualization, interrupts injected */
    APICV_VID,          /* and virtual-interrupt delivery */
};

#define SLICE_MS_DEFAULT 10
#define SLICE_MS_MIN     1
#define SLICE_MS_MAX     1000
#define CPUS_MAX         256     /* SMP_MAX_CPUS (boot/percpu.h) */

struct boot_options {
    char console[48];   /* drivers/hw/console_spec.h; "": the default */
    int loglevel;       /* enum log_level */
    int exit;           /* enum exit_method (EXIT_AUTO: not given) */
    uint64_t slice_ms;
    int preempt;        /* enum preempt_mode */
    int apicv;          /* enum apicv_mode */
    int selftest;       /* enum selftest */
    int unbacked;       /* enum unbacked_mode */
    int vnmi;           /* enum vnmi_mode */
    int tsc;            /* enum tsc_pref (drivers/hw/tsc_freq.h) */
    uint64_t cpus;      /* how many CPUs to use; 0: all */
};

/* Fill o with the defaults, then with the good words of cmdline; report
 * each bad word as one line through rep (NULL: silently). */
void boot_options_parse(const char *cmdline, struct boot_options *o,
                        const struct cmdline_report *rep);

#endif
