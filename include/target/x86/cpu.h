/*
 * cpu.h: the x86-64 architectural state, shared by every accelerator.
 *
 * Follows the Intel SDM Vol. 3A: general registers and RFLAGS (ch. 2-3),
 * segment descriptor caches (3.4.5), system tables and control registers
 * (2.4-2.5), the MSRs a Linux guest programs (ch. 2 of Vol. 4), and the
 * x87/SSE/AVX state as FXSAVE/XSAVE lay it out (Vol. 1, 10.5 and 13).
 * KVM copies its vCPU state into this struct (target/x86/kvm.c); the
 * interpreter runs on it directly. Left out: SMM state, VMX, AVX-512, MPX.
 */
#ifndef TARGET_X86_CPU_H
#define TARGET_X86_CPU_H

#include "qemu/osdep.h"

/* General register numbers, in the SDM's ModRM encoding order. */
enum {
    R_EAX = 0,
    R_ECX = 1,
    R_EDX = 2,
    R_EBX = 3,
    R_ESP = 4,
    R_EBP = 5,
    R_ESI = 6,
    R_EDI = 7,
    R_R8 = 8,
    R_R9,
    R_R10,
    R_R11,
    R_R12,
    R_R13,
    R_R14,
    R_R15,
    CPU_NB_REGS = 16,
};

/* Segment register numbers, in the SDM's Sreg encoding order. */
enum {
    R_ES = 0,
    R_CS = 1,
    R_SS = 2,
    R_DS = 3,
    R_FS = 4,
    R_GS = 5,
    CPU_NB_SEGS = 6,
};

/* RFLAGS bits (SDM Vol. 1, 3.4.3). */
#define CC_C         0x0001
#define CC_P         0x0004
#define CC_A         0x0010
#define CC_Z         0x0040
#define CC_S         0x0080
#define TF_MASK      0x00000100
#define IF_MASK      0x00000200
#define DF_MASK      0x00000400
#define CC_O         0x0800
#define IOPL_MASK    0x00003000
#define NT_MASK      0x00004000
#define RF_MASK      0x00010000
#define VM_MASK      0x00020000
#define AC_MASK      0x00040000
#define VIF_MASK     0x00080000
#define VIP_MASK     0x00100000
#define ID_MASK      0x00200000
#define RFLAGS_FIXED 0x00000002 /* bit 1 always reads as 1 */

/* CR0 and CR4 bits (SDM Vol. 3A, 2.5). */
#define CR0_PE_MASK (1u << 0)
#define CR0_MP_MASK (1u << 1)
#define CR0_EM_MASK (1u << 2)
#define CR0_TS_MASK (1u << 3)
#define CR0_ET_MASK (1u << 4)
#define CR0_NE_MASK (1u << 5)
#define CR0_WP_MASK (1u << 16)
#define CR0_AM_MASK (1u << 18)
#define CR0_NW_MASK (1u << 29)
#define CR0_CD_MASK (1u << 30)
#define CR0_PG_MASK (1u << 31)

#define CR4_VME_MASK        (1u << 0)
#define CR4_PVI_MASK        (1u << 1)
#define CR4_TSD_MASK        (1u << 2)
#define CR4_DE_MASK         (1u << 3)
#define CR4_PSE_MASK        (1u << 4)
#define CR4_PAE_MASK        (1u << 5)
#define CR4_MCE_MASK        (1u << 6)
#define CR4_PGE_MASK        (1u << 7)
#define CR4_PCE_MASK        (1u << 8)
#define CR4_OSFXSR_MASK     (1u << 9)
#define CR4_OSXMMEXCPT_MASK (1u << 10)
#define CR4_UMIP_MASK       (1u << 11)
#define CR4_FSGSBASE_MASK   (1u << 16)
#define CR4_PCIDE_MASK      (1u << 17)
#define CR4_OSXSAVE_MASK    (1u << 18)
#define CR4_SMEP_MASK       (1u << 20)
#define CR4_SMAP_MASK       (1u << 21)

/* IA32_EFER bits. */
#define MSR_EFER_SCE (1u << 0)
#define MSR_EFER_LME (1u << 8)
#define MSR_EFER_LMA (1u << 10)
#define MSR_EFER_NXE (1u << 11)

/* IA32_APIC_BASE bits. */
#define MSR_IA32_APICBASE_BSP    (1u << 8)
#define MSR_IA32_APICBASE_ENABLE (1u << 11)
#define MSR_IA32_APICBASE_BASE   0xfffff000u
#define APIC_DEFAULT_ADDRESS     0xfee00000u

