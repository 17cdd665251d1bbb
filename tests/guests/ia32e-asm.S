/*
 * ia32e-asm.S: IA-32e mode entered from 32-bit protected mode (Intel SDM
 * Vol. 3A, 9.8.5): CR3, CR4.PAE, EFER.LME, then CR0.PG. The caller's 32-bit
 * code goes on in compatibility mode. Used by the modes, paging and mmio-insn kernels.
 */
#define MSR_EFER 0xc0000080
#define EFER_LME 0x100
#define CR4_PAE 0x20
#define CR0_PG 0x80000000

    .text
    .code32
    .globl enter_ia32e /* (uint32_t pml4) */
enter_ia32e:
    mov 4(%esp), %eax
    mov %eax, %cr3
    mov %cr4, %eax
    or $CR4_PAE, %eax
    mov %eax, %cr4
    mov $MSR_EFER, %ecx
    rdmsr
    or $EFER_LME, %eax
    wrmsr
    mov %cr0, %eax
    or $CR0_PG, %eax
    mov %eax, %cr0 /* IA-32e mode: the 32-bit caller now runs in compatibility mode */
    ret
