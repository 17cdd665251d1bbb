/*
 * helper.h: what the interpreter's files under target/x86/ share (private).
 *
 * Memory access through the software TLB with segmentation (SDM Vol. 3A,
 * chapters 3 and 5), exceptions (chapter 6), flags (Vol. 1, 3.4.3), and one
 * handler per group of instructions (Vol. 2). Every handler returns normally
 * or leaves through x86_raise_exception*(), which longjmps to the loop in
 * exec.c; a handler therefore writes guest-visible state only after the last
 * access that can fault.
 */
#ifndef TARGET_X86_HELPER_H
#define TARGET_X86_HELPER_H

#include "qemu/osdep.h"
#include "target/x86/tcg-cpu.h"

/* --- modes and privilege --------------------------------------------------- */
static inline int x86_cpl(const CPUX86State *env)
{
    return (env->segs[R_CS].flags & DESC_DPL_MASK) >> DESC_DPL_SHIFT;
}

static inline bool x86_long_mode(const CPUX86State *env)
{
    return env->efer & MSR_EFER_LMA;
}

static inline bool x86_code64(const CPUX86State *env)
{
    return x86_long_mode(env) && (env->segs[R_CS].flags & DESC_L_MASK);
}

static inline bool x86_protected(const CPUX86State *env)
{
    return env->cr[0] & CR0_PE_MASK;
}

static inline bool x86_vm86(const CPUX86State *env)
{
    return env->rflags & VM_MASK;
}

static inline int x86_mmu_index(const CPUX86State *env)
{
    return x86_cpl(env) == 3 ? MMU_USER_IDX : MMU_KERNEL_IDX;
}

/* Stack address size in bytes: 8 in 64-bit mode, else SS.B. */
static inline int x86_stack_size(const CPUX86State *env)
{
    if (x86_code64(env)) {
        return 8;
    }
    return (env->segs[R_SS].flags & DESC_B_MASK) ? 4 : 2;
}

static inline uint64_t size_mask(int size)
{
    return size >= 8 ? UINT64_MAX : (1ULL << (8 * size)) - 1;
}

static inline uint64_t size_sign(int size)
{
    return 1ULL << (8 * size - 1);
}

static inline int64_t sext(uint64_t v, int size)
{
    int shift = 64 - 8 * size;

    return size >= 8 ? (int64_t)v : (int64_t)(v << shift) >> shift;
}

/* --- registers ----------------------------------------------------------- */
/* Reads a general register at size bytes (AH..BH when high8). */
static inline uint64_t x86_get_reg(const CPUX86State *env, int reg, int size, bool high8)
{
    if (high8) {
        return (env->regs[reg] >> 8) & 0xff;
    }
    return env->regs[reg] & size_mask(size);
}

/* Writes a general register: 32-bit writes zero-extend, 8/16-bit ones merge. */
static inline void x86_set_reg(CPUX86State *env, int reg, int size, bool high8, uint64_t val)
{
    uint64_t *r = &env->regs[reg];

    if (high8) {
        *r = (*r & ~0xff00ULL) | ((val & 0xff) << 8);
    } else if (size == 1) {
        *r = (*r & ~0xffULL) | (val & 0xff);
    } else if (size == 2) {
        *r = (*r & ~0xffffULL) | (val & 0xffff);
    } else if (size == 4) {
        *r = (uint32_t)val;
    } else {
        *r = val;
    }
}

/* --- exceptions (excp.c) ---------------------------------------------------- */
QEMU_NORETURN void x86_raise_exception(X86CPU *cpu, int vector);
QEMU_NORETURN void x86_raise_exception_err(X86CPU *cpu, int vector, uint32_t error_code);
/* INT n, INT3, INTO, INT1: a trap whose return address is the next instruction. */
QEMU_NORETURN void x86_raise_interrupt(X86CPU *cpu, int vector, bool software);
/* Delivers cpu->exception_index through the IVT/IDT (may raise again). */
void x86_deliver_exception(X86CPU *cpu);
/* Delivers an external interrupt (vector) at the current RIP. */
void x86_deliver_interrupt(X86CPU *cpu, int vector, bool nmi);
/* IRET in every mode. */
void x86_iret(X86CPU *cpu, int opsize);

