/*
 * Host MC146818 real-time clock, read once so guests' virtual RTCs start at
 * the real time of day (Motorola MC146818A datasheet).
 */
#ifndef DRIVERS_HW_RTC_H
#define DRIVERS_HW_RTC_H

#include "drivers/virt/vrtc.h"

/* Read the date and time (waits out an update in progress). */
void rtc_read_time(struct vrtc_time *t);

#endif
