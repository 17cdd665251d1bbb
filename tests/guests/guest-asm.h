/* guest-asm.h: assembly pieces the test kernels share (include from .S files only). */
#ifndef TESTS_GUESTS_ASM_H
#define TESTS_GUESTS_ASM_H
#include "guest-gdt.h"

/*
 * From 64-bit code, a far return to the 32-bit code segment at label, which
 * then runs in compatibility mode (Intel SDM Vol. 2A, RET: 64-bit far return
 * pops RIP and CS as 8 bytes each). The objects are ELF32, so each 64-bit
 * slot is stored as two 32-bit halves.
 */
.macro far_ret_compat label
    sub $16, %rsp
    movl $\label, (%rsp)
    movl $0, 4(%rsp)
    movl $GDT_CODE32, 8(%rsp)
    movl $0, 12(%rsp)
    lretq
.endm

#endif