/* --- memory (mem.c) ------------------------------------------------------- */
uint64_t x86_ld_slow(X86CPU *cpu, vaddr la, int size, int mmu_idx, MMUAccessType type);
void x86_st_slow(X86CPU *cpu, vaddr la, uint64_t val, int size, int mmu_idx);
/* Fills the TLB for la or raises #PF (mmu.c). */
void x86_tlb_fill(X86CPU *cpu, vaddr la, MMUAccessType type, int mmu_idx);

static inline uint64_t ldn_le(const void *p, int size)
{
    switch (size) {
    case 1:
        return *(const uint8_t *)p;
    case 2: {
        uint16_t v;
        memcpy(&v, p, 2);
        return v;
    }
    case 4: {
        uint32_t v;
        memcpy(&v, p, 4);
        return v;
    }
    default: {
        uint64_t v;
        memcpy(&v, p, 8);
        return v;
    }
    }
}

static inline void stn_le(void *p, int size, uint64_t val)
{
    switch (size) {
    case 1:
        *(uint8_t *)p = val;
        break;
    case 2: {
        uint16_t v = val;
        memcpy(p, &v, 2);
        break;
    }
    case 4: {
        uint32_t v = val;
        memcpy(p, &v, 4);
        break;
    }
    default:
        memcpy(p, &val, 8);
        break;
    }
}

static inline bool tlb_fast_ok(vaddr la, int size)
{
    return (la & ~TARGET_PAGE_MASK) <= TARGET_PAGE_SIZE - size;
}

/* A load from a linear address in mode mmu_idx: one compare and one add on a hit. */
static inline uint64_t x86_ld_idx(X86CPU *cpu, vaddr la, int size, int mmu_idx)
{
    CPUTLBDesc *desc = &cpu->tlb.d[mmu_idx];
    CPUTLBEntry *e = &desc->table[tlb_index(desc, la)];

    if (likely(e->addr_read == (la & TARGET_PAGE_MASK) && tlb_fast_ok(la, size))) {
        desc->stats.hits++;
        return ldn_le((const void *)(uintptr_t)(la + e->addend), size);
    }
    return x86_ld_slow(cpu, la, size, mmu_idx, MMU_DATA_LOAD);
}

static inline void x86_st_idx(X86CPU *cpu, vaddr la, uint64_t val, int size, int mmu_idx)
{
    CPUTLBDesc *desc = &cpu->tlb.d[mmu_idx];
    CPUTLBEntry *e = &desc->table[tlb_index(desc, la)];

    if (likely(e->addr_write == (la & TARGET_PAGE_MASK) && tlb_fast_ok(la, size))) {
        desc->stats.hits++;
        stn_le((void *)(uintptr_t)(la + e->addend), size, val);
        return;
    }
    x86_st_slow(cpu, la, val, size, mmu_idx);
}

static inline uint64_t x86_ld(X86CPU *cpu, vaddr la, int size)
{
    return x86_ld_idx(cpu, la, size, x86_mmu_index(cpu->env));
}

static inline void x86_st(X86CPU *cpu, vaddr la, uint64_t val, int size)
{
    x86_st_idx(cpu, la, val, size, x86_mmu_index(cpu->env));
}

/* Makes sure [la, la+size) is writable (faulting now if not), before a multi-part write. */
void x86_probe_write(X86CPU *cpu, vaddr la, int size, int mmu_idx);
/* Segment checks and base: the linear address of seg:off for an access (#GP/#SS on violation). */
vaddr x86_seg_linear(X86CPU *cpu, int seg, uint64_t off, int size, MMUAccessType type);
/* The complete accesses below: segment checks, then the TLB (mem.c). */
uint64_t x86_ld_seg_full(X86CPU *cpu, int seg, uint64_t off, int size);
uint64_t x86_ld_seg_rmw_full(X86CPU *cpu, int seg, uint64_t off, int size);
void x86_st_seg_full(X86CPU *cpu, int seg, uint64_t off, uint64_t val, int size);

/*
 * The TLB entry of a 64-bit-mode access to seg:off when it hits for the tag
 * at tag_ofs (addr_read/addr_write) and stays inside the page, else NULL. No
 * segment check is needed then: only FS/GS have a base and no limit applies,
 * and a tag only ever holds a canonical page, so a hit inside one page is a
 * canonical access.
 */
