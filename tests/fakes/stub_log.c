/* Host-test stand-in for the console: log_msg prints to stderr so a failing
 * test shows what the code under test reported, and keeps the last message
 * for tests that check it. */
#include <stdio.h>
#include <hv/log.h>
#include <hv/format.h>

char stub_log_last[512];
unsigned stub_log_count;

void log_msg(enum log_level level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(stub_log_last, sizeof(stub_log_last), fmt, ap);
    va_end(ap);
    stub_log_count++;
    fprintf(stderr, "[log %d] %s", (int)level, stub_log_last);
}