/* MSR numbers (SDM Vol. 4, table 2-2) and KVM's paravirtual ones. */
#define MSR_IA32_TSC                     0x10
#define MSR_IA32_APICBASE                0x1b
#define MSR_IA32_FEATURE_CONTROL         0x3a
#define MSR_IA32_TSC_ADJUST              0x3b
#define MSR_IA32_SPEC_CTRL               0x48
#define MSR_IA32_SYSENTER_CS             0x174
#define MSR_IA32_SYSENTER_ESP            0x175
#define MSR_IA32_SYSENTER_EIP            0x176
#define MSR_MCG_STATUS                   0x17a
#define MSR_IA32_MISC_ENABLE             0x1a0
#define MSR_IA32_MISC_ENABLE_FAST_STRING (1u << 0) /* set at reset (SDM Vol. 4, 2.1) */
#define MSR_MTRRphysBase(n)              (0x200 + 2 * (n))
#define MSR_MTRRphysMask(n)              (0x201 + 2 * (n))
#define MSR_MTRRfix64K_00000             0x250
#define MSR_MTRRfix16K_80000             0x258
#define MSR_MTRRfix16K_A0000             0x259
#define MSR_MTRRfix4K_C0000              0x268 /* through 0x26f */
#define MSR_PAT                          0x277
#define MSR_MTRRdefType                  0x2ff
#define MSR_EFER                         0xc0000080
#define MSR_STAR                         0xc0000081
#define MSR_LSTAR                        0xc0000082
#define MSR_CSTAR                        0xc0000083
#define MSR_FMASK                        0xc0000084
#define MSR_FSBASE                       0xc0000100
#define MSR_GSBASE                       0xc0000101
#define MSR_KERNELGSBASE                 0xc0000102
#define MSR_TSC_AUX                      0xc0000103
#define MSR_KVM_WALL_CLOCK_NEW           0x4b564d00
#define MSR_KVM_SYSTEM_TIME_NEW          0x4b564d01
#define MSR_KVM_ASYNC_PF_EN              0x4b564d02
#define MSR_KVM_STEAL_TIME               0x4b564d03
#define MSR_KVM_PV_EOI_EN                0x4b564d04

#define MSR_MTRRcap_VCNT     8  /* variable-range MTRRs we model */
#define MSR_MTRR_FIXED_COUNT 11 /* 64K_00000, 16K_80000/A0000, 4K_C0000..F8000 */
#define MSR_PAT_RESET        0x0007040600070406ULL

/*
 * Segment descriptor cache flags: the descriptor's high dword (bits 8-23),
 * at the same positions as in the descriptor (SDM Vol. 3A, 3.4.5).
 */
#define DESC_TYPE_SHIFT 8
#define DESC_TYPE_MASK  (15u << DESC_TYPE_SHIFT)
#define DESC_A_MASK     (1u << 8)  /* accessed (code/data) */
#define DESC_W_MASK     (1u << 9)  /* data: writable */
#define DESC_R_MASK     (1u << 9)  /* code: readable */
#define DESC_E_MASK     (1u << 10) /* data: expand down */
#define DESC_C_MASK     (1u << 10) /* code: conforming */
#define DESC_CS_MASK    (1u << 11) /* code, not data */
#define DESC_S_MASK     (1u << 12) /* code/data, not system */
#define DESC_DPL_SHIFT  13
#define DESC_DPL_MASK   (3u << DESC_DPL_SHIFT)
#define DESC_P_MASK     (1u << 15)
#define DESC_AVL_MASK   (1u << 20)
#define DESC_L_MASK     (1u << 21) /* 64-bit code segment */
#define DESC_B_MASK     (1u << 22) /* default operand size 32 */
#define DESC_G_MASK     (1u << 23) /* limit in 4 KiB units */
/* System descriptor types (S = 0). */
#define DESC_TYPE_LDT         2
#define DESC_TYPE_TSS16_BUSY  3
#define DESC_TYPE_TSS64_AVAIL 9
#define DESC_TYPE_TSS64_BUSY  11

/* A segment register with its hidden part. limit is the expanded byte limit. */
typedef struct SegmentCache {
    uint32_t selector;
    uint64_t base;
    uint32_t limit;
    uint32_t flags; /* DESC_* */
} SegmentCache;

/* GDTR/IDTR. */
typedef struct DescTable {
    uint64_t base;
    uint32_t limit;
} DescTable;

/* One x87 register: 64-bit significand and sign+exponent, as FXSAVE stores it. */
typedef struct X86FPReg {
    uint64_t mant;
    uint16_t exp; /* bit 15 sign, 14..0 biased exponent */
} X86FPReg;

typedef union X86XMMReg {
    uint8_t b[16];
    uint32_t l[4];
    uint64_t q[2];
} X86XMMReg;

/* XCR0 components (SDM Vol. 1, 13.1). */
#define XSTATE_FP_MASK  (1u << 0)
#define XSTATE_SSE_MASK (1u << 1)
#define XSTATE_YMM_MASK (1u << 2)

/*
 * x87, SSE and AVX state. st[] is in physical register order (R0..R7), as
 * FXSAVE's ST0..ST7 rotated by TOP; ftw is the full tag word (2 bits per
 * physical register), fsw holds TOP in bits 11-13.
 */
