/*
 * mmu.c: the page walk, GVA -> GPA.
 *
 * Follows the Intel SDM Vol. 3A, chapter 4: 32-bit paging with 4 MiB pages
 * (4.3), PAE paging (4.4), 4-level paging with 2 MiB and 1 GiB pages (4.5),
 * access rights with U/S, R/W, CR0.WP and XD/NX (4.6), accessed and dirty
 * flags (4.8), page-fault error codes and CR2 (4.7), reserved-bit checks, and
 * global pages (4.10.2.4). The result goes into the software TLB with the
 * GPA -> HVA step from the flat view (accel/tcg/cputlb.c). Left out: PCIDs,
 * protection keys, SMEP/SMAP (not advertised), PSE-36, 5-level paging, and
 * caching PAE PDPTEs at CR3 load (they are read at each walk).
 */
#include "qemu/osdep.h"
#include "qemu/log.h"
#include "helper.h"

#define PG_PRESENT_MASK  (1ULL << 0)
#define PG_RW_MASK       (1ULL << 1)
#define PG_USER_MASK     (1ULL << 2)
#define PG_ACCESSED_MASK (1ULL << 5)
#define PG_DIRTY_MASK    (1ULL << 6)
#define PG_PSE_MASK      (1ULL << 7)
#define PG_GLOBAL_MASK   (1ULL << 8)
#define PG_NX_MASK       (1ULL << 63)
#define PHYS_ADDR_BITS   40 /* CPUID.80000008H:EAX[7:0] of the fixed model */
#define PHYS_ADDR_MASK   (((1ULL << PHYS_ADDR_BITS) - 1) & ~0xfffULL)
#define PG_LARGE_PAT     (1ULL << 12) /* PAT bit of a large-page entry (not an address bit) */

typedef struct PageWalk {
    X86CPU *cpu;
    vaddr la;
    MMUAccessType type;
    bool user;     /* CPL 3 access */
    bool pae;      /* 64-bit entries */
    uint64_t rsvd; /* reserved address bits for 64-bit entries */
    /* Rights accumulated down the levels. */
    bool writable, user_ok, nx;
} PageWalk;

static QEMU_NORETURN void page_fault(PageWalk *w, bool present, bool rsvd)
{
    X86CPU *cpu = w->cpu;
    CPUX86State *env = cpu->env;
    uint32_t err = (present ? PG_ERROR_P_MASK : 0) |
                   (w->type == MMU_DATA_STORE ? PG_ERROR_W_MASK : 0) |
                   (w->user ? PG_ERROR_U_MASK : 0) | (rsvd ? PG_ERROR_RSVD_MASK : 0);

    if (w->type == MMU_INST_FETCH && (env->efer & MSR_EFER_NXE) && w->pae) {
        err |= PG_ERROR_I_D_MASK;
    }
    env->cr[2] = w->la;
    qemu_log_mask(CPU_LOG_MMU, "x86: #PF at %016" PRIx64 " err %#x (rip %016" PRIx64 ")\n", w->la,
                  err, cpu->insn_rip);
    x86_raise_exception_err(cpu, EXCP0E_PAGE, err);
}

static uint64_t read_pte(PageWalk *w, hwaddr a)
{
    AddressSpace *as = w->cpu->as;

    return w->pae ? address_space_ldq_le(as, a, MEMTXATTRS_UNSPECIFIED, NULL)
                  : address_space_ldl_le(as, a, MEMTXATTRS_UNSPECIFIED, NULL);
}

static void write_pte(PageWalk *w, hwaddr a, uint64_t pte)
{
    AddressSpace *as = w->cpu->as;

    /* Only the low dword holds A and D. */
    address_space_stl_le(as, a, (uint32_t)pte, MEMTXATTRS_UNSPECIFIED, NULL);
}

/* One level: present and reserved checks, rights accumulation, the accessed bit. */
static uint64_t walk_level(PageWalk *w, hwaddr a, bool leaf_may_be_large, bool *large)
{
    uint64_t pte = read_pte(w, a);

    if (!(pte & PG_PRESENT_MASK)) {
        page_fault(w, false, false);
    }
    if (w->pae) {
        bool nxe = w->cpu->env->efer & MSR_EFER_NXE;

        if ((pte & w->rsvd) || ((pte & PG_NX_MASK) && !nxe)) {
            page_fault(w, true, true);
        }
        w->nx |= (pte & PG_NX_MASK) != 0;
    }
    *large = leaf_may_be_large && (pte & PG_PSE_MASK);
    w->writable &= (pte & PG_RW_MASK) != 0;
    w->user_ok &= (pte & PG_USER_MASK) != 0;
    return pte;
}

/* Access rights (4.6) of the accumulated walk for this access. */
static void check_rights(PageWalk *w)
{
    CPUX86State *env = w->cpu->env;

    if (w->user && !w->user_ok) {
        page_fault(w, true, false);
    }
    if (w->type == MMU_DATA_STORE && !w->writable && (w->user || (env->cr[0] & CR0_WP_MASK))) {
        page_fault(w, true, false);
    }
    if (w->type == MMU_INST_FETCH && w->nx) {
        page_fault(w, true, false);
    }
}

