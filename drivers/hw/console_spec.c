/* console= values: see drivers/hw/console_spec.h. */
#include "drivers/hw/console_spec.h"
#include "drivers/hw/console.h"
#include <hv/string.h>

/* One word: its sinks, or 0 if unknown; *com is set to 1-4 for comN. fb and
 * vga name the screen console by its kind; either selects whichever the
 * screen is. */
static unsigned console_word(const char *w, size_t n, unsigned *com)
{
    static const struct { const char *name; unsigned sinks; } words[] = {
        { "e9", CONSOLE_E9 }, { "both", CONSOLE_BOTH },
        { "screen", CONSOLE_SCREEN }, { "fb", CONSOLE_SCREEN }, { "vga", CONSOLE_SCREEN },
    };
    if (n == 4 && !memcmp(w, "com", 3) && w[3] >= '1' && w[3] <= '4') {
        *com = (unsigned)(w[3] - '0');
        return CONSOLE_SERIAL;
    }
    for (unsigned i = 0; i < ARRAY_SIZE(words); i++)
        if (strlen(words[i].name) == n && !memcmp(words[i].name, w, n))
            return words[i].sinks;
    return 0;
}

bool console_spec_parse(const char *v, size_t n, unsigned *sinks, unsigned *com, unsigned *coms)
{
    unsigned want = 0;
    bool bad = false;
    *com = 1;
    *coms = 0;
    for (size_t i = 0; i < n; ) {
        size_t len = 0;
        while (i + len < n && v[i + len] != ',' && v[i + len] != '+')
            len++;
        unsigned c = 0;
        unsigned s = console_word(v + i, len, &c);
        bad |= !s;
        want |= s;
        if (c && !(*coms)++)
            *com = c;
        i += len + 1;
    }
    *sinks = want;
    return !bad && want;
}

enum spcr_use console_spcr_use(bool console_given, uint16_t spcr_port, uint64_t spcr_mmio,
                               uint16_t current_port)
{
    if (!spcr_port && !spcr_mmio)
        return SPCR_NONE;
    if (console_given)
        return SPCR_CHOSEN;
    if (spcr_port)
        return spcr_port == current_port ? SPCR_SAME : SPCR_SWITCH;
    return SPCR_MMIO;
}
