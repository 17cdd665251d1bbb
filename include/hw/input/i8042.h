/*
 * i8042.h: the PC keyboard controller ("i8042", ports 0x60/0x64, IRQ 1 and 12)
 * with a PS/2 keyboard and mouse behind it.
 */
#ifndef HW_INPUT_I8042_H
#define HW_INPUT_I8042_H

#include "hw/qdev.h"
#include "hw/input/ps2.h"

#define TYPE_I8042 "i8042"

typedef struct I8042State I8042State;

/* The A20 gate bit of the output port (commands 0xD1, 0xDD, 0xDF). */
bool i8042_a20_enabled(I8042State *s);
/* The keyboard and mouse behind the controller (for the UI). */
PS2KbdState *i8042_get_kbd(I8042State *s);
PS2MouseState *i8042_get_mouse(I8042State *s);

#endif
