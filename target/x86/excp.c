/*
 * excp.c: exceptions, interrupts and IRET.
 *
 * Follows the Intel SDM Vol. 3A, chapter 6: the IVT in real mode (20.1.4),
 * interrupt and trap gates in the IDT (6.10-6.12) with the stack switch from
 * the TSS on a privilege change, 64-bit IDT gates with IST stacks (6.14),
 * error codes (6.13), the double-fault rules of table 6-5 and shutdown on a
 * triple fault (6.15, #DF), and IRET in every mode (Vol. 2, IRET). Left out:
 * task gates and hardware task switching (logged, then #GP), and
 * virtual-8086 mode interrupts through VME.
 */
#include "qemu/osdep.h"
#include "qemu/log.h"
#include "helper.h"

#define IDT_ERR_FLAG 2 /* error code bit 1: the selector indexes the IDT */
#define EXT_FLAG     1 /* error code bit 0: an external event */
#define GATE_TASK    5
#define GATE_INT16   6
#define GATE_TRAP16  7
#define GATE_INT32   14
#define GATE_TRAP32  15
#define TSS64_RSP0   4
#define TSS64_IST1   0x24
#define TSS32_ESP0   4
#define TSS16_SP0    2

void x86_raise_exception_err(X86CPU *cpu, int vector, uint32_t error_code)
{
    cpu->exception_index = vector;
    cpu->error_code = error_code;
    cpu->has_error_code = true;
    cpu->exception_is_trap = false;
    cpu->exception_is_soft = false;
    longjmp(cpu->jmp_env, 1);
}

void x86_raise_exception(X86CPU *cpu, int vector)
{
    cpu->exception_index = vector;
    cpu->error_code = 0;
    cpu->has_error_code = false;
    cpu->exception_is_trap = false;
    cpu->exception_is_soft = false;
    longjmp(cpu->jmp_env, 1);
}

void x86_raise_interrupt(X86CPU *cpu, int vector, bool software)
{
    cpu->exception_index = vector;
    cpu->error_code = 0;
    cpu->has_error_code = false;
    cpu->exception_is_trap = true;
    cpu->exception_is_soft = software;
    longjmp(cpu->jmp_env, 1);
}

/* Table 6-4/6-5 classes. */
enum { EXC_BENIGN, EXC_CONTRIBUTORY, EXC_PAGE_FAULT };

static int exception_class(int vector)
{
    switch (vector) {
    case EXCP00_DIVZ:
    case EXCP0A_TSS:
    case EXCP0B_NOSEG:
    case EXCP0C_STACK:
    case EXCP0D_GPF:
        return EXC_CONTRIBUTORY;
    case EXCP0E_PAGE:
        return EXC_PAGE_FAULT;
    }
    return EXC_BENIGN;
}

typedef struct IntrFrame {
    int vector;
    bool soft; /* INT n / INT3 / INTO: gate DPL is checked */
    bool has_err;
    uint32_t err;
    bool ext;     /* an external event (error codes get EXT) */
    bool fault;   /* a fault: the pushed RFLAGS has RF set (SDM Vol. 3A, 18.3.1.1) */
    uint64_t rip; /* the return address */
} IntrFrame;

static QEMU_NORETURN void idt_fault(X86CPU *cpu, int vector, const IntrFrame *f)
{
    x86_raise_exception_err(cpu, vector, f->vector * 8 + IDT_ERR_FLAG + (f->ext ? EXT_FLAG : 0));
}

static void intr_real(X86CPU *cpu, const IntrFrame *f)
{
    CPUX86State *env = cpu->env;
    uint32_t ent;

    if ((uint32_t)f->vector * 4 + 3 > env->idt.limit) {
        x86_raise_exception_err(cpu, EXCP0D_GPF, 0);
    }
    ent = x86_ld_idx(cpu, env->idt.base + f->vector * 4, 4, MMU_KERNEL_IDX);
    x86_push(cpu, env->rflags, 2);
    x86_push(cpu, env->segs[R_CS].selector, 2);
    x86_push(cpu, f->rip, 2);
    env->rflags &= ~(uint64_t)(IF_MASK | TF_MASK | AC_MASK | RF_MASK);
    x86_load_seg_real(env, R_CS, ent >> 16);
    env->rip = ent & 0xffff;
}

