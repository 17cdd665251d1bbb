/*
 * debugexit.h: QEMU's ISA debug exit device ("isa-debug-exit", default port
 * 0x501, 2 bytes): a write of v ends tern with exit status (v << 1) | 1.
 */
#ifndef HW_MISC_DEBUGEXIT_H
#define HW_MISC_DEBUGEXIT_H

#include "hw/qdev.h"

#define TYPE_ISA_DEBUG_EXIT "isa-debug-exit"

#endif
