/*
 * Leveled logging to the hypervisor console (drivers/hw/console.c).
 * Host unit tests link tests/fakes/stub_log.c instead.
 */
#ifndef HV_LOG_H
#define HV_LOG_H

#include <hv/types.h>

enum log_level { LOG_ERR = 0, LOG_WARN = 1, LOG_INFO = 2, LOG_DEBUG = 3 };

/* Print one message at `level` (dropped when above the configured level). */
void log_msg(enum log_level level, const char *fmt, ...) __printf(2, 3);

#define pr_err(...)   log_msg(LOG_ERR, __VA_ARGS__)
#define pr_warn(...)  log_msg(LOG_WARN, __VA_ARGS__)
#define pr_info(...)  log_msg(LOG_INFO, __VA_ARGS__)
#define pr_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

#endif