/* Reads the gate for the vector; checks type, DPL (software), presence. */
static void read_gate(X86CPU *cpu, const IntrFrame *f, bool lm, uint64_t *off, uint32_t *sel,
                      uint32_t *type, int *ist)
{
    CPUX86State *env = cpu->env;
    int esize = lm ? 16 : 8;
    uint64_t a = env->idt.base + f->vector * esize;
    uint32_t lo, hi;

    if (f->vector * esize + esize - 1 > (int)env->idt.limit) {
        idt_fault(cpu, EXCP0D_GPF, f);
    }
    lo = x86_ld_idx(cpu, a, 4, MMU_KERNEL_IDX);
    hi = x86_ld_idx(cpu, a + 4, 4, MMU_KERNEL_IDX);
    *type = (hi >> DESC_TYPE_SHIFT) & 0xf;
    *sel = lo >> 16;
    *off = (lo & 0xffff) | (hi & 0xffff0000u);
    *ist = hi & 7;
    if (lm) {
        *off |= (uint64_t)x86_ld_idx(cpu, a + 8, 4, MMU_KERNEL_IDX) << 32;
        if (*type != GATE_INT32 && *type != GATE_TRAP32) {
            idt_fault(cpu, EXCP0D_GPF, f);
        }
    } else if (*type == GATE_TASK) {
        qemu_log_mask(LOG_UNIMP, "interrupt %d through a task gate: not implemented, #GP\n",
                      f->vector);
        idt_fault(cpu, EXCP0D_GPF, f);
    } else if (*type != GATE_INT16 && *type != GATE_TRAP16 && *type != GATE_INT32 &&
               *type != GATE_TRAP32) {
        idt_fault(cpu, EXCP0D_GPF, f);
    }
    if (f->soft && (int)((hi >> DESC_DPL_SHIFT) & 3) < x86_cpl(env)) {
        idt_fault(cpu, EXCP0D_GPF, f);
    }
    if (!(hi & DESC_P_MASK)) {
        idt_fault(cpu, EXCP0B_NOSEG, f);
    }
}

/* The handler's code segment: must be code with DPL <= CPL; returns its DPL (the new CPL). */
static int read_handler_cs(X86CPU *cpu, const IntrFrame *f, uint32_t sel, uint32_t *lo,
                           uint32_t *hi, bool lm)
{
    int cpl = x86_cpl(cpu->env), dpl;
    uint32_t ext = f->ext ? EXT_FLAG : 0;

    if ((sel & ~3u) == 0) {
        x86_raise_exception_err(cpu, EXCP0D_GPF, ext);
    }
    if (!x86_read_descriptor(cpu, sel, lo, hi) || !(*hi & DESC_S_MASK) || !(*hi & DESC_CS_MASK) ||
        (lm && (!(*hi & DESC_L_MASK) || (*hi & DESC_B_MASK)))) {
        x86_raise_exception_err(cpu, EXCP0D_GPF, (sel & 0xfffc) | ext);
    }
    dpl = (*hi >> DESC_DPL_SHIFT) & 3;
    if (dpl > cpl) {
        x86_raise_exception_err(cpu, EXCP0D_GPF, (sel & 0xfffc) | ext);
    }
    if (!(*hi & DESC_P_MASK)) {
        x86_raise_exception_err(cpu, EXCP0B_NOSEG, (sel & 0xfffc) | ext);
    }
    return (*hi & DESC_C_MASK) ? cpl : dpl;
}

