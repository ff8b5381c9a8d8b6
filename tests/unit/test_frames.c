/*
 * Host test for mm/frames.c seeded from a UEFI machine's memory map: the
 * frame allocator hands out only memory the EFI map calls free (after
 * ExitBootServices), and never firmware areas - run-time services code and
 * data, ACPI tables and NVS, MMIO, reserved, unusable or persistent memory -
 * nor the first MiB, the kernel, the boot information or the modules.
 * Guests' RAM comes from this allocator, so this is what keeps firmware
 * memory away from guests.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "boot/multiboot2.h"
#include "mm/frames.h"

/* The linker's symbols for the kernel image: here a pretend image at 1 MiB. */
char __kernel_start[1] __attribute__((weak));
char __kernel_end[1] __attribute__((weak));

static struct boot_info BI;

struct area { uint32_t efi_type; uint64_t attr; uint64_t start, end; };

#define WB EFI_MEMORY_WB
#define RT EFI_MEMORY_RUNTIME

/* An OVMF-like map, low 64 MiB. */
static const struct area areas[] = {
    { EFI_BOOT_SERVICES_CODE, WB, 0x0, 0x1000 },
    { EFI_CONVENTIONAL_MEMORY, WB, 0x1000, 0xA0000 },
    { EFI_CONVENTIONAL_MEMORY, WB, 0x100000, 0x800000 },
    { EFI_ACPI_MEMORY_NVS, WB, 0x800000, 0x808000 },
    { EFI_LOADER_DATA, WB, 0x808000, 0x900000 },            /* boot info + module */
    { EFI_BOOT_SERVICES_DATA, WB, 0x900000, 0x1000000 },
    { EFI_RUNTIME_SERVICES_CODE, WB | RT, 0x1000000, 0x1100000 },
    { EFI_RUNTIME_SERVICES_DATA, WB | RT, 0x1100000, 0x1200000 },
    { EFI_ACPI_RECLAIM_MEMORY, WB, 0x1200000, 0x1210000 },
    { EFI_RESERVED_MEMORY, WB, 0x1210000, 0x1300000 },
    { EFI_LOADER_CODE, WB, 0x1300000, 0x1400000 },
    { EFI_UNUSABLE_MEMORY, WB, 0x1400000, 0x1401000 },
    { EFI_PERSISTENT_MEMORY, WB, 0x1401000, 0x1500000 },
    { EFI_PAL_CODE, WB, 0x1500000, 0x1501000 },
    { EFI_CONVENTIONAL_MEMORY, 0, 0x1501000, 0x1600000 },  /* not write-back */
    { EFI_CONVENTIONAL_MEMORY, WB, 0x1600000, 0x4000000 },
    { EFI_MEMORY_MAPPED_IO, RT, 0xFFC00000, 0x100000000ULL },
};

#define INFO_PA   0x808000ULL
#define INFO_LEN  0x2000ULL
#define MOD_PA    0x810000ULL
#define MOD_END   0x812345ULL

static bool efi_free(uint32_t type, uint64_t attr)
{
    return (attr & WB) && !(attr & RT) &&
           (type == EFI_CONVENTIONAL_MEMORY || type == EFI_LOADER_CODE ||
            type == EFI_LOADER_DATA || type == EFI_BOOT_SERVICES_CODE ||
            type == EFI_BOOT_SERVICES_DATA);
}

