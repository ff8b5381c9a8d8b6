/*
 * The boot options table. A new option is a field in struct boot_options,
 * its default below and one row in `options`; a new value of an option is
 * one row in its word list.
 */
#include "boot/boot_options.h"
#include "boot/shutdown.h"
#include "drivers/hw/console.h"
#include "drivers/hw/console_spec.h"
#include "drivers/hw/tsc_freq.h"

static const char *check_console(const char *v, size_t n)
{
    unsigned sinks, com, coms;
    return console_spec_parse(v, n, &sinks, &com, &coms) ? NULL : "expected " CONSOLE_SPEC_WORDS;
}

static const struct cmdline_choice loglevel_words[] = {
    { "err", LOG_ERR }, { "warn", LOG_WARN }, { "info", LOG_INFO }, { "debug", LOG_DEBUG },
    { "0", LOG_ERR }, { "1", LOG_WARN }, { "2", LOG_INFO }, { "3", LOG_DEBUG }, { NULL, 0 },
};
static const struct cmdline_choice exit_words[] = {
    { "acpi", EXIT_ACPI }, { "key", EXIT_KEY }, { "bochs", EXIT_BOCHS }, { "qemu", EXIT_QEMU },
    { "halt", EXIT_HALT },
    { NULL, 0 },
};
static const struct cmdline_choice preempt_words[] = {
    { "auto", PREEMPT_AUTO }, { "lapic", PREEMPT_LAPIC },
    { "lapic-oneshot", PREEMPT_LAPIC_ONESHOT }, { NULL, 0 },
};
static const struct cmdline_choice apicv_words[] = {
    { "on", APICV_VID }, { "regs", APICV_REGS }, { "off", APICV_OFF }, { NULL, 0 },
};
static const struct cmdline_choice unbacked_words[] = {
    { "ones", UNBACKED_ONES }, { "stop", UNBACKED_STOP }, { NULL, 0 },
};
static const struct cmdline_choice vnmi_words[] = {
    { "on", VNMI_ON }, { "nowindow", VNMI_NOWINDOW }, { "off", VNMI_OFF }, { NULL, 0 },
};
static const struct cmdline_choice tsc_words[] = {
    { "auto", TSC_PREF_AUTO }, { "cpuid", TSC_PREF_CPUID }, { "pmtimer", TSC_PREF_PM_TIMER },
    { "hpet", TSC_PREF_HPET }, { "pit", TSC_PREF_PIT }, { NULL, 0 },
};
static const struct cmdline_choice selftest_words[] = {
    { "fault", SELFTEST_FAULT }, { "ud", SELFTEST_UD }, { "ap-caps", SELFTEST_AP_CAPS },
    { "ap-absent", SELFTEST_AP_ABSENT }, { NULL, 0 },
};

#define BO struct boot_options
static const struct cmdline_opt options[] = {
    CMDLINE_OPT_TEXT("console", BO, console, check_console, false),
    CMDLINE_OPT_CHOICE("loglevel", BO, loglevel, loglevel_words),
    CMDLINE_OPT_CHOICE("exit", BO, exit, exit_words),
    CMDLINE_OPT_UINT("slice", BO, slice_ms, SLICE_MS_MIN, SLICE_MS_MAX, "ms"),
    CMDLINE_OPT_CHOICE("preempt", BO, preempt, preempt_words),
    CMDLINE_OPT_CHOICE("apicv", BO, apicv, apicv_words),
    CMDLINE_OPT_CHOICE("selftest", BO, selftest, selftest_words),
    CMDLINE_OPT_CHOICE("unbacked", BO, unbacked, unbacked_words),
    CMDLINE_OPT_CHOICE("vnmi", BO, vnmi, vnmi_words),
    CMDLINE_OPT_CHOICE("tsc", BO, tsc, tsc_words),
    CMDLINE_OPT_UINT("cpus", BO, cpus, 1, CPUS_MAX, NULL),
};
#undef BO

static const struct boot_options defaults = {
    .console = "",
    .loglevel = LOG_INFO,
    .exit = EXIT_AUTO,
    .slice_ms = SLICE_MS_DEFAULT,
    .preempt = PREEMPT_AUTO,
    .apicv = APICV_VID,
    .selftest = SELFTEST_NONE,
    .unbacked = UNBACKED_ONES,
    .vnmi = VNMI_ON,
    .tsc = TSC_PREF_AUTO,
    .cpus = 0,
};

void boot_options_parse(const char *cmdline, struct boot_options *o,
                        const struct cmdline_report *rep)
{
    *o = defaults;
    cmdline_parse_options(cmdline, options, ARRAY_SIZE(options), o, "boot", rep);
    const char *rest = cmdline_rest(cmdline);
    if (*rest) {
        char shown[200];
        size_t n = 0;
        while (rest[n])
            n++;
        cmdline_quote(shown, sizeof(shown), rest, n);
        cmdline_report(rep, false, "boot", "words after -- are not options: %s; ignored", shown);
    }
}
