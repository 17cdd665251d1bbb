/*
 * modes-asm.S: mode switches (Intel SDM Vol. 3A, 9.9 "Mode Switching" and
 * 9.8.5 "Initializing IA-32e Mode").
 *
 * real_mode_roundtrip: protected mode -> 16-bit protected mode -> real mode
 * (prints from real mode, records CR0) -> protected mode. The 16-bit code is
 * copied to RM_BASE first, below 1 MiB where real mode can run it.
 *
 * long_mode_roundtrip(pml4): PAE paging + EFER.LME -> 64-bit mode (prints,
 * does 64-bit arithmetic, records EFER) -> compatibility mode -> paging off ->
 * 32-bit protected mode.
 */
#include "guest-asm.h"

#define RM_BASE 0x7000
#define RM_SEG (RM_BASE >> 4)
#define RM_STACK 0x6ff0
#define COM1 0x3f8
#define MSR_EFER 0xc0000080
#define EFER_LME 0x100
#define CR4_PAE 0x20
#define CR0_PG 0x80000000

#define RM_OFF(x) ((x) - rm_start)

    .text
    .code32
    .globl real_mode_roundtrip
real_mode_roundtrip:
    pusha
    mov %esp, saved_esp
    /* copy the 16-bit code below 1 MiB */
    mov $rm_start, %esi
    mov $RM_BASE, %edi
    mov $(rm_end - rm_start), %ecx
    cld
    rep movsb
    ljmp $GDT_CODE16, $(RM_BASE + RM_OFF(rm_pm16))
pm32_back:
    mov $GDT_DATA32, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %fs
    mov %ax, %gs
    mov %ax, %ss
    mov saved_esp, %esp
    popa
    mov RM_BASE + RM_OFF(rm_cr0), %eax
    ret

    .code16
rm_start:
rm_pm16: /* 16-bit protected mode: load 64 KiB data segments, then leave protected mode */
    mov $GDT_DATA16, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    mov %cr0, %eax
    and $~1, %eax
    mov %eax, %cr0
    ljmp $RM_SEG, $RM_OFF(rm_real)
rm_real: /* real mode */
    mov $RM_SEG, %ax
    mov %ax, %ds
    xor %ax, %ax
    mov %ax, %ss
    mov $RM_STACK, %sp
    mov %cr0, %eax
    mov %eax, RM_OFF(rm_cr0)
    mov $RM_OFF(rm_msg), %si
1:  lodsb
    test %al, %al
    jz 3f
    mov %al, %bl
    mov $(COM1 + 5), %dx
2:  in %dx, %al
    test $0x20, %al
    jz 2b
    mov $COM1, %dx
    mov %bl, %al
    out %al, %dx
    jmp 1b
3:  mov %cr0, %eax
    or $1, %eax
    mov %eax, %cr0
    ljmpl $GDT_CODE32, $pm32_back
rm_cr0:
    .long 0xffffffff
rm_msg:
    .asciz "real mode: hello from 16-bit code\n"
rm_end:

    .code32
    .globl long_mode_roundtrip
long_mode_roundtrip: /* (uint32_t pml4) -> EFER as seen in 64-bit mode */
    pusha
    pushl 36(%esp)
    call enter_ia32e /* IA-32e mode, still in 32-bit compatibility code */
    add $4, %esp
    ljmp $GDT_CODE64, $lm64

    .code64
lm64:
    mov $MSR_EFER, %ecx
    rdmsr
    mov %eax, lm_efer(%rip)
    movabs $0x0123456789abcdef, %rax
    rol $8, %rax
    movabs $0x23456789abcdef01, %rbx
    cmp %rbx, %rax
    sete lm_arith_ok(%rip)
    lea lm_msg(%rip), %rsi
1:  lodsb
    test %al, %al
    jz 3f
    mov %al, %bl
    mov $(COM1 + 5), %dx
2:  in %dx, %al
    test $0x20, %al
    jz 2b
    mov $COM1, %dx
    mov %bl, %al
    out %al, %dx
    jmp 1b
3:  /* back to 32-bit code: far return to the compatibility-mode selector */
    far_ret_compat lm_compat

    .code32
lm_compat:
    mov %cr0, %eax
    and $~CR0_PG, %eax
    mov %eax, %cr0 /* leaves IA-32e mode */
    mov $MSR_EFER, %ecx
    rdmsr
    and $~EFER_LME, %eax
    wrmsr
    mov %cr4, %eax
    and $~CR4_PAE, %eax
    mov %eax, %cr4
    popa
    mov lm_efer, %eax
    ret

    .data
saved_esp:
    .long 0
    .globl lm_efer, lm_arith_ok
lm_efer:
    .long 0
lm_arith_ok:
    .byte 0
lm_msg:
    .asciz "long mode: hello from 64-bit code\n"