static inline CPUTLBEntry *x86_tlb_hit64(X86CPU *cpu, int seg, uint64_t off, int size,
                                         size_t tag_ofs, vaddr *la_out)
{
    CPUX86State *env = cpu->env;
    vaddr la = off + (seg >= R_FS ? env->segs[seg].base : 0);
    CPUTLBDesc *desc = &cpu->tlb.d[x86_mmu_index(env)];
    CPUTLBEntry *e = &desc->table[tlb_index(desc, la)];
    uint64_t tag;

    memcpy(&tag, (const char *)e + tag_ofs, sizeof(tag));
    if (likely(tag == (la & TARGET_PAGE_MASK) && tlb_fast_ok(la, size))) {
        desc->stats.hits++;
        *la_out = la;
        return e;
    }
    return NULL;
}

static inline uint64_t x86_ld_seg(X86CPU *cpu, int seg, uint64_t off, int size)
{
    if (likely(x86_code64(cpu->env))) {
        vaddr la;
        CPUTLBEntry *e = x86_tlb_hit64(cpu, seg, off, size, offsetof(CPUTLBEntry, addr_read), &la);

        if (likely(e)) {
            return ldn_le((const void *)(uintptr_t)(la + e->addend), size);
        }
    }
    return x86_ld_seg_full(cpu, seg, off, size);
}

/* The read of a read-modify-write destination: faults as a write would. */
static inline uint64_t x86_ld_seg_rmw(X86CPU *cpu, int seg, uint64_t off, int size)
{
    if (likely(x86_code64(cpu->env))) {
        vaddr la;
        CPUTLBEntry *e = x86_tlb_hit64(cpu, seg, off, size, offsetof(CPUTLBEntry, addr_write), &la);

        if (likely(e)) {
            return ldn_le((const void *)(uintptr_t)(la + e->addend), size);
        }
    }
    return x86_ld_seg_rmw_full(cpu, seg, off, size);
}

static inline void x86_st_seg(X86CPU *cpu, int seg, uint64_t off, uint64_t val, int size)
{
    if (likely(x86_code64(cpu->env))) {
        vaddr la;
        CPUTLBEntry *e = x86_tlb_hit64(cpu, seg, off, size, offsetof(CPUTLBEntry, addr_write), &la);

        if (likely(e)) {
            stn_le((void *)(uintptr_t)(la + e->addend), size, val);
            return;
        }
    }
    x86_st_seg_full(cpu, seg, off, val, size);
}
/*
 * Reads instruction bytes at CS:RIP (up to want, at most to the end of the page and the CS
 * limit); returns how many it read. buf must hold 16 bytes (the fast path copies 16).
 */
size_t x86_fetch_code(X86CPU *cpu, uint64_t rip, uint8_t *buf, size_t want);

/* Stack: push/pop at the current stack size (SS:rSP). */
void x86_push(X86CPU *cpu, uint64_t val, int size);
uint64_t x86_pop(X86CPU *cpu, int size);
/* Reads the value that a pop would return at rSP + offset, without moving rSP. */
uint64_t x86_stack_peek(X86CPU *cpu, uint64_t offset, int size);

/* --- flags (here, inline: every ALU instruction computes them; flags.c) ----- */
#define ARITH_FLAGS (CC_O | CC_S | CC_Z | CC_A | CC_P | CC_C)

/* Replaces the bits in mask with those of val. */
static inline void flags_set(CPUX86State *env, uint64_t mask, uint64_t val)
{
    env->rflags = (env->rflags & ~mask) | (val & mask);
}

/* SF, ZF and PF of a result (PF: even parity of its low byte). */
static inline uint64_t flags_szp_of(int size, uint64_t res)
{
    uint64_t f = 0;

    res &= size_mask(size);
    if (res == 0) {
        f |= CC_Z;
    }
    if (res & size_sign(size)) {
        f |= CC_S;
    }
    if (!__builtin_parity(res & 0xff)) {
        f |= CC_P;
    }
    return f;
}

/* Sets SF, ZF, PF from res and leaves the others. */
static inline void flags_szp(CPUX86State *env, int size, uint64_t res)
{
    flags_set(env, CC_S | CC_Z | CC_P, flags_szp_of(size, res));
}

