/*
 * x86-difftest.h: a tiny VM for the difftests (test-x86-difftest, test-x86-difftest-fp).
 *
 * 64 KiB of RAM shared by the interpreter (as the system memory's RAM) and a raw KVM vCPU (as
 * its only memory slot), a fixed layout (GDT, IDT with one handler a vector that writes the
 * vector to EXC_ADDR and halts, code, data page, stack, page tables), the machine states of
 * real mode, 32-bit protected mode, long mode and compatibility mode, and a KVM runner that
 * loads CPUX86State's registers, segments and control registers (and, for the FP difftest, an
 * FXSAVE image through KVM_SET_XSAVE or KVM_SET_FPU) and runs until HLT. KVM is used through
 * its raw API here (no accelerator).
 */
#ifndef TESTS_UNIT_X86_DIFFTEST_H
#define TESTS_UNIT_X86_DIFFTEST_H

#include "qemu/osdep.h"
#include "exec/memory.h"
#include "target/x86/tcg-cpu.h"
#include "sysemu/kvm.h"
#include <fcntl.h>
#include <linux/kvm.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <signal.h>

#define RAM_SIZE     0x10000 /* all restored per case; beyond it KVM exits (case skipped) */
#define GDT_ADDR     0x0800
#define IDT_ADDR     0x1000
#define HANDLERS     0x2000 /* 32 handlers of 16 bytes */
#define CODE_ADDR    0x3000
#define EXC_ADDR     0x4000 /* the handler writes the vector here */
#define DATA_ADDR    0x5000 /* compared page */
#define STACK_LO     0x6f00 /* compared stack bytes: STACK_LO..STACK_TOP */
#define STACK_TOP    0x7000
#define PML4_ADDR    0x8000
#define PDPT_ADDR    0x9000
#define PD_ADDR      0xa000
#define NO_EXCEPTION 0xff
#define MODE_COMPAT  33 /* 32-bit code in long mode: legacy encodings, 64-bit IDT and paging */

/* The legacy region of the XSAVE area is an FXSAVE image (SDM Vol. 1, 13.4.1). */
#define DT_FX_SIZE    512
#define DT_XSAVE_BV   512 /* XSTATE_BV in the XSAVE header */
#define DT_XSTATE_X87 1
#define DT_XSTATE_SSE 2

static MemoryRegion ram;
static uint8_t *ram_ptr;
static uint8_t *pristine;

/* --- KVM ------------------------------------------------------------------------------------ */

static int kvm_fd = -1, vm_fd = -1, vcpu_fd = -1;
static struct kvm_run *kvm_run;
static bool kvm_has_xsave;

static const struct itimerval run_timeout = {.it_value = {.tv_usec = 200000}};
static const struct itimerval no_timeout;

static void alarm_handler(int sig)
{
}

/* RAM at 0 for the interpreter (the system memory) and a pristine copy cases are built in. */
static inline void dt_ram_init(void)
{
    memory_init(UINT64_MAX);
    memory_region_init_ram(&ram, "ram", RAM_SIZE);
    memory_region_add_subregion(get_system_memory(), 0, &ram);
    ram_ptr = memory_region_get_ram_ptr(&ram);
    pristine = g_malloc0(RAM_SIZE);
}

