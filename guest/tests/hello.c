/*
 * hello: a demo guest for `make run`. Prints what it learns about itself:
 * its name (the file name that starts its multiboot command line, as
 * minivisor passes it: /guests/NAME unless path= says otherwise), its RAM (from the multiboot
 * memory fields), how many modules it was given (for= lines) and the
 * hypervisor's CPUID signature. Checks that it was
 * entered as a multiboot kernel and that the signature is minivisor's.
 */
#include "guest.h"

#define CPUID_HV_BASE     0x40000000u
#define EXPECTED_SIGNATURE "MiniVisorVMM"
#define NAME_MAX_LEN      32

/* The base name of the first word of cmdline, without ".elf" ("?" if none). */
static void find_name(const char *cmdline, char *out, size_t size)
{
    const char *start = cmdline, *end = cmdline;
    size_t n = 0;

    while (*end && *end != ' ') {
        if (*end == '/')
            start = end + 1;
        end++;
    }
    if (end - start > 4 && strncmp(end - 4, ".elf", 4) == 0)
        end -= 4;
    while (start + n < end && n + 1 < size) {
        out[n] = start[n];
        n++;
    }
    if (n == 0)
        out[n++] = '?';
    out[n] = '\0';
}

int main(uint32_t magic, struct mb1_info *info)
{
    char name[NAME_MAX_LEN];
    const char *cmdline = "";

    test_begin("hello");
    if (magic == MB1_BOOTLOADER_MAGIC && (info->flags & MB1_INFO_CMDLINE))
        cmdline = (const char *)(uintptr_t)info->cmdline;
    find_name(cmdline, name, sizeof(name));

    note("hello, world! I am guest '%s', a multiboot kernel at 0x%08x", name,
         (uint32_t)(uintptr_t)__image_start);
    note("my command line is '%s'", cmdline);
    if (magic == MB1_BOOTLOADER_MAGIC && (info->flags & MB1_INFO_MEMORY)) {
        uint32_t ram_kib = 1024 + info->mem_upper;
        note("I have %u MiB of RAM (mem_lower %u KiB, mem_upper %u KiB)",
             ram_kib / 1024, info->mem_lower, info->mem_upper);
    }
    if (magic == MB1_BOOTLOADER_MAGIC && (info->flags & MB1_INFO_MODS))
        note("I was given %u module(s)", info->mods_count);

    struct cpuid_regs r = cpuid(CPUID_HV_BASE, 0);
    char sig[13];
    memcpy(sig + 0, &r.ebx, 4);
    memcpy(sig + 4, &r.ecx, 4);
    memcpy(sig + 8, &r.edx, 4);
    sig[12] = '\0';
    note("my hypervisor says it is '%s'", sig);

    check_eq("multiboot magic in EAX", magic, MB1_BOOTLOADER_MAGIC);
    check(memcmp(sig, EXPECTED_SIGNATURE, 12) == 0,
          "hypervisor signature '%s', expected '%s'", sig, EXPECTED_SIGNATURE);
    return test_end();
}
