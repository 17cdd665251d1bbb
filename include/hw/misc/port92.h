/*
 * port92.h: System Control Port A ("port92", port 0x92): fast reset and A20.
 */
#ifndef HW_MISC_PORT92_H
#define HW_MISC_PORT92_H

#include "hw/qdev.h"

#define TYPE_PORT92 "port92"

typedef struct Port92State Port92State;

/* Bit 1 of port 0x92: the fast A20 gate. */
bool port92_a20_enabled(Port92State *s);

#endif
