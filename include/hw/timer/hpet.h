/*
 * hpet.h: the High Precision Event Timer ("hpet", MMIO at 0xFED00000): a
 * 64-bit main counter at 100 MHz and three comparators. Its interrupts go to
 * GSIs: in legacy replacement mode timer 0 drives GSI 0 (the 8259's IR0 and
 * IOAPIC pin 2) and timer 1 GSI 8, and the machine should disconnect the PIT
 * and the RTC (the legacy hook); otherwise a timer drives the IOAPIC pin (20-23)
 * its route selects. All functions run under the BQL.
 */
#ifndef HW_TIMER_HPET_H
#define HW_TIMER_HPET_H

#include "hw/qdev.h"
#include "hw/irq.h"

#define TYPE_HPET          "hpet"
#define HPET_BASE          0xfed00000u
#define HPET_MMIO_SIZE     0x400
#define HPET_NUM_TIMERS    3
#define HPET_CLK_PERIOD_FS 10000000u /* 10 ns */

typedef struct HPETState HPETState;

/* The GSI lines the timers drive (gsi[0..23], owned by the machine); NULL: none. */
void hpet_set_gsi(HPETState *s, qemu_irq *gsi);
/* Called when the guest turns legacy replacement routing on or off. */
void hpet_set_legacy_hook(HPETState *s, void (*hook)(void *opaque, bool on), void *opaque);

#endif