static void intr_protected(X86CPU *cpu, const IntrFrame *f)
{
    CPUX86State *env = cpu->env;
    uint64_t off, old_flags = env->rflags | (f->fault ? RF_MASK : 0);
    uint32_t sel, type, lo, hi;
    uint32_t old_ss = env->segs[R_SS].selector, old_cs = env->segs[R_CS].selector;
    uint64_t old_sp = env->regs[R_ESP];
    int ist, new_cpl, cpl = x86_cpl(env), size;
    bool vm86 = x86_vm86(env);

    read_gate(cpu, f, false, &off, &sel, &type, &ist);
    new_cpl = read_handler_cs(cpu, f, sel, &lo, &hi, false);
    size = (type & 8) ? 4 : 2;
    if (vm86 && new_cpl != 0) {
        x86_raise_exception_err(cpu, EXCP0D_GPF, sel & 0xfffc);
    }
    if (new_cpl < cpl) {
        /* Inner stack from the TSS (32-bit: ESPn/SSn; 16-bit: SPn/SSn). */
        bool tss32 = ((env->tr.flags >> DESC_TYPE_SHIFT) & 8) != 0;
        int shift = tss32 ? 3 : 2;
        uint32_t sp_off = (tss32 ? TSS32_ESP0 : TSS16_SP0) + (new_cpl << shift);
        uint32_t new_ss, new_sp;

        if (sp_off + (tss32 ? 7 : 3) > env->tr.limit) {
            x86_raise_exception_err(cpu, EXCP0A_TSS, env->tr.selector & 0xfffc);
        }
        new_sp = x86_ld_idx(cpu, env->tr.base + sp_off, tss32 ? 4 : 2, MMU_KERNEL_IDX);
        new_ss = x86_ld_idx(cpu, env->tr.base + sp_off + (tss32 ? 4 : 2), 2, MMU_KERNEL_IDX);
        x86_load_ss_for_cpl(cpu, new_ss, new_cpl, EXCP0A_TSS);
        env->regs[R_ESP] = new_sp;
        x86_load_cs(cpu, sel, lo, hi, new_cpl);
        if (vm86) {
            x86_push(cpu, env->segs[R_GS].selector, size);
            x86_push(cpu, env->segs[R_FS].selector, size);
            x86_push(cpu, env->segs[R_DS].selector, size);
            x86_push(cpu, env->segs[R_ES].selector, size);
        }
        x86_push(cpu, old_ss, size);
        x86_push(cpu, old_sp, size);
    } else {
        x86_load_cs(cpu, sel, lo, hi, new_cpl);
    }
    x86_push(cpu, old_flags, size);
    x86_push(cpu, old_cs, size);
    x86_push(cpu, f->rip, size);
    if (f->has_err) {
        x86_push(cpu, f->err, size);
    }
    if (vm86) {
        for (int s = R_ES; s <= R_GS; s++) {
            if (s != R_CS && s != R_SS) {
                env->segs[s].selector = 0;
                env->segs[s].flags = 0;
            }
        }
    }
    env->rflags &= ~(uint64_t)(TF_MASK | NT_MASK | VM_MASK | RF_MASK);
    if (!(type & 1)) {
        env->rflags &= ~(uint64_t)IF_MASK; /* interrupt gate */
    }
    env->rip = size == 2 ? (off & 0xffff) : (uint32_t)off;
}

static void intr_long(X86CPU *cpu, const IntrFrame *f)
{
    CPUX86State *env = cpu->env;
    uint64_t off, old_flags = env->rflags | (f->fault ? RF_MASK : 0);
    uint64_t old_sp = env->regs[R_ESP], sp;
    uint32_t sel, type, lo, hi, old_ss = env->segs[R_SS].selector;
    uint32_t old_cs = env->segs[R_CS].selector;
    int ist, new_cpl, cpl = x86_cpl(env);

    read_gate(cpu, f, true, &off, &sel, &type, &ist);
    new_cpl = read_handler_cs(cpu, f, sel, &lo, &hi, true);
    if (ist || new_cpl < cpl) {
        uint32_t sp_off = ist ? TSS64_IST1 + (ist - 1) * 8 : TSS64_RSP0 + new_cpl * 8;

        if (sp_off + 7 > env->tr.limit) {
            x86_raise_exception_err(cpu, EXCP0A_TSS, env->tr.selector & 0xfffc);
        }
        sp = x86_ld_idx(cpu, env->tr.base + sp_off, 8, MMU_KERNEL_IDX);
    } else {
        sp = old_sp;
    }
    sp &= ~15ULL; /* the frame is 16-byte aligned (6.14.2) */
    if (new_cpl < cpl) {
        /* SS becomes a null selector with RPL = the new CPL. */
        env->segs[R_SS].selector = new_cpl;
        env->segs[R_SS].flags = (uint32_t)new_cpl << DESC_DPL_SHIFT;
        env->segs[R_SS].base = 0;
        env->segs[R_SS].limit = 0;
    }
    x86_load_cs(cpu, sel, lo, hi, new_cpl);
    env->regs[R_ESP] = sp;
    x86_push(cpu, old_ss, 8);
    x86_push(cpu, old_sp, 8);
    x86_push(cpu, old_flags, 8);
    x86_push(cpu, old_cs, 8);
    x86_push(cpu, f->rip, 8);
    if (f->has_err) {
        x86_push(cpu, f->err, 8);
    }
    env->rflags &= ~(uint64_t)(TF_MASK | NT_MASK | VM_MASK | RF_MASK);
    if (!(type & 1)) {
        env->rflags &= ~(uint64_t)IF_MASK;
    }
    if (sext(off, 6) != (int64_t)off) {
        x86_raise_exception_err(cpu, EXCP0D_GPF, f->ext ? EXT_FLAG : 0);
    }
    env->rip = off;
}