static inline bool kvm_setup(char **why)
{
    struct sigaction sa = {.sa_handler = alarm_handler}; /* no SA_RESTART: KVM_RUN gets EINTR */
    struct kvm_userspace_memory_region slot = {
        .slot = 0,
        .guest_phys_addr = 0,
        .memory_size = RAM_SIZE,
        .userspace_addr = (uintptr_t)ram_ptr,
    };
    int sz;

    sigemptyset(&sa.sa_mask);
    sigaction(SIGALRM, &sa, NULL);
    kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (kvm_fd < 0) {
        *why = g_strdup_printf("/dev/kvm does not open: %s", g_strerror(errno));
        return false;
    }
    vm_fd = ioctl(kvm_fd, KVM_CREATE_VM, 0);
    if (vm_fd < 0 || ioctl(vm_fd, KVM_SET_USER_MEMORY_REGION, &slot) < 0) {
        *why = g_strdup_printf("KVM VM setup: %s", g_strerror(errno));
        return false;
    }
    ioctl(vm_fd, KVM_SET_TSS_ADDR, 0xfffbd000ul);
    vcpu_fd = ioctl(vm_fd, KVM_CREATE_VCPU, 0);
    sz = ioctl(kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
    if (vcpu_fd < 0 || sz <= 0) {
        *why = g_strdup_printf("KVM vCPU setup: %s", g_strerror(errno));
        return false;
    }
    kvm_run = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu_fd, 0);
    if (kvm_run == MAP_FAILED) {
        *why = g_strdup("mmap of kvm_run failed");
        return false;
    }
    kvm_has_xsave = ioctl(kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_XSAVE) > 0;
    return true;
}

/*
 * Gives the vCPU the CPUID KVM supports here (the host's x87/SSE features): without it the vCPU
 * has no FPU or SSE as far as KVM is concerned.
 */
static inline bool kvm_set_host_cpuid(char **why)
{
    enum { NENT = 128 };
    struct kvm_cpuid2 *c = g_malloc0(sizeof(*c) + NENT * sizeof(struct kvm_cpuid_entry2));
    bool ok;

    c->nent = NENT;
    ok = ioctl(kvm_fd, KVM_GET_SUPPORTED_CPUID, c) == 0 && ioctl(vcpu_fd, KVM_SET_CPUID2, c) == 0;
    if (!ok) {
        *why = g_strdup_printf("KVM_SET_CPUID2: %s", g_strerror(errno));
    }
    g_free(c);
    return ok;
}

/* Loads an FXSAVE image (64-bit layout) into the vCPU: x87 and SSE state, MXCSR. */
static inline bool kvm_put_fx(const uint8_t *fx)
{
    if (kvm_has_xsave) {
        struct kvm_xsave xs;
        uint64_t bv = DT_XSTATE_X87 | DT_XSTATE_SSE;

        memset(&xs, 0, sizeof(xs));
        memcpy(xs.region, fx, DT_FX_SIZE);
        memcpy((uint8_t *)xs.region + DT_XSAVE_BV, &bv, 8);
        return ioctl(vcpu_fd, KVM_SET_XSAVE, &xs) == 0;
    } else {
        struct kvm_fpu f;

        memset(&f, 0, sizeof(f));
        memcpy(&f.fcw, fx + 0, 2);
        memcpy(&f.fsw, fx + 2, 2);
        f.ftwx = fx[4];
        memcpy(&f.last_opcode, fx + 6, 2);
        memcpy(&f.last_ip, fx + 8, 8);
        memcpy(&f.last_dp, fx + 16, 8);
        memcpy(&f.mxcsr, fx + 24, 4);
        memcpy(f.fpr, fx + 32, sizeof(f.fpr));
        memcpy(f.xmm, fx + 160, sizeof(f.xmm));
        return ioctl(vcpu_fd, KVM_SET_FPU, &f) == 0;
    }
}

/* Reads the vCPU's FXSAVE image (64-bit layout: FIP and FDP as 64-bit offsets, no FCS/FDS). */
static inline bool kvm_get_fx(uint8_t *fx)
{
    memset(fx, 0, DT_FX_SIZE);
    if (kvm_has_xsave) {
        struct kvm_xsave xs;

        if (ioctl(vcpu_fd, KVM_GET_XSAVE, &xs) < 0) {
            return false;
        }
        memcpy(fx, xs.region, DT_FX_SIZE);
        return true;
    } else {
        struct kvm_fpu f;

        if (ioctl(vcpu_fd, KVM_GET_FPU, &f) < 0) {
            return false;
        }
        memcpy(fx + 0, &f.fcw, 2);
        memcpy(fx + 2, &f.fsw, 2);
        fx[4] = f.ftwx;
        memcpy(fx + 6, &f.last_opcode, 2);
        memcpy(fx + 8, &f.last_ip, 8);
        memcpy(fx + 16, &f.last_dp, 8);
        memcpy(fx + 24, &f.mxcsr, 4);
        memcpy(fx + 32, f.fpr, sizeof(f.fpr));
        memcpy(fx + 160, f.xmm, sizeof(f.xmm));
        return true;
    }
}

