/*
 * paging-asm.S: for the paging kernel, which enters IA-32e paging with
 * ia32e-asm.S and runs in compatibility mode (Intel SDM Vol. 3A, 9.8.5 and
 * 4.5): a store done in 64-bit code, and a 64-bit #PF handler (6.14
 * "Exception and Interrupt Handling in 64-bit Mode").
 */
#include "guest-asm.h"

#define VIRT_BASE 0x40000000

    .text
    .code32
    .globl write64 /* (uint32_t addr, uint32_t value): the store done in 64-bit code */
write64:
    mov 4(%esp), %edx
    mov 8(%esp), %ecx
    ljmp $GDT_CODE64, $1f
    .code64
1:  movl %ecx, (%rdx)
    far_ret_compat 2f
    .code32
2:  ret

    .code64
    .globl pf_isr64
pf_isr64: /* error, RIP, CS, RFLAGS, RSP, SS */
    push %rax
    push %rcx
    push %rdx
    mov %cr2, %rax
    mov %eax, fault_addr(%rip)
    mov 24(%rsp), %rcx
    mov %ecx, fault_error(%rip)
    incl faults(%rip)
    /* map the missing page: page_table[(cr2 - VIRT_BASE) >> 12] = fix_pte */
    sub $VIRT_BASE, %eax
    shr $12, %eax
    mov fix_pte(%rip), %rcx
    lea page_table(%rip), %rdx
    mov %rcx, (%rdx, %rax, 8)
    mov %cr2, %rax
    invlpg (%rax)
    pop %rdx
    pop %rcx
    pop %rax
    add $8, %rsp /* RIP, CS, RFLAGS, RSP, SS */
    /*
     * XXX: no IRETQ (KVM's emulator on a PVM host cannot emulate it). On the
     * interrupted stack build RBX, RAX, RFLAGS, RIP, CS; switch to it; restore;
     * far-return to the compatibility-mode code.
     */
    push %rax
    push %rbx /* RBX, RAX, RIP, CS, RFLAGS, RSP, SS */
    mov 40(%rsp), %rax
    sub $40, %rax
    /* the new block overlaps this frame: copy from the top down, each slot read before it is overwritten */
    mov 24(%rsp), %rbx
    mov %rbx, 32(%rax) /* CS */
    mov 16(%rsp), %rbx
    mov %rbx, 24(%rax) /* RIP */
    mov 32(%rsp), %rbx
    mov %rbx, 16(%rax) /* RFLAGS */
    mov 8(%rsp), %rbx
    mov %rbx, 8(%rax) /* RAX */
    mov (%rsp), %rbx
    mov %rbx, (%rax) /* RBX */
    mov %rax, %rsp
    pop %rbx
    pop %rax
    popfq
    lretq