static inline void flags_add(CPUX86State *env, int size, uint64_t a, uint64_t b, uint64_t cin,
                             uint64_t res)
{
    uint64_t m = size_mask(size), f;

    a &= m;
    b &= m;
    res &= m;
    f = flags_szp_of(size, res);
    if (cin ? res <= a : res < a) {
        f |= CC_C;
    }
    if ((a ^ res) & (b ^ res) & size_sign(size)) {
        f |= CC_O;
    }
    f |= (a ^ b ^ res) & CC_A;
    flags_set(env, ARITH_FLAGS, f);
}

static inline void flags_sub(CPUX86State *env, int size, uint64_t a, uint64_t b, uint64_t bin,
                             uint64_t res)
{
    uint64_t m = size_mask(size), f;

    a &= m;
    b &= m;
    res &= m;
    f = flags_szp_of(size, res);
    if (bin ? a <= b : a < b) {
        f |= CC_C;
    }
    if ((a ^ b) & (a ^ res) & size_sign(size)) {
        f |= CC_O;
    }
    f |= (a ^ b ^ res) & CC_A;
    flags_set(env, ARITH_FLAGS, f);
}

/* Logic ops: SF, ZF, PF from res; OF, CF and AF cleared (AF as Intel processors do). */
static inline void flags_logic(CPUX86State *env, int size, uint64_t res)
{
    flags_set(env, ARITH_FLAGS, flags_szp_of(size, res));
}

/* X86CPU.cc_op: which operation the lazy flags come from. */
enum { X86_CC_NONE, X86_CC_ADD, X86_CC_SUB, X86_CC_LOGIC };

/* Records the flags of an ADD/SUB (a, b, res) or logic op (res) without computing them. */
static inline void flags_lazy(X86CPU *cpu, int cc_op, int size, uint64_t a, uint64_t b,
                              uint64_t res)
{
    cpu->cc_op = cc_op;
    cpu->cc_size = size;
    cpu->cc_a = a;
    cpu->cc_b = b;
    cpu->cc_res = res;
}

void x86_flags_compute(X86CPU *cpu);

/* Makes env->rflags exact: before anything reads or eagerly writes the arithmetic flags. */
static inline void x86_flags_sync(X86CPU *cpu)
{
    if (cpu->cc_op != X86_CC_NONE) {
        x86_flags_compute(cpu);
    }
}
/* Jcc/SETcc/CMOVcc condition cc (0..15, SDM Vol. 1, B.1). */
bool x86_cond(const CPUX86State *env, int cc);
/* Writes RFLAGS as POPF/IRET do: only the bits mask allows, bit 1 set. */
void x86_write_eflags(X86CPU *cpu, uint64_t val, uint64_t mask);

/* --- operands (exec.c) ------------------------------------------------------ */
/* Offset (effective address) of the instruction's memory operand. */
static inline uint64_t x86_mem_offset(X86CPU *cpu, const DecodedInsn *d)
{
    const CPUX86State *env = cpu->env;
    const X86MemAddr *m = &d->mem;
    uint64_t ea = m->disp;

    if (m->base >= 0) {
        ea += env->regs[m->base];
    }
    if (m->index >= 0) {
        ea += env->regs[m->index] * m->scale;
    }
    if (m->rip_rel) {
        ea += cpu->next_rip;
    }
    return ea & size_mask(d->addrsize);
}

/* Operands other than registers and memory (exec.c). */
uint64_t x86_read_opnd_other(X86CPU *cpu, const DecodedInsn *d, int i);
void x86_write_opnd_other(X86CPU *cpu, const DecodedInsn *d, int i, uint64_t val);

/* Reads operand i (registers and memory inline: they are most of the work). */
static inline uint64_t x86_read_opnd(X86CPU *cpu, const DecodedInsn *d, int i)
{
    const X86Operand *o = &d->opnd[i];

    if (likely(o->kind == X86_OPK_REG)) {
        return x86_get_reg(cpu->env, o->reg, o->size, o->high8);
    }
    if (o->kind == X86_OPK_MEM) {
        if (i == 0 && cpu->rmw) {
            return x86_ld_seg_rmw(cpu, d->mem.seg, cpu->ea, o->size);
        }
        return x86_ld_seg(cpu, d->mem.seg, cpu->ea, o->size);
    }
    return x86_read_opnd_other(cpu, d, i);
}

static inline void x86_write_opnd(X86CPU *cpu, const DecodedInsn *d, int i, uint64_t val)
{
    const X86Operand *o = &d->opnd[i];

    if (likely(o->kind == X86_OPK_REG)) {
        x86_set_reg(cpu->env, o->reg, o->size, o->high8, val);
    } else if (o->kind == X86_OPK_MEM) {
        x86_st_seg(cpu, d->mem.seg, cpu->ea, val, o->size);
    } else {
        x86_write_opnd_other(cpu, d, i, val);
    }
}
/* Sets RIP to target, truncated to the operand size (16/32-bit) and checked against CS. */
void x86_jump(X86CPU *cpu, uint64_t target, int opsize);

/* --- handlers (ops-*.c), each returns after the instruction completed ---------- */
typedef void (*X86OpHandler)(X86CPU *cpu, const DecodedInsn *d);
/*
 * The handler of one operation, picked once at decode time so that the hot
 * instructions reach their code through one indirect call instead of a chain
 * of switches (each a poorly predicted indirect jump).
 */
/* *lazy_ok: the handler keeps lazy flags (it neither reads RFLAGS nor calls flags_*). */
X86OpHandler x86_arith_handler(int op, bool *lazy_ok);    /* ops-arith.c; else x86_exec_arith */
X86OpHandler x86_control_handler(int op, bool *lazy_ok);  /* ops-control.c; else x86_exec_control */
void x86_exec_arith(X86CPU *cpu, const DecodedInsn *d);   /* ops-arith.c */
void x86_exec_control(X86CPU *cpu, const DecodedInsn *d); /* ops-control.c */
void x86_exec_string(X86CPU *cpu, const DecodedInsn *d);  /* ops-string.c */
void x86_exec_system(X86CPU *cpu, const DecodedInsn *d);  /* ops-system.c */

/* --- segments and system state (seg.c) --------------------------------------- */
/* LxS, ARPL, SGDT/SIDT/LGDT/LIDT, SLDT/STR/LLDT/LTR, VERR/VERW, LAR/LSL. */
void x86_exec_seg(X86CPU *cpu, const DecodedInsn *d);
/* Loads CS for a control transfer (far JMP/CALL/RET, IRET, interrupts) with the new CPL. */
void x86_load_cs(X86CPU *cpu, uint32_t selector, uint32_t lo, uint32_t hi, int cpl);
/* Loads SS from a selector for a privilege change to cpl (#TS/#SS on a bad one). */
void x86_load_ss_for_cpl(X86CPU *cpu, uint32_t selector, int cpl, int vector_ts);
/* After a return to an outer level: data segments more privileged than the new CPL become null. */
void x86_invalidate_data_segs(X86CPU *cpu);
/* MOV/POP to a segment register, LxS: loads seg with the checks of the current mode. */
void x86_load_seg(X86CPU *cpu, int seg, uint32_t selector);
/* Far JMP/CALL/RET in every mode. */
void x86_far_jump(X86CPU *cpu, uint32_t selector, uint64_t offset, int opsize);
void x86_far_call(X86CPU *cpu, uint32_t selector, uint64_t offset, int opsize);
void x86_far_ret(X86CPU *cpu, int opsize, uint16_t pop_bytes);
/* Loads a descriptor's 8 bytes from the GDT/LDT; false if beyond the limit. */
bool x86_read_descriptor(X86CPU *cpu, uint32_t selector, uint32_t *lo, uint32_t *hi);
/* Fills a segment cache from a descriptor. */
void x86_seg_cache_from_desc(SegmentCache *sc, uint32_t selector, uint32_t lo, uint32_t hi);
void x86_load_seg_real(CPUX86State *env, int seg, uint32_t selector);

/* Port I/O (ops-system.c): the IOPL and TSS-bitmap check (#GP), then the I/O address space. */
void x86_check_io(X86CPU *cpu, uint16_t port, int size);
uint64_t x86_io_read(X86CPU *cpu, uint16_t port, int size);
void x86_io_write(X86CPU *cpu, uint16_t port, uint64_t val, int size);

/* Control registers and MSRs (ops-system.c). */
void x86_write_cr0(X86CPU *cpu, uint64_t val);
void x86_write_cr3(X86CPU *cpu, uint64_t val);
void x86_write_cr4(X86CPU *cpu, uint64_t val);
bool x86_write_efer(X86CPU *cpu, uint64_t val);
/* The guest's TSC now. */
uint64_t x86_read_tsc(X86CPU *cpu);

#endif
