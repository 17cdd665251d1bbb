/*
 * xlate.h: the translation inspector's logic, apart from its text.
 *
 * A guest address passes GVA -> GPA (the vCPU's page tables) -> section and
 * region (the flat view) -> KVM memslot -> HVA -> HPA (the host's page tables,
 * through /proc/self/pagemap). Each function here fills a plain struct with
 * one step, without side effects on the guest (no accessed/dirty bits set, no
 * fault raised), so that HMP prints it and QMP can return it later.
 * Paging follows Intel SDM Vol. 3A, chapter 4 (32-bit, PAE, 4-level); 5-level
 * paging (CR4.LA57) and protection keys are left out, and reserved physical
 * address bits above MAXPHYADDR are not checked (the guest's MAXPHYADDR is not
 * in CPUX86State).
 */
#ifndef MONITOR_XLATE_H
#define MONITOR_XLATE_H

#include "qemu/osdep.h"
#include "exec/memory.h"
#include "exec/cputlb.h"
#include "target/x86/cpu.h"

/* Page-table entry bits (SDM Vol. 3A, tables 4-14 to 4-20). */
#define PG_PRESENT_MASK  (1ULL << 0)
#define PG_RW_MASK       (1ULL << 1)
#define PG_USER_MASK     (1ULL << 2)
#define PG_PWT_MASK      (1ULL << 3)
#define PG_PCD_MASK      (1ULL << 4)
#define PG_ACCESSED_MASK (1ULL << 5)
#define PG_DIRTY_MASK    (1ULL << 6)
#define PG_PSE_MASK      (1ULL << 7) /* PDE/PDPTE: maps a page; PTE: PAT */
#define PG_GLOBAL_MASK   (1ULL << 8)
#define PG_NX_MASK       (1ULL << 63)
#define PG_ADDR_MASK     0x000ffffffffff000ULL /* bits 51:12 */

#define X86_MAX_PAGE_LEVELS 4

typedef enum X86PagingMode {
    X86_PAGING_NONE = 0,  /* CR0.PG clear: GVA = GPA */
    X86_PAGING_32 = 2,    /* two levels of 4-byte entries */
    X86_PAGING_PAE = 3,   /* PDPT of 4, PD, PT */
    X86_PAGING_4LEVEL = 4 /* PML4, PDPT, PD, PT */
} X86PagingMode;

typedef enum X86WalkStatus {
    X86_WALK_OK,
    X86_WALK_NOT_PRESENT,  /* #PF, P = 0 at fault_level */
    X86_WALK_RESERVED,     /* #PF with RSVD: a reserved bit set at fault_level */
    X86_WALK_NONCANONICAL, /* #GP: bits 63:47 are not a sign extension */
    X86_WALK_TABLE_ERROR,  /* a table's GPA is not backed by anything */
} X86WalkStatus;

/* One level of a walk, as the hardware reads it. */
typedef struct X86PageLevel {
    int level;        /* 4 PML4 .. 1 PT (the SDM's tables, top first) */
    const char *name; /* "PML4", "PDPT", "PD", "PT" */
    hwaddr table;     /* GPA of the table */
    unsigned index;   /* entry number in it */
    hwaddr entry_gpa; /* table + index * entry size */
    uint64_t entry;   /* its value */
    bool leaf;        /* maps the page (PT, or PS set) */
    uint64_t page_size;
} X86PageLevel;

typedef struct X86PageWalk {
    uint64_t gva;
    X86PagingMode mode;
    X86PageLevel levels[X86_MAX_PAGE_LEVELS];
    int nr_levels;
    X86WalkStatus status;
    int fault_level;                 /* levels[] index of the entry that failed */
    uint64_t fault_bits;             /* the reserved bits that were set (X86_WALK_RESERVED) */
    uint32_t error_code;             /* #PF error code for a supervisor data read */
    hwaddr gpa;                      /* when OK */
    uint64_t page_size;              /* when OK */
    bool writable, user, executable; /* combined rights of every level */
} X86PageWalk;

/*
 * Walks gva through env's page tables in as (normally the system address
 * space), reading entries without setting A/D bits. Returns w->status == OK.
 */
