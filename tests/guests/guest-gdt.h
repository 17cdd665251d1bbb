/* guest-gdt.h: selectors of the GDT in crt0.S (C and assembly). */
#ifndef TESTS_GUESTS_GDT_H
#define TESTS_GUESTS_GDT_H
#define GDT_CODE32 0x08
#define GDT_DATA32 0x10
#define GDT_CODE16 0x18
#define GDT_DATA16 0x20
#define GDT_CODE64 0x28
#endif