/*
 * Runs env's state under KVM until HLT; returns the KVM exit reason; registers and CR2 back into
 * *out.
 */
static inline int kvm_exec(const CPUX86State *in, CPUX86State *out)
{
    struct kvm_segment *segs[CPU_NB_SEGS];
    struct kvm_sregs sr;
    struct kvm_regs r = {0};
    int ret;

    ioctl(vcpu_fd, KVM_GET_SREGS, &sr);
    segs[R_ES] = &sr.es, segs[R_CS] = &sr.cs, segs[R_SS] = &sr.ss;
    segs[R_DS] = &sr.ds, segs[R_FS] = &sr.fs, segs[R_GS] = &sr.gs;
    for (int i = 0; i < CPU_NB_SEGS; i++) {
        kvm_seg_to_kvm(segs[i], &in->segs[i]);
    }
    kvm_seg_to_kvm(&sr.tr, &in->tr);
    kvm_seg_to_kvm(&sr.ldt, &in->ldt);
    sr.gdt.base = in->gdt.base;
    sr.gdt.limit = in->gdt.limit;
    sr.idt.base = in->idt.base;
    sr.idt.limit = in->idt.limit;
    sr.cr0 = in->cr[0];
    sr.cr2 = in->cr[2];
    sr.cr3 = in->cr[3];
    sr.cr4 = in->cr[4];
    sr.efer = in->efer;
    memset(sr.interrupt_bitmap, 0, sizeof(sr.interrupt_bitmap));
    ioctl(vcpu_fd, KVM_SET_SREGS, &sr);
    r.rax = in->regs[R_EAX], r.rbx = in->regs[R_EBX], r.rcx = in->regs[R_ECX];
    r.rdx = in->regs[R_EDX], r.rsi = in->regs[R_ESI], r.rdi = in->regs[R_EDI];
    r.rsp = in->regs[R_ESP], r.rbp = in->regs[R_EBP];
    r.r8 = in->regs[8], r.r9 = in->regs[9], r.r10 = in->regs[10], r.r11 = in->regs[11];
    r.r12 = in->regs[12], r.r13 = in->regs[13], r.r14 = in->regs[14], r.r15 = in->regs[15];
    r.rip = in->rip;
    r.rflags = in->rflags;
    ioctl(vcpu_fd, KVM_SET_REGS, &r);
    /* A run that does not reach HLT in time (a loop in garbage) is cut by SIGALRM. */
    setitimer(ITIMER_REAL, &run_timeout, NULL);
    ret = ioctl(vcpu_fd, KVM_RUN, 0);
    setitimer(ITIMER_REAL, &no_timeout, NULL);
    ioctl(vcpu_fd, KVM_GET_REGS, &r);
    ioctl(vcpu_fd, KVM_GET_SREGS, &sr);
    *out = *in;
    out->regs[R_EAX] = r.rax, out->regs[R_EBX] = r.rbx, out->regs[R_ECX] = r.rcx;
    out->regs[R_EDX] = r.rdx, out->regs[R_ESI] = r.rsi, out->regs[R_EDI] = r.rdi;
    out->regs[R_ESP] = r.rsp, out->regs[R_EBP] = r.rbp;
    out->regs[8] = r.r8, out->regs[9] = r.r9, out->regs[10] = r.r10, out->regs[11] = r.r11;
    out->regs[12] = r.r12, out->regs[13] = r.r13, out->regs[14] = r.r14, out->regs[15] = r.r15;
    out->rip = r.rip;
    out->rflags = r.rflags;
    out->cr[2] = sr.cr2;
    return ret < 0 ? -1 : (int)kvm_run->exit_reason;
}

