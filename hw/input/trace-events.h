/*
 * hw/input trace points: X(name, (prototype), (arguments), "format").
 * Defined and registered once in util/trace-events.c; see docs/tracing.md.
 */
#ifndef HW_INPUT_TRACE_EVENTS_H
#define HW_INPUT_TRACE_EVENTS_H

#include "qemu/trace.h"

#define HW_INPUT_TRACE_EVENTS(X)                                                                   \
    X(i8042_read_data, (unsigned val), (val), "val 0x%02x")                                        \
    X(i8042_write_data, (unsigned val), (val), "val 0x%02x")                                       \
    X(i8042_read_status, (unsigned val), (val), "val 0x%02x")                                      \
    X(i8042_command, (unsigned cmd), (cmd), "cmd 0x%02x")                                          \
    X(i8042_outport, (unsigned val), (val), "val 0x%02x")                                          \
    X(i8042_irq, (int kbd, int aux), (kbd, aux), "kbd %d aux %d")                                  \
    X(i8042_reset, (void), (), "controller reset")                                                 \
    X(ps2_kbd_write, (unsigned val), (val), "val 0x%02x")                                          \
    X(ps2_kbd_put_key, (unsigned set1_code, bool down), (set1_code, down),                         \
      "set1 code 0x%x down %d")                                                                    \
    X(ps2_kbd_reset, (void), (), "keyboard reset")                                                 \
    X(ps2_mouse_write, (unsigned val), (val), "val 0x%02x")                                        \
    X(ps2_mouse_event, (int dx, int dy, unsigned buttons), (dx, dy, buttons),                      \
      "dx %d dy %d buttons 0x%x")                                                                  \
    X(ps2_mouse_reset, (void), (), "mouse reset")                                                  \
    X(ps2_queue_full, (unsigned count, unsigned len), (count, len),                                \
      "queue holds %u bytes: %u more dropped")

HW_INPUT_TRACE_EVENTS(TRACE_DECLARE_EVENT)

#endif
