/*
 * smp-asm.S: the AP start-up trampoline (Intel SDM Vol. 3A, 8.4.4 "MP
 * Initialization Example"). A SIPI with vector TRAMPOLINE >> 12 starts each AP
 * in real mode at TRAMPOLINE; it loads the kernel's GDT, enters protected
 * mode, takes a stack and calls ap_main().
 */
#include "guest-gdt.h"

#define TRAMPOLINE 0x8000
#define AP_STACK_SIZE 4096
#define MAX_APS 16

#define T_OFF(x) ((x) - trampoline_start)

    .code16
    .globl trampoline_start, trampoline_end
trampoline_start:
    cli
    mov %cs, %ax
    mov %ax, %ds
    lgdtl T_OFF(tramp_gdt_desc)
    mov %cr0, %eax
    or $1, %eax
    mov %eax, %cr0
    ljmpl $GDT_CODE32, $ap_entry32
    .align 4
    .globl tramp_gdt_desc
tramp_gdt_desc: /* filled by the BSP: a copy of gdt_desc */
    .word 0
    .long 0
trampoline_end:

    .code32
ap_entry32:
    mov $GDT_DATA32, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %fs
    mov %ax, %gs
    mov %ax, %ss
    mov $1, %eax
    lock xadd %eax, ap_next_stack
    and $(MAX_APS - 1), %eax
    inc %eax
    shl $12, %eax
    lea ap_stacks(%eax), %esp
    call ap_main
1:  cli
    hlt
    jmp 1b

    .data
ap_next_stack:
    .long 0
    .bss
    .align 16
ap_stacks:
    .space AP_STACK_SIZE * MAX_APS