/* --- machine states ------------------------------------------------------------------------ */

#define TSS_ADDR    0xc000
#define USER_STACK  (STACK_TOP - 0x40)
#define SEL_UCODE32 0x23
#define SEL_UDATA   0x2b
#define SEL_UCODE64 0x33

static inline void put(uint64_t a, const void *p, size_t n)
{
    memcpy(pristine + a, p, n);
}

static inline void put64(uint64_t a, uint64_t v)
{
    put(a, &v, 8);
}

/* IDT handlers: mov byte [EXC_ADDR], vector; hlt (the same bytes in every mode). */
static inline void build_handlers(int mode)
{
    for (int v = 0; v < 32; v++) {
        uint8_t h[16] = {0xc6, 0x05, 0, 0, 0, 0, v, 0xf4};
        uint64_t a = HANDLERS + v * 16;

        if (mode == 64) {
            uint32_t rel = EXC_ADDR - (a + 7); /* RIP-relative */

            memcpy(h + 2, &rel, 4);
        } else if (mode == 32) {
            uint32_t abs = EXC_ADDR;

            memcpy(h + 2, &abs, 4);
        } else {
            /* 16-bit: mov byte [EXC_ADDR], v = c6 06 disp16 imm8 */
            uint8_t h16[16] = {0xc6, 0x06, EXC_ADDR & 0xff, EXC_ADDR >> 8, v, 0xf4};

            memcpy(h, h16, sizeof(h16));
        }
        put(a, h, sizeof(h));
        if (mode == 64) {
            uint32_t g[4] = {(a & 0xffff) | (0x08 << 16), (a & 0xffff0000u) | 0x8e00, 0, 0};

            put(IDT_ADDR + v * 16, g, 16);
        } else if (mode == 32) {
            uint32_t g[2] = {(a & 0xffff) | (0x08 << 16), (a & 0xffff0000u) | 0x8e00};

            put(IDT_ADDR + v * 8, g, 8);
        } else {
            uint16_t ivt[2] = {a, 0};

            put(v * 4, ivt, 4);
        }
    }
}

