/*
 * mc146818rtc.h: the PC's MC146818 real-time clock and 128-byte CMOS
 * ("mc146818rtc", ports 0x70/0x71, IRQ 8).
 * Properties: iobase, irq, base ("utc", "localtime" or "YYYY-MM-DDTHH:MM:SS",
 * the RTC's time at start; a fixed date makes tests deterministic).
 */
#ifndef HW_RTC_MC146818RTC_H
#define HW_RTC_MC146818RTC_H

#include "hw/qdev.h"

#define TYPE_MC146818_RTC "mc146818rtc"
#define RTC_ISA_IRQ       8

/* CMOS bytes the PC firmware reads (beyond the clock registers 0x00-0x0d). */
#define RTC_REG_CENTURY 0x32

typedef struct RTCState RTCState;

/* Stores a CMOS byte (memory sizes, boot order...); index 0..127. */
void rtc_set_cmos(RTCState *s, int index, uint8_t val);
/* Reads a CMOS byte as the guest would, without side effects on register C. */
uint8_t rtc_get_cmos(RTCState *s, int index);
/* True while the guest has NMIs masked (bit 7 of the last index written to 0x70). */
bool rtc_nmi_masked(RTCState *s);
/* Sets the clock to a time given as seconds since 1970 (broken down as UTC). */
void rtc_set_time(RTCState *s, int64_t seconds);
/* The clock's current time, seconds since 1970. */
int64_t rtc_get_time(RTCState *s);

#endif
