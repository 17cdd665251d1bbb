/*
 * serial.h: 16550A UART on the ISA bus ("isa-serial"; COM1 0x3f8/IRQ 4,
 * COM2 0x2f8/IRQ 3). Properties: iobase, irq, chardev (a backend label),
 * tx-timing (on: THR/TEMT drain at the baud rate on the virtual clock; off: the
 * transmitter is instant, so a guest console polling THRE costs no guest time).
 */
#ifndef HW_CHAR_SERIAL_H
#define HW_CHAR_SERIAL_H

#include "hw/qdev.h"

#define TYPE_ISA_SERIAL "isa-serial"

typedef struct SerialState SerialState;

/*
 * Calls fn(opaque) once, when the guest transmits its first byte (the boot-time
 * breakdown's "first UART byte"). Setting it again re-arms it.
 */
void serial_set_tx_hook(SerialState *s, void (*fn)(void *opaque), void *opaque);

/* Virtual-clock nanoseconds one character takes at the current divisor and format. */
int64_t serial_char_time_ns(SerialState *s);

#endif
