/*
 * cputlb.h: the interpreter's software TLB, GVA -> HVA in one compare and one add.
 *
 * Per vCPU and per MMU mode (kernel, user), a direct-mapped table of entries,
 * each holding the page tag for read, write and execute and an addend such that
 * host = guest virtual + addend. A tag with a flag bit set never matches on the
 * fast path, so pages that are not plain RAM (MMIO, ROM on write, RAM whose
 * dirty bits are being logged) take the slow path through address_space_rw().
 * A small victim TLB catches conflict misses; the table doubles when the miss
 * rate says so. The fill (target/x86/mmu.c) does GVA -> GPA; the flat view
 * gives GPA -> HVA. See docs/interpreter.md.
 */
#ifndef EXEC_CPUTLB_H
#define EXEC_CPUTLB_H

#include "qemu/osdep.h"
#include "exec/memory.h"

typedef uint64_t vaddr;

typedef enum MMUAccessType {
    MMU_DATA_LOAD = 0,
    MMU_DATA_STORE = 1,
    MMU_INST_FETCH = 2,
} MMUAccessType;

/* MMU modes: the x86 supervisor/user split (CPL < 3 / CPL 3). */
enum {
    MMU_KERNEL_IDX = 0,
    MMU_USER_IDX = 1,
    NB_MMU_MODES = 2,
};

/* Page protection bits for tlb_set_page. */
#define PAGE_READ  (1u << 0)
#define PAGE_WRITE (1u << 1)
#define PAGE_EXEC  (1u << 2)

/* Flag bits in the low bits of an entry's tags: any of them sends the access to the slow path. */
#define TLB_INVALID_MASK (1u << 0) /* no translation for this access */
#define TLB_MMIO         (1u << 1) /* not plain RAM: address_space_rw on the stored GPA */

#define CPU_TLB_BITS_MIN 8  /* 256 entries */
#define CPU_TLB_BITS_MAX 16 /* 65536 entries: 256 MiB of pages */
#define CPU_VTLB_SIZE    8

typedef struct CPUTLBEntry {
    uint64_t addr_read; /* page | flags, or -1 */
    uint64_t addr_write;
    uint64_t addr_code;
    uintptr_t addend; /* host - guest virtual, for RAM pages */
} CPUTLBEntry;

/* What the slow path and flushes need besides the tags. */
typedef struct CPUTLBEntryFull {
    hwaddr phys_page; /* guest physical page */
    bool global;      /* survives a CR3 write */
    uint64_t lp_mask; /* large page: mask of the page's virtual range, else TARGET_PAGE_MASK */
} CPUTLBEntryFull;

typedef struct CPUTLBCounters {
    uint64_t hits, victim_hits, misses, flushes;
} CPUTLBCounters;

typedef struct CPUTLBDesc {
    CPUTLBEntry *table; /* 1 << bits entries */
    CPUTLBEntryFull *full;
    unsigned bits;
    uint64_t mask; /* ((1 << bits) - 1) << TARGET_PAGE_BITS */
    CPUTLBEntry vtable[CPU_VTLB_SIZE];
    CPUTLBEntryFull vfull[CPU_VTLB_SIZE];
    unsigned vindex;
    /* The window that decides growth: hits, and fills that evicted another page. */
    uint64_t window_hits, window_misses;
    uint64_t fills_since_flush; /* decides shrinking at a flush */
    /* Large pages in the table: INVLPG inside one flushes the whole mode. */
    uint64_t large_page_addr, large_page_mask;
    CPUTLBCounters stats;
} CPUTLBDesc;

typedef struct CPUTLB {
    CPUTLBDesc d[NB_MMU_MODES];
    /*
     * The code page last fetched from: its page | mmu_idx (or -1) and addend,
     * so that fetching the next instruction from the same page needs no TLB
     * lookup. Any flush or fill forgets it (tlb_forget_code_page).
     */
    uint64_t code_tag;
    uintptr_t code_addend;
    /* Set by the memory listener (any thread): flush before the next access. */
    int flush_pending;
    MemoryListener listener;
    bool listener_registered;
    AddressSpace *as;
} CPUTLB;

static inline unsigned tlb_index(const CPUTLBDesc *desc, vaddr addr)
{
    return (addr >> TARGET_PAGE_BITS) & ((1u << desc->bits) - 1);
}

static inline void tlb_forget_code_page(CPUTLB *tlb)
{
    tlb->code_tag = (uint64_t)-1;
}

static inline CPUTLBEntry *tlb_entry(CPUTLB *tlb, int mmu_idx, vaddr addr)
{
    CPUTLBDesc *desc = &tlb->d[mmu_idx];

    return &desc->table[tlb_index(desc, addr)];
}

/* Allocates the tables; listens to as (flushing on every flat-view change) when as is set. */
void tlb_init(CPUTLB *tlb, AddressSpace *as);
void tlb_destroy(CPUTLB *tlb);
/* Drops every entry of every mode (CR0/CR4/EFER changes, flat-view changes). */
void tlb_flush(CPUTLB *tlb);
/* Drops entries not marked global (a CR3 write). */
void tlb_flush_nonglobal(CPUTLB *tlb);
/* Drops the translations of the page holding addr in every mode (INVLPG). */
void tlb_flush_page(CPUTLB *tlb, vaddr addr);
/* Applies a flush the memory listener asked for; cheap when none is pending. */
static inline void tlb_check_pending_flush(CPUTLB *tlb)
{
    if (unlikely(__atomic_load_n(&tlb->flush_pending, __ATOMIC_ACQUIRE))) {
        __atomic_store_n(&tlb->flush_pending, 0, __ATOMIC_RELAXED);
        tlb_flush(tlb);
    }
}

/*
 * Installs the translation addr -> paddr for one 4 KiB page of a page of size
 * page_size (for INVLPG of large pages), with PAGE_* prot, in mode mmu_idx.
 */
void tlb_set_page(CPUTLB *tlb, int mmu_idx, vaddr addr, hwaddr paddr, unsigned prot,
                  uint64_t page_size, bool global);

/*
 * Looks addr up for an access type, trying the victim TLB on a miss. Returns
 * the entry (tag matched, flags possibly set) or NULL on a real miss.
 */
CPUTLBEntry *tlb_lookup(CPUTLB *tlb, int mmu_idx, vaddr addr, MMUAccessType type,
                        CPUTLBEntryFull **full);

/* Sum of the counters of every mode. */
void tlb_get_stats(const CPUTLB *tlb, CPUTLBCounters *out);
/* Entries per mode now (grows with the miss rate). */
unsigned tlb_size(const CPUTLB *tlb, int mmu_idx);

static inline uint64_t tlb_addr_for(const CPUTLBEntry *e, MMUAccessType type)
{
    return type == MMU_DATA_LOAD    ? e->addr_read
           : type == MMU_DATA_STORE ? e->addr_write
                                    : e->addr_code;
}

#endif