typedef struct X86FPUState {
    uint16_t fcw;
    uint16_t fsw;
    uint16_t ftw;
    uint16_t fop;
    uint64_t fip; /* last x87 instruction pointer (FCS:FIP outside 64-bit mode) */
    uint64_t fdp; /* last x87 data pointer */
    uint16_t fcs, fds;
    uint32_t mxcsr;
    X86FPReg st[8];
    X86XMMReg xmm[16];
    X86XMMReg ymmh[16]; /* upper halves of YMM0-15 */
} X86FPUState;

/* The legacy FXSAVE region (SDM Vol. 1, table 10-2, 64-bit layout): offsets. */
#define FXSAVE_FCW   0
#define FXSAVE_FSW   2
#define FXSAVE_FTW   4 /* abridged: one bit per physical register, 1 = not empty */
#define FXSAVE_FOP   6
#define FXSAVE_FIP   8
#define FXSAVE_FDP   16
#define FXSAVE_MXCSR 24
#define FXSAVE_ST    32 /* ST0..ST7, 16 bytes each */
#define FXSAVE_XMM   160

/*
 * fxsave.c: an FXSAVE image (512 bytes) to X86FPUState (the full tag word
 * rebuilt from the abridged one and the registers' contents), and back
 * (bytes 0-159 rewritten, the XMM registers at 160; the rest of the image
 * left as it was).
 */
void x86_fxsave_to_fpu(X86FPUState *f, const uint8_t *fxsave);
void x86_fpu_to_fxsave(uint8_t *fxsave, const X86FPUState *f);

#define FCW_RESET     0x037f /* after FINIT (the SDM's power-up value is 0x0040) */
#define FTW_ALL_EMPTY 0xffff
#define MXCSR_RESET   0x1f80

/* Pending event state (what an exit interrupted), so no event is lost across a sync. */
typedef struct X86EventState {
    bool exception_injected;
    uint8_t exception_nr;
    bool has_error_code;
    uint32_t error_code;
    bool interrupt_injected;
    uint8_t interrupt_nr;
    bool interrupt_soft;
    bool nmi_injected;
    bool nmi_pending;
    bool nmi_masked;
    uint8_t interrupt_shadow; /* STI / MOV SS blocking */
} X86EventState;

typedef struct CPUX86State {
    uint64_t regs[CPU_NB_REGS];
    uint64_t rip;
    uint64_t rflags;

    SegmentCache segs[CPU_NB_SEGS];
    SegmentCache ldt;
    SegmentCache tr;
    DescTable gdt;
    DescTable idt;

    uint64_t cr[5]; /* cr[0], cr[2], cr[3], cr[4]; cr[1] unused */
    uint64_t cr8;   /* task priority */
    uint64_t efer;
    uint64_t dr[8]; /* dr[4]/dr[5] alias dr[6]/dr[7] and stay unused */
    uint64_t xcr0;

    /* MSRs (Linux programs all of these). */
    uint64_t star, lstar, cstar, fmask, kernel_gs_base;
    uint64_t sysenter_cs, sysenter_esp, sysenter_eip;
    uint64_t pat;
    uint64_t tsc;
    uint64_t tsc_aux;
    uint64_t tsc_adjust;
    uint64_t apic_base;
    uint64_t misc_enable;
    uint64_t spec_ctrl;
    uint64_t mcg_status;
    uint64_t mtrr_deftype;
    uint64_t mtrr_fixed[MSR_MTRR_FIXED_COUNT];
    struct {
        uint64_t base, mask;
    } mtrr_var[MSR_MTRRcap_VCNT];
    /* KVM paravirtual MSRs (kvmclock, async page faults, steal time, PV EOI). */
    uint64_t system_time_msr, wall_clock_msr, async_pf_en_msr, steal_time_msr, pv_eoi_en_msr;

    X86FPUState fpu;
    X86EventState events;

    /* Identity, fixed at creation. */
    uint32_t cpuid_version; /* CPUID.1:EAX (family/model/stepping): EDX after reset */
    uint32_t apic_id;
    bool halted; /* HLT without an irqchip to wake us */
} CPUX86State;

/* Family 6, model 0x3a, stepping 9: used when no CPUID source says otherwise. */
#define X86_CPUID_VERSION_DEFAULT 0x000306a9u

/*
 * Puts env in the power-up/RESET state of SDM Vol. 3A, table 9-1: real mode,
 * CS:IP = F000:FFF0 with CS base FFFF0000, RFLAGS 2, CR0 60000010, EDX the
 * processor signature. Keeps cpuid_version and apic_id; bsp sets APIC_BASE.BSP.
 */
void x86_cpu_reset(CPUX86State *env, bool bsp);

/* Loads a flat segment cache (base 0, 4 GiB limit) with the given selector and flags. */
void x86_seg_set_flat(SegmentCache *seg, uint32_t selector, uint32_t flags);

/* Appends a register dump (general registers, RIP, RFLAGS, segments, CRs, EFER) to out. */
void x86_cpu_dump_state(const CPUX86State *env, GString *out);

/* The CPU mode for disassembly: 16, 32 or 64 bits, from CS and EFER.LMA. */
int x86_cpu_code_bits(const CPUX86State *env);

#endif
