/*
 * i8254.h: the PC's 8254 programmable interval timer ("i8254", ports
 * 0x40-0x43, channel 0 on ISA IRQ 0) and the NMI status/control port 0x61
 * that gates channel 2 for the speaker (bit 0) and reads its output (bit 5).
 * Properties: iobase (0x40), irq (0). All functions run under the BQL.
 */
#ifndef HW_TIMER_I8254_H
#define HW_TIMER_I8254_H

#include "hw/qdev.h"

#define TYPE_I8254    "i8254"
#define PIT_FREQ_HZ   1193182
#define PIT_ISA_IRQ   0
#define PIT_IOBASE    0x40
#define PORT61_IOBASE 0x61

typedef struct PITState PITState;

/* The OUT pin of channel 0..2 now. */
int pit_get_out(PITState *s, int channel);
/* Sets the GATE input of channel 0..2 (channels 0 and 1 are tied high on a PC). */
void pit_set_gate(PITState *s, int channel, int level);
/* The current count of a channel as the guest would read it after a latch (binary). */
uint32_t pit_get_count(PITState *s, int channel);
/*
 * Connects or disconnects channel 0's OUT from IRQ 0 (an HPET in legacy replacement
 * mode takes the line: hpet_set_legacy_hook); disconnecting lowers the line.
 */
void pit_set_irq_enabled(PITState *s, bool enabled);

#endif
