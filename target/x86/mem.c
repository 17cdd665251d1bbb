/*
 * mem.c: guest memory accesses of the interpreter: segmentation, the TLB's
 * slow path, code fetch and the stack.
 *
 * Follows the Intel SDM Vol. 3A: 3.4.5 and 5.3-5.6 (segment limits, types
 * and expand-down segments), 3.3.7.1 (canonical addresses in 64-bit mode:
 * #SS for stack references, #GP otherwise) and Vol. 1, 6.2 (the stack).
 * Left out: alignment checking (CR0.AM/EFLAGS.AC) and SMAP.
 */
#include "qemu/osdep.h"
#include "qemu/main-loop.h"
#include "helper.h"

#define CANONICAL_BITS 48

static bool is_canonical(uint64_t la)
{
    return sext(la, CANONICAL_BITS / 8) == (int64_t)la;
}

static QEMU_NORETURN void seg_fault(X86CPU *cpu, int seg)
{
    x86_raise_exception_err(cpu, seg == R_SS ? EXCP0C_STACK : EXCP0D_GPF, 0);
}

/* Limit check, with expand-down data segments valid above the limit (SDM Vol. 3A, 5.3). */
static bool within_limit(const SegmentCache *sc, uint64_t off, int size)
{
    uint64_t last = off + size - 1;

    if ((sc->flags & (DESC_S_MASK | DESC_CS_MASK | DESC_E_MASK)) == (DESC_S_MASK | DESC_E_MASK)) {
        uint64_t top = (sc->flags & DESC_B_MASK) ? 0xffffffffu : 0xffff;

        return off > sc->limit && last <= top;
    }
    return last <= sc->limit;
}

vaddr x86_seg_linear(X86CPU *cpu, int seg, uint64_t off, int size, MMUAccessType type)
{
    CPUX86State *env = cpu->env;
    const SegmentCache *sc = &env->segs[seg];

    if (x86_code64(env)) {
        uint64_t la = off + (seg >= R_FS ? sc->base : 0);

        if (!is_canonical(la) || !is_canonical(la + size - 1)) {
            seg_fault(cpu, seg);
        }
        return la;
    }
    if (x86_protected(env) && !x86_vm86(env)) {
        if (!(sc->flags & DESC_P_MASK)) {
            seg_fault(cpu, seg); /* a null selector was loaded */
        }
        if (type == MMU_DATA_STORE && ((sc->flags & DESC_CS_MASK) || !(sc->flags & DESC_W_MASK))) {
            seg_fault(cpu, seg);
        }
        if (type == MMU_DATA_LOAD && (sc->flags & DESC_CS_MASK) && !(sc->flags & DESC_R_MASK)) {
            seg_fault(cpu, seg);
        }
    }
    if (!within_limit(sc, off, size)) {
        seg_fault(cpu, seg);
    }
    return (uint32_t)(sc->base + off);
}

uint64_t x86_ld_seg_full(X86CPU *cpu, int seg, uint64_t off, int size)
{
    return x86_ld(cpu, x86_seg_linear(cpu, seg, off, size, MMU_DATA_LOAD), size);
}

void x86_st_seg_full(X86CPU *cpu, int seg, uint64_t off, uint64_t val, int size)
{
    x86_st(cpu, x86_seg_linear(cpu, seg, off, size, MMU_DATA_STORE), val, size);
}

/* The entry for la and type, filling it (or faulting) on a miss. */
static CPUTLBEntry *tlb_get(X86CPU *cpu, vaddr la, MMUAccessType type, int mmu_idx,
                            CPUTLBEntryFull **full)
{
    CPUTLBEntry *e;

    tlb_check_pending_flush(&cpu->tlb);
    e = tlb_lookup(&cpu->tlb, mmu_idx, la, type, full);
    if (!e) {
        x86_tlb_fill(cpu, la, type, mmu_idx);
        e = tlb_lookup(&cpu->tlb, mmu_idx, la, type, full);
        g_assert(e);
    }
    return e;
}