static void do_interrupt(X86CPU *cpu, const IntrFrame *f)
{
    CPUX86State *env = cpu->env;

    qemu_log_mask(CPU_LOG_INT,
                  "x86: %s %d (err %#x%s) at %04x:%016" PRIx64 " CPL %d, return %016" PRIx64 "\n",
                  f->soft  ? "int"
                  : f->ext ? "irq"
                           : "exception",
                  f->vector, f->err, f->has_err ? "" : ", none", env->segs[R_CS].selector,
                  cpu->insn_rip, x86_cpl(env), f->rip);
    cpu->delivering = f->vector + 1;
    if (!x86_protected(env)) {
        intr_real(cpu, f);
    } else if (x86_long_mode(env)) {
        intr_long(cpu, f);
    } else {
        intr_protected(cpu, f);
    }
    cpu->delivering = 0;
    env->halted = false;
}

void x86_deliver_exception(X86CPU *cpu)
{
    CPUX86State *env = cpu->env;
    IntrFrame f = {
        .vector = cpu->exception_index,
        .soft = cpu->exception_is_soft,
        .has_err = cpu->has_error_code && x86_protected(env),
        .err = cpu->error_code,
        .rip = cpu->exception_is_trap ? cpu->next_rip : env->rip,
        .fault = !cpu->exception_is_trap,
    };

    if (cpu->delivering) {
        /* A fault while delivering another event (table 6-5). */
        int first = cpu->delivering - 1;
        int c1 = exception_class(first), c2 = exception_class(f.vector);

        cpu->delivering = 0;
        if (first == EXCP08_DBLE && c2 != EXC_BENIGN) {
            qemu_log_mask(CPU_LOG_INT, "x86: triple fault\n");
            cpu->shutdown = true;
            return;
        }
        if ((c1 == EXC_CONTRIBUTORY && c2 == EXC_CONTRIBUTORY) ||
            (c1 == EXC_PAGE_FAULT && c2 != EXC_BENIGN)) {
            f.vector = EXCP08_DBLE;
            f.has_err = x86_protected(env);
            f.err = 0;
            f.soft = false;
        }
    }
    cpu->exception_index = -1;
    do_interrupt(cpu, &f);
}

void x86_deliver_interrupt(X86CPU *cpu, int vector, bool nmi)
{
    IntrFrame f = {.vector = vector, .ext = true, .rip = cpu->env->rip};

    if (nmi) {
        cpu->env->events.nmi_masked = true;
    }
    do_interrupt(cpu, &f);
}

/* --- IRET ---------------------------------------------------------------------------------- */

static void iret_real(X86CPU *cpu, int size)
{
    CPUX86State *env = cpu->env;
    uint64_t ip = x86_pop(cpu, size);
    uint32_t cs = x86_pop(cpu, size) & 0xffff;
    uint64_t flags = x86_pop(cpu, size);
    uint64_t mask = CC_C | CC_P | CC_A | CC_Z | CC_S | TF_MASK | IF_MASK | DF_MASK | CC_O |
                    NT_MASK | (x86_vm86(env) ? 0 : IOPL_MASK) | AC_MASK | ID_MASK | RF_MASK;

    if (x86_vm86(env) && ((env->rflags & IOPL_MASK) >> 12) != 3) {
        x86_raise_exception_err(cpu, EXCP0D_GPF, 0);
    }
    if (size == 2) {
        mask &= 0xffff;
    }
    x86_load_seg_real(env, R_CS, cs);
    env->rip = ip & size_mask(size);
    x86_write_eflags(cpu, flags, mask);
}

