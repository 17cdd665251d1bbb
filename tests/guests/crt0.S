/*
 * crt0.S: multiboot v1 header (Multiboot Specification 0.6.96, 3.1.1), the
 * 32-bit entry, and interrupt stubs for vectors 0-63 that call isr_dispatch().
 */
#include "guest-gdt.h"

#define MB_MAGIC 0x1badb002
#define MB_FLAGS 0x00000003 /* page-aligned modules, memory information */

    .section .multiboot, "a"
    .align 4
    .long MB_MAGIC
    .long MB_FLAGS
    .long -(MB_MAGIC + MB_FLAGS)

    .text
    .globl _start
_start:
    lgdt gdt_desc
    ljmp $GDT_CODE32, $1f
1:  mov $GDT_DATA32, %cx
    mov %cx, %ds
    mov %cx, %es
    mov %cx, %fs
    mov %cx, %gs
    mov %cx, %ss
    mov $stack_top, %esp
    push %ebx /* multiboot information */
    push %eax /* 0x2badb002 */
    call kmain
    push %eax
    call guest_exit
1:  hlt
    jmp 1b

/* Vectors with an error code pushed by the CPU: 8, 10-14, 17, 21, 29, 30. */
.macro ISR n
    .globl isr\n
isr\n:
    .if (\n == 8) || (\n >= 10 && \n <= 14) || (\n == 17) || (\n == 21) || (\n == 29) || (\n == 30)
    .else
    push $0
    .endif
    push $\n
    jmp isr_common
.endm

.altmacro
.set i, 0
.rept 64
    ISR %i
    .set i, i + 1
.endr

isr_common:
    pusha
    push %esp /* struct frame * */
    call isr_dispatch
    add $4, %esp
    popa
    add $8, %esp /* vector, error code: EIP, CS, EFLAGS remain */
    /*
     * XXX: return without IRET. On a PVM host KVM runs 32-bit code in its
     * instruction emulator, which cannot emulate a protected-mode IRET (the
     * vCPU stops with an emulation failure). Same privilege, same CS: restore
     * EFLAGS with POPF and return with RET, dropping the CS slot.
     */
    push %eax            /* EAX, EIP, CS, EFLAGS */
    mov 4(%esp), %eax
    mov %eax, 8(%esp)    /* EAX, EIP, EIP, EFLAGS */
    mov 12(%esp), %eax
    mov %eax, 4(%esp)    /* EAX, EFLAGS, EIP, EFLAGS */
    pop %eax
    popfl
    ret $4

/* The kernels' own GDT (the spec tells the OS not to rely on the loader's). */
    .section .rodata
    .align 8
    .globl gdt
gdt:
    .quad 0
    .quad 0x00cf9a000000ffff /* 0x08: 32-bit code, flat */
    .quad 0x00cf92000000ffff /* 0x10: 32-bit data, flat */
    .quad 0x00009a000000ffff /* 0x18: 16-bit code, 64 KiB */
    .quad 0x000092000000ffff /* 0x20: 16-bit data, 64 KiB */
    .quad 0x00af9a000000ffff /* 0x28: 64-bit code */
gdt_end:
    .globl gdt_desc
    .align 4
gdt_desc:
    .word gdt_end - gdt - 1
    .long gdt

    .globl isr_table
    .align 4
.macro ISR_ADDR n
    .long isr\n
.endm
isr_table:
.set i, 0
.rept 64
    ISR_ADDR %i
    .set i, i + 1
.endr

    .bss
    .align 16
    .space 16384
    .globl stack_top
stack_top:
