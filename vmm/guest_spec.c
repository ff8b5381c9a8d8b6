/* Guest lines into guest specs: see vmm/guest_spec.h. */
#include "vmm/guest_spec.h"
#include <hv/format.h>
#include <hv/string.h>

static const char *check_name(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.'))
            return "only letters, digits, '-', '_' and '.' may be used";
    }
    return NULL;
}

/* selftest= (for the tests of the VM-entry checker, vmx/vmcheck.h). */
static const char *check_selftest(const char *s, size_t n)
{
    static const char *const words[] = { "badguest", "badhost", "badctl", "badmsr" };
    for (size_t i = 0; i < ARRAY_SIZE(words); i++)
        if (strlen(words[i]) == n && !strncmp(words[i], s, n))
            return NULL;
    return "expected badguest, badhost, badctl or badmsr";
}

/* gdb=COMn: the debugger's serial port (vmm/gdbstub.h). */
static const struct cmdline_choice gdb_words[] = {
    { "com1", 1 }, { "com2", 2 }, { "com3", 3 }, { "com4", 4 }, { NULL, 0 },
};

static const struct cmdline_choice bool_words[] = {
    { "1", 1 }, { "0", 0 }, { "", 1 }, { NULL, 0 },
};

#define GS struct guest_spec
static const struct cmdline_opt guest_opts[] = {
    CMDLINE_OPT_TEXT("name", GS, name, check_name, true),     /* first: see who_is */
    CMDLINE_OPT_SIZE("mem", GS, mem, GUEST_MEM_MIN, GMEM_MAX_SIZE, PAGE_SIZE, true),
    CMDLINE_OPT_CHOICE("cr3exit", GS, cr3exit, bool_words),
    CMDLINE_OPT_TEXT("path", GS, path, NULL, false),
    CMDLINE_OPT_TEXT("selftest", GS, selftest, check_selftest, false),
    CMDLINE_OPT_CHOICE("gdb", GS, gdb, gdb_words),
};
#undef GS

struct for_line {
    char target[VM_NAME_MAX];
};

#define NOT_FOR "has no meaning on a for= line"
static const struct cmdline_opt for_opts[] = {
    CMDLINE_OPT_TEXT("for", struct for_line, target, NULL, true),
    CMDLINE_OPT_NOT_HERE("name", NOT_FOR),
    CMDLINE_OPT_NOT_HERE("mem", NOT_FOR),
    CMDLINE_OPT_NOT_HERE("cr3exit", NOT_FOR),
    CMDLINE_OPT_NOT_HERE("path", NOT_FOR),
    CMDLINE_OPT_NOT_HERE("selftest", NOT_FOR),
    CMDLINE_OPT_NOT_HERE("gdb", NOT_FOR),
};

/* What messages call a guest line: "guest NAME" when its (last) name= is
 * good, else "module N". */
static void who_is(const char *line, unsigned i, char *who, size_t size)
{
    struct guest_spec tmp;
    tmp.name[0] = '\0';
    if (cmdline_parse_options(line, guest_opts, 1, &tmp, "", NULL) == 0 && tmp.name[0])
        fmt_snprintf(who, size, "guest %s", tmp.name);
    else
        fmt_snprintf(who, size, "module %u", i + 1);
}

static struct guest_spec *find(struct guest_spec *specs, unsigned n, const char *name)
{
    for (unsigned j = 0; j < n; j++)
        if (!strcmp(specs[j].name, name))
            return &specs[j];
    return NULL;
}

/* A guest line: 1 if accepted into specs[*n]. */
static int read_guest(const struct boot_module *m, unsigned i, struct guest_spec *specs,
                      unsigned *n, const struct cmdline_report *rep)
{
    struct guest_spec s;
    char who[40];
    who_is(m->cmdline, i, who, sizeof(who));
    memset(&s, 0, sizeof(s));
    s.mem = GUEST_MEM_DEFAULT;
    unsigned bad = cmdline_parse_options(m->cmdline, guest_opts, ARRAY_SIZE(guest_opts), &s,
                                         who, rep);
    if (bad)
        return 0;
    if (!s.name[0]) {
        cmdline_report(rep, true, who, "no name=NAME");
        return 0;
    }
    const struct guest_spec *other = find(specs, *n, s.name);
    if (other) {
        cmdline_report(rep, true, who, "the name is taken by module %u", other->module + 1);
        return 0;
    }
    if (*n == VM_MAX_GUESTS) {
        cmdline_report(rep, true, who, "more than %u guests", VM_MAX_GUESTS);
        return 0;
    }
    if (!s.path[0])
        fmt_snprintf(s.path, sizeof(s.path), "/guests/%s", s.name);
    s.cmdline = cmdline_rest(m->cmdline);
    s.module = i;
    specs[(*n)++] = s;
    return 1;
}

unsigned guest_specs_parse(const struct boot_module *mods, unsigned nmods,
                           struct guest_spec specs[VM_MAX_GUESTS],
                           const struct cmdline_report *rep)
{
    unsigned n = 0;
    bool refused[VM_MAX_GUESTS] = { false };

    for (unsigned i = 0; i < nmods; i++)
        if (!cmdline_get(mods[i].cmdline, "for", NULL, 0))
            read_guest(&mods[i], i, specs, &n, rep);

    /* for= lines, in the order they appear, before or after their guest */
    for (unsigned i = 0; i < nmods; i++) {
        const char *line = mods[i].cmdline;
        if (!cmdline_get(line, "for", NULL, 0))
            continue;
        char who[24];
        fmt_snprintf(who, sizeof(who), "module %u", i + 1);
        struct for_line f = { "" };
        if (cmdline_parse_options(line, for_opts, ARRAY_SIZE(for_opts), &f, who, rep))
            continue;
        struct guest_spec *owner = f.target[0] ? find(specs, n, f.target) : NULL;
        if (!owner) {
            char shown[64];
            cmdline_quote(shown, sizeof(shown), f.target, strlen(f.target));
            cmdline_report(rep, false, who, "for=%s: no guest has that name; ignored", shown);
            continue;
        }
        unsigned k = (unsigned)(owner - specs);
        if (refused[k])
            continue;
        if (owner->nmods == GUEST_MAX_MODULES) {
            char gwho[40];
            fmt_snprintf(gwho, sizeof(gwho), "guest %s", owner->name);
            cmdline_report(rep, true, gwho, "more than %u for= modules (module %u is one more)",
                           GUEST_MAX_MODULES, i + 1);
            refused[k] = true;
            continue;
        }
        owner->mods[owner->nmods++] = i;
    }

    unsigned kept = 0;
    for (unsigned j = 0; j < n; j++)
        if (!refused[j])
            specs[kept++] = specs[j];
    return kept;
}