bool x86_page_walk(const CPUX86State *env, AddressSpace *as, uint64_t gva, X86PageWalk *w);
/* "P W U A D PS G NX ..." for an entry (decoded for its level); appends to out. */
void x86_pte_flags_str(uint64_t entry, bool leaf, int level, GString *out);
/* The guest's view of a failed walk, one line ("#PF at PT[3]: not present (P=0), error 0x0"). */
void x86_walk_fault_str(const X86PageWalk *w, GString *out);

/* A mapping range for 'info tlb': contiguous virtual -> physical with equal rights. */
typedef struct X86MappingRange {
    uint64_t va, pa, size;
    bool writable, user, executable;
} X86MappingRange;
/* Calls fn for every maximal range the current page tables map, in VA order. */
void x86_foreach_mapping(const CPUX86State *env, AddressSpace *as,
                         void (*fn)(const X86MappingRange *r, void *opaque), void *opaque);

/* The host side of a page, from /proc/self/pagemap (Documentation/admin-guide/mm/pagemap.rst). */
typedef struct HostPageInfo {
    int err;          /* 0, or errno of opening/reading pagemap */
    uint64_t raw;     /* the pagemap entry */
    bool present;     /* bit 63 */
    bool swapped;     /* bit 62 */
    bool file_shared; /* bit 61: file page or shared anonymous */
    bool exclusive;   /* bit 56: mapped only here */
    bool soft_dirty;  /* bit 55 */
    bool pfn_hidden;  /* present, but the PFN reads as 0 (no CAP_SYS_ADMIN) */
    uint64_t pfn;
    uint64_t hpa; /* pfn * page size + offset, when known */
} HostPageInfo;
/* Looks up the host page of hva; false with info->err or !present when there is no HPA. */
bool host_page_info(const void *hva, HostPageInfo *info);
/* One line: "HPA 0x... (present exclusive soft-dirty)" or why there is none. */
void host_page_info_str(const HostPageInfo *info, GString *out);

/*
 * The regions the flat view was rendered from for addr, root first:
 * "system > ram-below-4g (alias of 'pc.ram' +0x0) > pc.ram" (containers,
 * aliases with their target and offset, the terminal region). False (out
 * untouched) when nothing maps addr.
 */
bool memory_region_path(AddressSpace *as, hwaddr addr, GString *out);

/* GPA -> what backs it. */
typedef struct GPAInfo {
    hwaddr gpa;
    bool backed; /* a flat-view section covers gpa */
    MemoryRegionSection section;
    hwaddr offset_in_region;
    const char *region_name;
    bool ram; /* RAM or ROM: has an HVA */
    void *hva;
    /* KVM only */
    bool have_slot;
    int slot;
    hwaddr slot_gpa;
    uint64_t slot_size;
    void *slot_hva;
    bool slot_readonly;
} GPAInfo;
/* Fills info for gpa in as (the flat view, the memslot under KVM). */
void gpa_info(AddressSpace *as, hwaddr gpa, GPAInfo *info);

/* Everything xlate prints. */
typedef struct XlateResult {
    bool virtual;     /* started from a GVA */
    X86PageWalk walk; /* when virtual */
    bool have_gpa;
    GPAInfo gpa;
    bool have_host;
    HostPageInfo host; /* when gpa.ram */
} XlateResult;
/* The whole chain for a GVA (env given) or a GPA (env NULL). */
void xlate_address(const CPUX86State *env, AddressSpace *as, uint64_t addr, XlateResult *r);

/* The interpreter's software TLB for one page, per MMU mode (kernel, user). */
typedef struct SoftTLBModeProbe {
    bool hit;          /* an entry's read, write or code tag matches the page */
    bool victim;       /* found in the victim TLB, not the table */
    unsigned index;    /* table index, or victim slot */
    CPUTLBEntry entry; /* its tags (page | TLB_* flags, -1 invalid) and addend */
    CPUTLBEntryFull full;
} SoftTLBModeProbe;

typedef struct SoftTLBProbe {
    bool available; /* tcg runs the vCPU */
    SoftTLBModeProbe mode[NB_MMU_MODES];
} SoftTLBProbe;

typedef struct CPUState CPUState;
/*
 * Looks va's page up in cpu's software TLB without touching it (no victim
 * swap, no counters), on the vCPU's thread. False when tcg does not run cpu.
 */
bool soft_tlb_probe(CPUState *cpu, uint64_t va, SoftTLBProbe *p);
/* 'info softmmu': every valid entry of each mode, and the counters; false as above. */
bool soft_tlb_dump(CPUState *cpu, GString *out);

#endif
