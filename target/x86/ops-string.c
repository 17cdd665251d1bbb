/*
 * ops-string.c: the string instructions and their REP prefixes.
 *
 * Follows the Intel SDM Vol. 2 entries of MOVS, STOS, LODS, CMPS, SCAS, INS,
 * OUTS, XLAT and REP/REPE/REPNE, and Vol. 1, 7.3.9. A REP instruction runs
 * in batches: after REP_BATCH iterations RIP stays on it so that pending
 * interrupts are taken and it resumes, as an interrupted REP does on hardware.
 * REP MOVS/STOS forward in 64-bit mode copy or fill whole runs inside a page
 * on the host when the TLB maps them to RAM (rep_bulk); other forms, MMIO
 * and page crossings take one access per iteration.
 */
#include "qemu/osdep.h"
#include "helper.h"

#define REP_BATCH 4096

static int string_size(const DecodedInsn *d)
{
    return d->op == OP_OUTS ? d->opnd[1].size : d->opnd[0].size;
}

static void advance(CPUX86State *env, int reg, int asize, int64_t delta)
{
    x86_set_reg(env, reg, asize, false, (env->regs[reg] + delta) & size_mask(asize));
}

/* One iteration; returns false when a REPE/REPNE condition ends the loop. */
static bool string_step(X86CPU *cpu, const DecodedInsn *d, int size, int64_t delta)
{
    CPUX86State *env = cpu->env;
    int as = d->addrsize;
    uint64_t si = env->regs[R_ESI] & size_mask(as), di = env->regs[R_EDI] & size_mask(as);
    int src = d->mem.seg;
    uint64_t a, b;

    switch (d->op) {
    case OP_MOVS:
        a = x86_ld_seg(cpu, src, si, size);
        x86_st_seg(cpu, R_ES, di, a, size);
        advance(env, R_ESI, as, delta);
        advance(env, R_EDI, as, delta);
        return true;
    case OP_STOS:
        x86_st_seg(cpu, R_ES, di, env->regs[R_EAX], size);
        advance(env, R_EDI, as, delta);
        return true;
    case OP_LODS:
        x86_set_reg(env, R_EAX, size, false, x86_ld_seg(cpu, src, si, size));
        advance(env, R_ESI, as, delta);
        return true;
    case OP_CMPS:
        a = x86_ld_seg(cpu, src, si, size);
        b = x86_ld_seg(cpu, R_ES, di, size);
        flags_sub(env, size, a, b, 0, (a - b) & size_mask(size));
        advance(env, R_ESI, as, delta);
        advance(env, R_EDI, as, delta);
        break;
    case OP_SCAS:
        a = env->regs[R_EAX] & size_mask(size);
        b = x86_ld_seg(cpu, R_ES, di, size);
        flags_sub(env, size, a, b, 0, (a - b) & size_mask(size));
        advance(env, R_EDI, as, delta);
        break;
    case OP_INS: {
        uint16_t port = env->regs[R_EDX];

        x86_check_io(cpu, port, size);
        /* The destination must be writable before the port is read (it may have side effects). */
        x86_probe_write(cpu, x86_seg_linear(cpu, R_ES, di, size, MMU_DATA_STORE), size,
                        x86_mmu_index(env));
        x86_st_seg(cpu, R_ES, di, x86_io_read(cpu, port, size), size);
        advance(env, R_EDI, as, delta);
        return true;
    }
    default: { /* OUTS */
        uint16_t port = env->regs[R_EDX];

        x86_check_io(cpu, port, size);
        x86_io_write(cpu, port, x86_ld_seg(cpu, src, si, size), size);
        advance(env, R_ESI, as, delta);
        return true;
    }
    }
    /* CMPS/SCAS: REPE stops on ZF = 0, REPNE on ZF = 1. */
    if (d->prefixes & PREFIX_REPZ) {
        return env->rflags & CC_Z;
    }
    return !(env->rflags & CC_Z);
}

/*
 * The host address of n bytes at seg:off in 64-bit mode when the TLB maps
 * them to RAM for this access inside one page (tag: addr_read or addr_write),
 * else NULL.
 */
static uint8_t *bulk_host(X86CPU *cpu, int seg, uint64_t off, uint64_t n, size_t tag_ofs)
{
    vaddr la;
    CPUTLBEntry *e = x86_tlb_hit64(cpu, seg, off, n, tag_ofs, &la);

    return e ? (uint8_t *)(uintptr_t)(la + e->addend) : NULL;
}