static void mmio_rw(X86CPU *cpu, hwaddr pa, void *buf, int n, bool is_write)
{
    bool locked = bql_locked();

    if (!locked) {
        bql_lock();
    }
    address_space_rw(cpu->as, pa, MEMTXATTRS_UNSPECIFIED, buf, n, is_write);
    if (!locked) {
        bql_unlock();
    }
}

/* One access that stays inside a page. */
/* One access inside a page, translated for type; a read when !write (RMW reads use STORE). */
static void access_page_rw(X86CPU *cpu, vaddr la, void *buf, int n, int mmu_idx, MMUAccessType type,
                           bool write)
{
    CPUTLBEntryFull *full;
    CPUTLBEntry *e = tlb_get(cpu, la, type, mmu_idx, &full);
    uint64_t tag = tlb_addr_for(e, type);

    if (tag & TLB_MMIO) {
        hwaddr pa = full->phys_page | (la & ~TARGET_PAGE_MASK);

        mmio_rw(cpu, pa, buf, n, write);
    } else if (write) {
        memcpy((void *)(uintptr_t)(la + e->addend), buf, n);
    } else {
        memcpy(buf, (const void *)(uintptr_t)(la + e->addend), n);
    }
}

static void access_page(X86CPU *cpu, vaddr la, void *buf, int n, int mmu_idx, MMUAccessType type)
{
    access_page_rw(cpu, la, buf, n, mmu_idx, type, type == MMU_DATA_STORE);
}

/* The address after a page crossing: linear addresses wrap at 4 GiB outside 64-bit mode. */
static vaddr next_la(X86CPU *cpu, vaddr la, int n)
{
    vaddr next = la + n;

    return x86_code64(cpu->env) ? next : (uint32_t)next;
}

uint64_t x86_ld_slow(X86CPU *cpu, vaddr la, int size, int mmu_idx, MMUAccessType type)
{
    uint8_t buf[8] = {0};
    int n1 = MIN((uint64_t)size, TARGET_PAGE_SIZE - (la & ~TARGET_PAGE_MASK));

    access_page(cpu, la, buf, n1, mmu_idx, type);
    if (n1 < size) {
        access_page(cpu, next_la(cpu, la, n1), buf + n1, size - n1, mmu_idx, type);
    }
    return ldn_le(buf, size);
}

/*
 * The read half of a read-modify-write: translated as a write, so that a
 * read-only or absent page faults with W set, as hardware reports it.
 */
static uint64_t ld_rmw_slow(X86CPU *cpu, vaddr la, int size, int mmu_idx)
{
    uint8_t buf[8] = {0};
    int n1 = MIN((uint64_t)size, TARGET_PAGE_SIZE - (la & ~TARGET_PAGE_MASK));

    access_page_rw(cpu, la, buf, n1, mmu_idx, MMU_DATA_STORE, false);
    if (n1 < size) {
        access_page_rw(cpu, next_la(cpu, la, n1), buf + n1, size - n1, mmu_idx, MMU_DATA_STORE,
                       false);
    }
    return ldn_le(buf, size);
}

uint64_t x86_ld_seg_rmw_full(X86CPU *cpu, int seg, uint64_t off, int size)
{
    vaddr la = x86_seg_linear(cpu, seg, off, size, MMU_DATA_STORE);
    int mmu_idx = x86_mmu_index(cpu->env);
    CPUTLBDesc *desc = &cpu->tlb.d[mmu_idx];
    CPUTLBEntry *e = &desc->table[tlb_index(desc, la)];

    if (likely(e->addr_write == (la & TARGET_PAGE_MASK) && tlb_fast_ok(la, size))) {
        desc->stats.hits++;
        return ldn_le((const void *)(uintptr_t)(la + e->addend), size);
    }
    return ld_rmw_slow(cpu, la, size, mmu_idx);
}