typedef struct WalkEntry {
    hwaddr addr;
    uint64_t pte;
} WalkEntry;

void x86_tlb_fill(X86CPU *cpu, vaddr la, MMUAccessType type, int mmu_idx)
{
    CPUX86State *env = cpu->env;
    PageWalk w = {
        .cpu = cpu,
        .la = la,
        .type = type,
        .user = mmu_idx == MMU_USER_IDX,
        .writable = true,
        .user_ok = true,
    };
    WalkEntry ent[4];
    int levels, n = 0, shift;
    uint64_t table, page_size, pte = 0;
    unsigned prot;
    bool large = false;

    if (!(env->cr[0] & CR0_PG_MASK)) {
        tlb_set_page(&cpu->tlb, mmu_idx, la, la, PAGE_READ | PAGE_WRITE | PAGE_EXEC,
                     TARGET_PAGE_SIZE, false);
        return;
    }
    w.pae = env->cr[4] & CR4_PAE_MASK;
    w.rsvd = ((1ULL << 52) - 1) & ~((1ULL << PHYS_ADDR_BITS) - 1); /* bits 51:40 */
    if (x86_long_mode(env)) {
        levels = 4;
        table = env->cr[3] & PHYS_ADDR_MASK;
    } else if (w.pae) {
        /* The PDPTE: present and reserved checks only (no rights at this level). */
        hwaddr a = (env->cr[3] & 0xffffffe0u) + ((la >> 30) & 3) * 8;
        uint64_t pdpte = read_pte(&w, a);

        if (!(pdpte & PG_PRESENT_MASK)) {
            page_fault(&w, false, false);
        }
        if (pdpte & (w.rsvd | 0x1e6 | PG_NX_MASK)) {
            page_fault(&w, true, true);
        }
        levels = 2;
        table = pdpte & PHYS_ADDR_MASK;
    } else {
        levels = 2;
        table = env->cr[3] & 0xfffff000u;
    }
    shift = w.pae ? 12 + 9 * levels : 32;
    for (int lvl = levels; lvl >= 1; lvl--) {
        int ishift = shift - (w.pae ? 9 : 10);
        unsigned idx = (la >> ishift) & (w.pae ? 511 : 1023);
        hwaddr a = table + idx * (w.pae ? 8 : 4);
        /* Large pages: 1 GiB at level 3 (4-level), 2/4 MiB at level 2. */
        bool may_be_large =
            (lvl == 2 && (w.pae || (env->cr[4] & CR4_PSE_MASK))) || (lvl == 3 && levels == 4);

        pte = walk_level(&w, a, may_be_large, &large);
        if (lvl == 4 && (pte & PG_PSE_MASK)) {
            page_fault(&w, true, true); /* PS is reserved in a PML4E */
        }
        ent[n].addr = a;
        ent[n].pte = pte;
        n++;
        shift = ishift;
        if (large) {
            break;
        }
        table = w.pae ? (pte & PHYS_ADDR_MASK) : (pte & 0xfffff000u);
    }
    page_size = 1ULL << shift;
    if (large) {
        uint64_t align = (page_size - 1) & ~PG_LARGE_PAT & ~0xfffULL;

        if (w.pae ? (pte & align & PHYS_ADDR_MASK) : (pte & 0x3fe000)) {
            page_fault(&w, true, true); /* an unaligned large-page address */
        }
    }
    check_rights(&w);

    /* Accessed on every level; dirty on the leaf for a write (4.8). */
    for (int i = 0; i < n; i++) {
        uint64_t set = PG_ACCESSED_MASK;

        if (i == n - 1 && type == MMU_DATA_STORE) {
            set |= PG_DIRTY_MASK;
        }
        if ((ent[i].pte & set) != set) {
            ent[i].pte |= set;
            write_pte(&w, ent[i].addr, ent[i].pte);
        }
    }
    pte = ent[n - 1].pte;

    hwaddr base = w.pae ? (pte & PHYS_ADDR_MASK) : (pte & 0xfffff000u);
    if (large) {
        base &= ~(page_size - 1);
    }
    hwaddr pa = (base | (la & (page_size - 1))) & TARGET_PAGE_MASK;

    /* Writes go through the TLB only once the page is dirty, so that D gets set. */
    prot = PAGE_READ;
    if ((w.writable || (!w.user && !(env->cr[0] & CR0_WP_MASK))) && (pte & PG_DIRTY_MASK)) {
        prot |= PAGE_WRITE;
    }
    if (!w.nx) {
        prot |= PAGE_EXEC;
    }
    tlb_set_page(&cpu->tlb, mmu_idx, la, pa, prot, page_size,
                 (pte & PG_GLOBAL_MASK) && (env->cr[4] & CR4_PGE_MASK));
}