static inline void setup_mode(CPUX86State *e, int mode)
{
    bool lm = mode == 64 || mode == MODE_COMPAT;
    /* null, code (64-bit or 32-bit), data, 32-bit code (compatibility mode) */
    static const uint64_t gdt64[] = {0, 0x00af9b000000ffffULL, 0x00cf93000000ffffULL,
                                     0x00cf9b000000ffffULL};
    static const uint64_t gdt32[] = {0, 0x00cf9b000000ffffULL, 0x00cf93000000ffffULL,
                                     0x00cf9b000000ffffULL};
    uint32_t data = DESC_P_MASK | DESC_S_MASK | DESC_W_MASK | DESC_A_MASK;
    uint32_t code = DESC_P_MASK | DESC_S_MASK | DESC_CS_MASK | DESC_R_MASK | DESC_A_MASK;

    memset(pristine, 0, RAM_SIZE);
    build_handlers(lm ? 64 : mode);
    x86_cpu_reset(e, true);
    e->tr.flags = DESC_P_MASK | (DESC_TYPE_TSS64_BUSY << DESC_TYPE_SHIFT);
    e->tr.limit = 0x67;
    e->tr.base = 0xf000;
    e->ldt.flags = 0;
    if (mode == 16) {
        for (int s = 0; s < CPU_NB_SEGS; s++) {
            e->segs[s].selector = 0;
            e->segs[s].base = 0;
            e->segs[s].limit = 0xffff;
            e->segs[s].flags = s == R_CS ? code : data;
        }
        e->idt.base = 0;
        e->idt.limit = 0x3ff;
        e->cr[0] = CR0_ET_MASK | CR0_NE_MASK;
        return;
    }
    put(GDT_ADDR, lm ? gdt64 : gdt32, sizeof(gdt64));
    e->gdt.base = GDT_ADDR;
    e->gdt.limit = sizeof(gdt64) - 1;
    e->idt.base = IDT_ADDR;
    e->idt.limit = lm ? 32 * 16 - 1 : 32 * 8 - 1;
    e->cr[0] = CR0_PE_MASK | CR0_ET_MASK | CR0_NE_MASK;
    x86_seg_set_flat(&e->segs[R_CS], mode == MODE_COMPAT ? 0x18 : 0x08,
                     code | (mode == 64 ? DESC_L_MASK : DESC_B_MASK));
    for (int s = 0; s < CPU_NB_SEGS; s++) {
        if (s != R_CS) {
            x86_seg_set_flat(&e->segs[s], 0x10, data | DESC_B_MASK);
        }
    }
    if (lm) {
        put64(PML4_ADDR, PDPT_ADDR | 7);
        put64(PDPT_ADDR, PD_ADDR | 7);
        put64(PD_ADDR, 0 | 0x87); /* one 2 MiB page */
        e->cr[0] |= CR0_PG_MASK;
        e->cr[3] = PML4_ADDR;
        e->cr[4] = CR4_PAE_MASK;
        e->efer = MSR_EFER_LME | MSR_EFER_LMA;
    }
}

/*
 * CPL 3 on top of setup_mode(64 or MODE_COMPAT): PVM (KVM on our hosts) runs guest user code
 * natively but supervisor code in KVM's instruction emulator, which lacks much of the SDM (x87,
 * SSE, POPCNT...). User code and data segments (32-bit code for compatibility mode), a TSS
 * whose RSP0 is the compared stack, IDT gates of DPL 3; the handlers themselves (CPL 0, MOV and
 * HLT) are emulated. Cases end with UD2 (#UD, vector 6) instead of HLT.
 */
static inline void setup_user(CPUX86State *e, int mode)
{
    static const uint64_t gdt[] = {
        0,
        0x00af9b000000ffffULL, /* 08: kernel code64 */
        0x00cf93000000ffffULL, /* 10: kernel data */
        0x00cf9b000000ffffULL, /* 18: kernel code32 */
        0x00cffb000000ffffULL, /* 23: user code32 */
        0x00cff3000000ffffULL, /* 2b: user data */
        0x00affb000000ffffULL, /* 33: user code64 */
    };
    uint32_t dpl3 = 3u << DESC_DPL_SHIFT;
    uint32_t data = DESC_P_MASK | DESC_S_MASK | DESC_W_MASK | DESC_A_MASK | DESC_B_MASK | dpl3;
    uint32_t code = DESC_P_MASK | DESC_S_MASK | DESC_CS_MASK | DESC_R_MASK | DESC_A_MASK | dpl3;

    put(GDT_ADDR, gdt, sizeof(gdt));
    e->gdt.limit = sizeof(gdt) - 1;
    for (int v = 0; v < 32; v++) {
        pristine[IDT_ADDR + v * 16 + 5] |= 0x60; /* gate DPL 3 */
    }
    put64(TSS_ADDR + 4, STACK_TOP); /* RSP0 */
    e->tr.base = TSS_ADDR;
    if (mode == 64) {
        x86_seg_set_flat(&e->segs[R_CS], SEL_UCODE64, code | DESC_L_MASK);
    } else {
        x86_seg_set_flat(&e->segs[R_CS], SEL_UCODE32, code | DESC_B_MASK);
    }
    for (int s = 0; s < CPU_NB_SEGS; s++) {
        if (s != R_CS) {
            x86_seg_set_flat(&e->segs[s], SEL_UDATA, data);
        }
    }
}

#endif