static void test_frames_from_efi_map(void **state)
{
    (void)state;
    memset(&BI, 0, sizeof(BI));
    /* The map as mb2_parse makes it from the EFI memory map tag. */
    uint8_t tag[16 + 48 * ARRAY_SIZE(areas)];
    struct mb2_tag_efi_mmap h = { MB2_TAG_EFI_MMAP, sizeof(tag), 48, 1 };
    memcpy(tag, &h, sizeof(h));
    for (size_t i = 0; i < ARRAY_SIZE(areas); i++) {
        struct efi_memory_descriptor d = { areas[i].efi_type, 0, areas[i].start, 0,
                                           (areas[i].end - areas[i].start) / 4096,
                                           areas[i].attr };
        memset(tag + 16 + 48 * i, 0, 48);
        memcpy(tag + 16 + 48 * i, &d, sizeof(d));
    }
    static uint64_t info[1024];
    struct mb2_info_header ih = { (uint32_t)(8 + ALIGN_UP(sizeof(tag), 8) + 8), 0 };
    memcpy(info, &ih, sizeof(ih));
    memcpy((uint8_t *)info + 8, tag, sizeof(tag));
    struct mb2_tag end = { MB2_TAG_END, 8 };
    memcpy((uint8_t *)info + 8 + ALIGN_UP(sizeof(tag), 8), &end, sizeof(end));
    char err[128];
    assert_int_equal(mb2_parse(info, INFO_PA, &BI, err, sizeof(err)), 0);
    assert_int_equal(BI.mmap_source, BOOT_MMAP_EFI);
    BI.info_size = INFO_LEN;
    BI.nmodules = 1;
    BI.modules[0].start = MOD_PA;
    BI.modules[0].end = MOD_END;

    frames_init(&BI);
    const struct pmm *p = frames_pmm();
    uint64_t want_free = 0;
    for (size_t i = 0; i < ARRAY_SIZE(areas); i++) {
        for (uint64_t pa = areas[i].start; pa < areas[i].end && pa < GiB(1); pa += 4096) {
            bool want = efi_free(areas[i].efi_type, areas[i].attr) && pa >= MiB(1) &&
                        !(pa >= INFO_PA && pa < INFO_PA + INFO_LEN) &&
                        !(pa >= ALIGN_DOWN(MOD_PA, 4096) && pa < MOD_END);
            if (pmm_is_free(p, pa) != want)
                fail_msg("frame 0x%llx (EFI type %u, attr 0x%llx): free %d, want %d",
                         (unsigned long long)pa, areas[i].efi_type,
                         (unsigned long long)areas[i].attr, pmm_is_free(p, pa), want);
            want_free += want;
        }
    }
    assert_int_equal(p->free_frames, want_free);
    /* nothing outside the map is free */
    assert_false(pmm_is_free(p, 0xA0000));
    assert_false(pmm_is_free(p, 0x4000000));
    assert_false(pmm_is_free(p, 0xFFC00000));

    /* Pages below 1 MiB (the APs' start-up code, boot/smp.c): the map's
     * free ones from 0x1000 up, never page 0, each handed out once, and
     * the main allocator does not change. */
    uint64_t before = p->free_frames;
    assert_int_equal(frame_alloc_low(), 0x1000);
    assert_int_equal(frame_alloc_low(), 0x2000);
    unsigned more = 0;
    hpa_t last = 0, pa;
    while ((pa = frame_alloc_low()) != 0) {
        assert_true(pa > last && pa < 0xA0000);
        last = pa;
        more++;
    }
    assert_int_equal(more, 0xA0000 / 4096 - 3);     /* 0x3000 to 0x9F000 */
    assert_int_equal(p->free_frames, before);
}

/* A boot loader's data below 1 MiB is not handed out as a low page. */
static void test_low_pages_skip_boot_data(void **state)
{
    (void)state;
    memset(&BI, 0, sizeof(BI));
    BI.nmmap = 3;
    BI.mmap[0] = (struct boot_mmap_entry){ 0x0, 0x9FC00, MB2_MMAP_AVAILABLE };
    BI.mmap[1] = (struct boot_mmap_entry){ 0x9FC00, 0x400, MB2_MMAP_RESERVED };
    BI.mmap[2] = (struct boot_mmap_entry){ 0x100000, 0x1000000, MB2_MMAP_AVAILABLE };
    BI.info_addr = 0x1800;                  /* touches page 0x1000 */
    BI.info_size = 0x100;
    BI.nmodules = 1;
    BI.modules[0].start = 0x2000;
    BI.modules[0].end = 0x4001;             /* pages 0x2000-0x4000 */
    frames_init(&BI);
    assert_int_equal(frame_alloc_low(), 0x5000);
    hpa_t last = 0, pa;
    while ((pa = frame_alloc_low()) != 0)
        last = pa;
    assert_int_equal(last, 0x9E000);         /* 0x9F000 holds the EBDA's start */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_frames_from_efi_map),
        cmocka_unit_test(test_low_pages_skip_boot_data),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
