/*
 * Reading the host RTC: wait until no update is in progress (register A
 * bit 7), read every field, and read again until two reads agree; convert
 * from BCD and 12-hour mode as register B says.
 */
#include "drivers/hw/rtc.h"
#include "boot/x86.h"

#define RTC_PORT_INDEX  0x70
#define RTC_PORT_DATA   0x71
#define RTC_NMI_DISABLE 0x80
#define RTC_SEC   0x00
#define RTC_MIN   0x02
#define RTC_HOUR  0x04
#define RTC_MDAY  0x07
#define RTC_MON   0x08
#define RTC_YEAR  0x09
#define RTC_REG_A 0x0A
#define RTC_REG_B 0x0B
#define RTC_CENTURY 0x32
#define RTC_A_UIP       0x80
#define RTC_B_24H       0x02
#define RTC_B_BINARY    0x04
#define RTC_HOUR_PM     0x80

static uint8_t cmos(uint8_t reg)
{
    outb(RTC_PORT_INDEX, RTC_NMI_DISABLE | reg);
    return inb(RTC_PORT_DATA);
}

static uint8_t bcd(uint8_t v) { return (uint8_t)((v >> 4) * 10 + (v & 0xF)); }

static void read_raw(uint8_t r[7])
{
    for (int i = 0; i < 1000000 && (cmos(RTC_REG_A) & RTC_A_UIP); i++)
        pause();
    r[0] = cmos(RTC_SEC);
    r[1] = cmos(RTC_MIN);
    r[2] = cmos(RTC_HOUR);
    r[3] = cmos(RTC_MDAY);
    r[4] = cmos(RTC_MON);
    r[5] = cmos(RTC_YEAR);
    r[6] = cmos(RTC_CENTURY);
}

void rtc_read_time(struct vrtc_time *t)
{
    uint8_t a[7], b[7];
    read_raw(a);
    for (int tries = 0; tries < 5; tries++) {
        read_raw(b);
        bool same = true;
        for (int i = 0; i < 7; i++)
            same &= a[i] == b[i];
        if (same)
            break;
        for (int i = 0; i < 7; i++)
            a[i] = b[i];
    }
    uint8_t regb = cmos(RTC_REG_B);
    bool pm = a[2] & RTC_HOUR_PM;
    a[2] &= (uint8_t)~RTC_HOUR_PM;
    if (!(regb & RTC_B_BINARY))
        for (int i = 0; i < 7; i++)
            a[i] = bcd(a[i]);
    if (!(regb & RTC_B_24H))
        a[2] = (uint8_t)(a[2] % 12 + (pm ? 12 : 0));
    unsigned century = (a[6] >= 19 && a[6] <= 30) ? a[6] : 20;
    t->sec = a[0];
    t->min = a[1];
    t->hour = a[2];
    t->mday = a[3];
    t->mon = a[4];
    t->year = (uint16_t)(century * 100 + a[5]);
}