/* Returning to virtual-8086 mode from a 32-bit handler (IRET with VM set in the image). */
static void iret_to_vm86(X86CPU *cpu, uint64_t ip, uint32_t cs, uint64_t flags)
{
    CPUX86State *env = cpu->env;
    uint32_t sp = x86_pop(cpu, 4), ss = x86_pop(cpu, 4);
    uint32_t es = x86_pop(cpu, 4), ds = x86_pop(cpu, 4), fs = x86_pop(cpu, 4);
    uint32_t gs = x86_pop(cpu, 4);

    x86_write_eflags(cpu, flags, UINT64_MAX);
    x86_load_seg_real(env, R_CS, cs);
    x86_load_seg_real(env, R_SS, ss);
    x86_load_seg_real(env, R_ES, es);
    x86_load_seg_real(env, R_DS, ds);
    x86_load_seg_real(env, R_FS, fs);
    x86_load_seg_real(env, R_GS, gs);
    env->regs[R_ESP] = sp;
    env->rip = ip & 0xffff;
}

void x86_iret(X86CPU *cpu, int size)
{
    CPUX86State *env = cpu->env;
    int cpl = x86_cpl(env), rpl;
    uint64_t ip, flags, new_sp = 0, mask;
    uint32_t cs, ss = 0, lo, hi;
    bool outer;

    if (!x86_protected(env) || x86_vm86(env)) {
        iret_real(cpu, size);
        env->events.nmi_masked = false;
        return;
    }
    if (env->rflags & NT_MASK && !x86_long_mode(env)) {
        qemu_log_mask(LOG_UNIMP, "IRET with NT (task return): not implemented, #GP\n");
        x86_raise_exception_err(cpu, EXCP0D_GPF, 0);
    }
    ip = x86_pop(cpu, size);
    cs = x86_pop(cpu, size) & 0xffff;
    flags = x86_pop(cpu, size);
    if (size == 2) {
        flags = (env->rflags & ~0xffffULL) | (flags & 0xffff);
    }
    if ((flags & VM_MASK) && cpl == 0 && size == 4 && !x86_long_mode(env)) {
        iret_to_vm86(cpu, ip, cs, flags);
        env->events.nmi_masked = false;
        return;
    }
    rpl = cs & 3;
    if ((cs & ~3u) == 0 || rpl < cpl || !x86_read_descriptor(cpu, cs, &lo, &hi) ||
        !(hi & DESC_S_MASK) || !(hi & DESC_CS_MASK) ||
        ((hi & DESC_C_MASK) ? (int)((hi >> DESC_DPL_SHIFT) & 3) > rpl
                            : (int)((hi >> DESC_DPL_SHIFT) & 3) != rpl)) {
        x86_raise_exception_err(cpu, EXCP0D_GPF, cs & 0xfffc);
    }
    if (!(hi & DESC_P_MASK)) {
        x86_raise_exception_err(cpu, EXCP0B_NOSEG, cs & 0xfffc);
    }
    /* In 64-bit mode IRET always pops SS:RSP; elsewhere only on a return to an outer level. */
    outer = rpl > cpl || x86_code64(env);
    if (outer) {
        new_sp = x86_pop(cpu, size);
        ss = x86_pop(cpu, size) & 0xffff;
    }
    x86_load_cs(cpu, cs, lo, hi, rpl);
    if (outer) {
        x86_load_ss_for_cpl(cpu, ss, rpl, EXCP0D_GPF);
        x86_set_reg(env, R_ESP, x86_code64(env) ? 8 : x86_stack_size(env), false, new_sp);
    }
    mask = CC_C | CC_P | CC_A | CC_Z | CC_S | TF_MASK | DF_MASK | CC_O | NT_MASK | RF_MASK |
           AC_MASK | ID_MASK;
    if (cpl == 0) {
        mask |= IOPL_MASK | VIF_MASK | VIP_MASK;
    }
    if (cpl <= (int)((env->rflags & IOPL_MASK) >> 12)) {
        mask |= IF_MASK;
    }
    if (size == 2) {
        mask &= 0xffff;
    }
    x86_write_eflags(cpu, flags, mask);
    if (!x86_code64(env)) {
        ip &= size_mask(MIN(size, 4));
    }
    env->rip = ip;
    if (rpl > cpl) {
        x86_invalidate_data_segs(cpu);
    }
    env->events.nmi_masked = false;
}