/*
 * REP MOVS/STOS forward in 64-bit mode: as many iterations as stay inside
 * the source and destination pages, done at once on the host when the TLB
 * maps both to RAM. Returns the iterations done (0: take the step path,
 * which fills the TLB or faults exactly where hardware would).
 */
static uint64_t rep_bulk(X86CPU *cpu, const DecodedInsn *d, int size, uint64_t count)
{
    CPUX86State *env = cpu->env;
    uint64_t di = env->regs[R_EDI], si = env->regs[R_ESI];
    uint64_t n = MIN(count, (TARGET_PAGE_SIZE - (di & ~TARGET_PAGE_MASK)) / size);
    uint8_t *dst, *src;

    if (d->op == OP_MOVS) {
        vaddr sla = si + (d->mem.seg >= R_FS ? env->segs[d->mem.seg].base : 0);

        n = MIN(n, (TARGET_PAGE_SIZE - (sla & ~TARGET_PAGE_MASK)) / size);
    }
    if (n == 0) {
        return 0;
    }
    dst = bulk_host(cpu, R_ES, di, n * size, offsetof(CPUTLBEntry, addr_write));
    if (!dst) {
        return 0;
    }
    if (d->op == OP_STOS) {
        uint64_t v = env->regs[R_EAX];

        if (size == 1) {
            memset(dst, v & 0xff, n);
        } else {
            for (uint64_t i = 0; i < n; i++) {
                stn_le(dst + i * size, size, v);
            }
        }
        env->regs[R_EDI] = di + n * size;
        return n;
    }
    src = bulk_host(cpu, d->mem.seg, si, n * size, offsetof(CPUTLBEntry, addr_read));
    if (!src) {
        return 0;
    }
    if (dst > src && dst < src + n * size) {
        /* forward overlap: each element reads what an earlier one wrote, as on hardware */
        for (uint64_t i = 0; i < n * size; i++) {
            dst[i] = src[i];
        }
    } else {
        memmove(dst, src, n * size);
    }
    env->regs[R_ESI] = si + n * size;
    env->regs[R_EDI] = di + n * size;
    return n;
}

static void exec_xlat(X86CPU *cpu, const DecodedInsn *d)
{
    CPUX86State *env = cpu->env;
    uint64_t off = (env->regs[R_EBX] + (env->regs[R_EAX] & 0xff)) & size_mask(d->addrsize);
    int seg = d->mem.seg >= 0 ? d->mem.seg : R_DS;

    x86_set_reg(env, R_EAX, 1, false, x86_ld_seg(cpu, seg, off, 1));
}

void x86_exec_string(X86CPU *cpu, const DecodedInsn *d)
{
    CPUX86State *env = cpu->env;
    DecodedInsn dd;
    int size, as = d->addrsize;
    int64_t delta;

    if (d->op == OP_XLAT) {
        exec_xlat(cpu, d);
        return;
    }
    if (d->mem.seg < 0) {
        dd = *d;
        dd.mem.seg = R_DS;
        d = &dd;
    }
    size = string_size(d);
    delta = (env->rflags & DF_MASK) ? -size : size;
    if (!(d->prefixes & (PREFIX_REPZ | PREFIX_REPNZ))) {
        string_step(cpu, d, size, delta);
        return;
    }
    for (int n = 0; n < REP_BATCH; n++) {
        uint64_t cx = env->regs[R_ECX] & size_mask(as);
        bool more;

        if (cx == 0) {
            return;
        }
        if ((d->op == OP_MOVS || d->op == OP_STOS) && delta > 0 && as == 8 && x86_code64(env)) {
            uint64_t done = rep_bulk(cpu, d, size, MIN(cx, (uint64_t)(REP_BATCH - n)));

            if (done) {
                env->regs[R_ECX] = cx - done;
                if (done == cx) {
                    return;
                }
                n += done - 1;
                continue;
            }
        }
        more = string_step(cpu, d, size, delta);
        x86_set_reg(env, R_ECX, as, false, cx - 1);
        if (!more || cx == 1) {
            return;
        }
    }
    env->rip = cpu->insn_rip; /* not finished: run it again after pending events */
}
