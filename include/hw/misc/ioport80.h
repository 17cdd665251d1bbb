/*
 * ioport80.h: the POST diagnostic port ("ioport80", port 0x80), a sink that
 * remembers the last byte and tells the machine (boot-time milestone).
 */
#ifndef HW_MISC_IOPORT80_H
#define HW_MISC_IOPORT80_H

#include "hw/qdev.h"

#define TYPE_IOPORT80 "ioport80"

typedef struct IOPort80State IOPort80State;

/* Calls fn(opaque, value) on every write to the port; NULL removes it. */
void ioport80_set_hook(IOPort80State *s, void (*fn)(void *opaque, uint8_t value), void *opaque);
/* The last value written (0 before any). */
uint8_t ioport80_last_value(IOPort80State *s);

#endif