void x86_probe_write(X86CPU *cpu, vaddr la, int size, int mmu_idx)
{
    CPUTLBEntryFull *full;
    int n1 = MIN((uint64_t)size, TARGET_PAGE_SIZE - (la & ~TARGET_PAGE_MASK));

    tlb_get(cpu, la, MMU_DATA_STORE, mmu_idx, &full);
    if (n1 < size) {
        tlb_get(cpu, next_la(cpu, la, n1), MMU_DATA_STORE, mmu_idx, &full);
    }
}

void x86_st_slow(X86CPU *cpu, vaddr la, uint64_t val, int size, int mmu_idx)
{
    uint8_t buf[8];
    int n1 = MIN((uint64_t)size, TARGET_PAGE_SIZE - (la & ~TARGET_PAGE_MASK));

    stn_le(buf, size, val);
    if (n1 < size) {
        x86_probe_write(cpu, la, size, mmu_idx); /* both pages writable before either is written */
        access_page(cpu, next_la(cpu, la, n1), buf + n1, size - n1, mmu_idx, MMU_DATA_STORE);
    }
    access_page(cpu, la, buf, n1, mmu_idx, MMU_DATA_STORE);
}

size_t x86_fetch_code(X86CPU *cpu, uint64_t rip, uint8_t *buf, size_t want)
{
    CPUX86State *env = cpu->env;
    const SegmentCache *cs = &env->segs[R_CS];
    int mmu_idx = x86_mmu_index(env);
    vaddr la;
    size_t n;

    if (x86_code64(env)) {
        la = rip;
        if (!is_canonical(la)) {
            x86_raise_exception_err(cpu, EXCP0D_GPF, 0);
        }
    } else {
        if (rip > cs->limit) {
            x86_raise_exception_err(cpu, EXCP0D_GPF, 0);
        }
        want = MIN(want, (size_t)(cs->limit - rip + 1));
        la = (uint32_t)(cs->base + rip);
    }
    n = MIN(want, (size_t)(TARGET_PAGE_SIZE - (la & ~TARGET_PAGE_MASK)));
    cpu->fetch_la = la;
    {
        CPUTLBDesc *desc = &cpu->tlb.d[mmu_idx];
        CPUTLBEntry *e = &desc->table[tlb_index(desc, la)];

        if (likely(e->addr_code == (la & TARGET_PAGE_MASK))) {
            const uint8_t *src = (const uint8_t *)(uintptr_t)(la + e->addend);

            desc->stats.hits++;
            if (likely(n == X86_MAX_INSN_LEN &&
                       (la & ~TARGET_PAGE_MASK) <= TARGET_PAGE_SIZE - 16)) {
                /* one 16-byte copy: a variable-length memcpy is a slow rep movs */
                memcpy(buf, src, 16);
            } else {
                for (size_t i = 0; i < n; i++) {
                    buf[i] = src[i];
                }
            }
            return n;
        }
    }
    access_page(cpu, la, buf, n, mmu_idx, MMU_INST_FETCH);
    return n;
}

void x86_push(X86CPU *cpu, uint64_t val, int size)
{
    CPUX86State *env = cpu->env;
    int ss = x86_stack_size(env);
    uint64_t sp = (env->regs[R_ESP] - size) & size_mask(ss);

    x86_st_seg(cpu, R_SS, sp, val, size);
    x86_set_reg(env, R_ESP, ss, false, sp);
}

uint64_t x86_stack_peek(X86CPU *cpu, uint64_t offset, int size)
{
    CPUX86State *env = cpu->env;
    int ss = x86_stack_size(env);

    return x86_ld_seg(cpu, R_SS, (env->regs[R_ESP] + offset) & size_mask(ss), size);
}

uint64_t x86_pop(X86CPU *cpu, int size)
{
    CPUX86State *env = cpu->env;
    int ss = x86_stack_size(env);
    uint64_t val = x86_stack_peek(cpu, 0, size);

    x86_set_reg(env, R_ESP, ss, false, (env->regs[R_ESP] + size) & size_mask(ss));
    return val;
}
