/*
 * mmio-insn-asm.S: for the mmio-insn kernel (which enters IA-32e mode with
 * ia32e-asm.S), a call from 32-bit code into a 64-bit routine, and the
 * 64-bit routines, each one instruction class on the pc-testdev's MMIO (SSE
 * arithmetic: Vol. 2B PXOR, PADDD, ADDPS; x87: FILD, FISTP, FSTP;
 * CMPXCHG16B). Operands and results go through the RAM blocks in[] and out[].
 * A misaligned ADDPS on MMIO raises #GP(0) (Vol. 2A, 2.4: 16-byte SSE memory
 * operands must be aligned), taken by a 64-bit handler (Vol. 3A, 6.14) that
 * resumes after the instruction.
 */
#include "guest-asm.h"

#define MMIO 0xff000000 /* pc-testdev's iomem; mov $imm32 to a 32-bit register zero-extends */

    .text
    .code32
    .globl call64 /* (void (*fn)(void)): fn is 64-bit code ending in RET */
call64:
    push %ebx
    push %esi
    push %edi
    push %ebp
    mov 20(%esp), %edx
    ljmp $GDT_CODE64, $1f
    .code64
1:  call *%rdx
    far_ret_compat 2f
    .code32
2:  pop %ebp
    pop %edi
    pop %esi
    pop %ebx
    ret

    .code64
    .globl t_pxor /* out[0..15] = in[0..15] ^ MMIO[0x00] */
t_pxor:
    mov $MMIO, %eax
    movdqu in(%rip), %xmm0
    pxor 0x00(%rax), %xmm0
    movdqu %xmm0, out(%rip)
    ret

    .globl t_paddd /* out = in + MMIO[0x10] (4 dwords) */
t_paddd:
    mov $MMIO, %eax
    movdqu in(%rip), %xmm1
    paddd 0x10(%rax), %xmm1
    movdqu %xmm1, out(%rip)
    ret

    .globl t_addps /* out = in + MMIO[0x20] (4 floats) */
t_addps:
    mov $MMIO, %eax
    movups in(%rip), %xmm2
    addps 0x20(%rax), %xmm2
    movups %xmm2, out(%rip)
    ret

    .globl t_x87 /* out[0] = (int)MMIO[0x30]; MMIO[0x34] = in[0]; MMIO[0x38] = (double)in[0] */
t_x87:
    mov $MMIO, %eax
    fninit
    fildl 0x30(%rax)
    fistpl out(%rip)
    fildl in(%rip)
    fistpl 0x34(%rax)
    fildl in(%rip)
    fstpl 0x38(%rax)
    ret

    .globl t_cmpxchg16b /* MMIO[0x40] = {1, 2}: swap to {3, 4}, then fail; out = RDX:RAX and ZF each time */
t_cmpxchg16b:
    mov $MMIO, %esi
    mov $1, %eax
    mov $2, %edx
    mov $3, %ebx
    mov $4, %ecx
    lock cmpxchg16b 0x40(%rsi)
    setz out+0(%rip)
    mov $1, %eax
    mov $2, %edx
    lock cmpxchg16b 0x40(%rsi)
    setz out+1(%rip)
    mov %eax, out+4(%rip)
    mov %edx, out+8(%rip)
    ret

    .globl t_cmpxchg16b_pt /* the same on RAM: pml4[510..511], a live page table */
t_cmpxchg16b_pt:
    lea pml4+4080(%rip), %rsi
    mov $0, %eax
    mov $0, %edx
    mov $2, %ebx /* not present: the entries stay unused */
    mov $4, %ecx
    lock cmpxchg16b (%rsi)
    setz out+0(%rip)
    mov $0, %eax
    mov $0, %edx
    lock cmpxchg16b (%rsi)
    setz out+1(%rip)
    mov %eax, out+4(%rip)
    mov %edx, out+8(%rip)
    xor %ebx, %ebx
    xor %ecx, %ecx
    lock cmpxchg16b (%rsi) /* back to 0 */
    ret

    .globl t_misaligned /* addps from MMIO + 0x28: #GP(0); the handler resumes at t_resume */
t_misaligned:
    mov $MMIO, %eax
    movl $0, out(%rip)
    .globl t_misaligned_insn
t_misaligned_insn:
    addps 0x28(%rax), %xmm3
    movl $1, out(%rip) /* skipped */
t_resume:
    ret

    .globl gp_isr64 /* error code, RIP, CS, RFLAGS, RSP, SS */
gp_isr64:
    push %rax
    mov 8(%rsp), %rax
    mov %eax, gp_error(%rip)
    mov 16(%rsp), %rax
    mov %eax, gp_rip(%rip)
    incl gp_faults(%rip)
    lea t_resume(%rip), %rax
    mov %rax, 16(%rsp)
    pop %rax
    add $8, %rsp /* the error code */
    iretq
