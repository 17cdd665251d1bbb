/*
 * cpuid-tcg.c: the interpreter's fixed CPUID model.
 *
 * Follows the Intel SDM Vol. 2, CPUID (leaves 0, 1, 7, 80000000H-80000008H)
 * and advertises exactly what tern's interpreter implements: x87, MMX, FXSR,
 * SSE and SSE2 (and SSE3/SSSE3 where the host runs them) as ops-sse.c reports
 * them, the APIC once the machine has given
 * the vCPUs their userspace local APICs (apic-hooks.h; not x2APIC or the
 * TSC-deadline timer, which are not tested end to end yet), no XSAVE, BMI,
 * SMEP/SMAP or VMX. Reachable as -cpu qemu64, max or tern.
 * Leaf 15H (SDM Vol. 2, CPUID, "Time Stamp Counter and Nominal Core Crystal
 * Clock Information"; Vol. 3B 18.7.3) gives the TSC's frequency: the crystal
 * is 1 GHz and the TSC runs at 1/1 of it, which is what tern's TSC and local
 * APIC timer count (1 GHz of virtual time, x86_read_tsc and
 * hw/intc/apic-timer.c). Linux then knows its TSC and APIC timer frequencies
 * instead of calibrating them against the PIT and PM timer, which takes a
 * tenth of a second of busy waiting in guest time.
 * MCE and MCA are advertised with no error-reporting banks (IA32_MCG_CAP reads
 * 0, ops-system.c: the interpreter never raises #MC), as every PC has the
 * architecture: without them Linux logs 'Unable to init MCE device'.
 * Left out: cache and topology leaves (2, 4, 0BH), which read as zeros, as do
 * the other leaves up to 15H (their features are not advertised).
 */
#include "qemu/osdep.h"
#include "target/x86/tcg-cpu.h"
#include "target/x86/apic-hooks.h"
#include "fpu-helper.h"

#define MAX_BASIC_LEAF  0x15
#define MAX_EXT_LEAF    0x80000008u
#define HV_LEAF_BASE    0x40000000u
#define CLFLUSH_LINE_8B 8      /* CLFLUSH line size in 8-byte units: 64 bytes */
#define PHYS_VIRT_BITS  0x3028 /* 40 physical, 48 virtual address bits */
/* Leaf 15H: TSC = crystal * EBX / EAX; the crystal (ECX, Hz) feeds the APIC timer. */
#define TSC_CRYSTAL_HZ        1000000000u
#define TSC_RATIO_NUMERATOR   1u
#define TSC_RATIO_DENOMINATOR 1u

/* CPUID.1:EDX */
#define CPUID_TSC   (1u << 4)
#define CPUID_MSR   (1u << 5)
#define CPUID_PSE   (1u << 3)
#define CPUID_PAE   (1u << 6)
#define CPUID_MCE   (1u << 7)
#define CPUID_CX8   (1u << 8)
#define CPUID_APIC  (1u << 9)
#define CPUID_SEP   (1u << 11)
#define CPUID_MTRR  (1u << 12)
#define CPUID_PGE   (1u << 13)
#define CPUID_MCA   (1u << 14)
#define CPUID_CMOV  (1u << 15)
#define CPUID_PAT   (1u << 16)
#define CPUID_CLFSH (1u << 19)
/* CPUID.1:ECX */
#define CPUID_EXT_CX16       (1u << 13)
#define CPUID_EXT_POPCNT     (1u << 23)
#define CPUID_EXT_HYPERVISOR (1u << 31)
/* CPUID.80000001H:EDX / ECX */
#define CPUID_EXT2_SYSCALL (1u << 11)
#define CPUID_EXT2_NX      (1u << 20)
#define CPUID_EXT2_PDPE1GB (1u << 26)
#define CPUID_EXT2_RDTSCP  (1u << 27)
#define CPUID_EXT2_LM      (1u << 29)
#define CPUID_EXT3_LAHF_LM (1u << 0)
#define CPUID_EXT3_ABM     (1u << 5) /* LZCNT */

#define FEAT_1_EDX                                                                                 \
    (CPUID_PSE | CPUID_TSC | CPUID_MSR | CPUID_PAE | CPUID_MCE | CPUID_CX8 | CPUID_SEP |           \
     CPUID_MTRR | CPUID_PGE | CPUID_MCA | CPUID_CMOV | CPUID_PAT | CPUID_CLFSH)
#define FEAT_1_ECX (CPUID_EXT_CX16 | CPUID_EXT_POPCNT | CPUID_EXT_HYPERVISOR)
#define FEAT_8000_0001_EDX                                                                         \
    (CPUID_EXT2_SYSCALL | CPUID_EXT2_NX | CPUID_EXT2_PDPE1GB | CPUID_EXT2_RDTSCP | CPUID_EXT2_LM)
#define FEAT_8000_0001_ECX (CPUID_EXT3_LAHF_LM | CPUID_EXT3_ABM)

static const char vendor[12] = {"GenuineIntel"};
static const char brand[48] = "tern x86-64 interpreter";
static const char hv_vendor[12] = {"TernTernTern"};

static uint32_t le32(const char *p)
{
    uint32_t v;

    memcpy(&v, p, 4);
    return v;
}

void x86_cpuid_tcg(uint32_t leaf, uint32_t subleaf, const CPUX86State *env, uint32_t *eax,
                   uint32_t *ebx, uint32_t *ecx, uint32_t *edx)
{
    uint32_t fpu_edx = 0, fpu_ecx = 0;

    *eax = *ebx = *ecx = *edx = 0;
    /* Basic leaves past the maximum return the highest basic leaf (Intel). */
    if (leaf > MAX_BASIC_LEAF && leaf < HV_LEAF_BASE) {
        leaf = MAX_BASIC_LEAF;
    }
    switch (leaf) {
    case 0:
        *eax = MAX_BASIC_LEAF;
        *ebx = le32(vendor);
        *edx = le32(vendor + 4);
        *ecx = le32(vendor + 8);
        break;
    case 1:
        *eax = env->cpuid_version;
        *ebx = (env->apic_id << 24) | (1u << 16) | (CLFLUSH_LINE_8B << 8);
        *ecx = FEAT_1_ECX;
        *edx = FEAT_1_EDX | (x86_apic_hooks ? CPUID_APIC : 0);
        x86_fpu_cpuid_features(&fpu_edx, &fpu_ecx); /* x87, MMX, FXSR, SSE... (ops-sse.c) */
        *edx |= fpu_edx;
        *ecx |= fpu_ecx;
        break;
    case 7: /* structured extended features: none */
        break;
    case 0x15:
        *eax = TSC_RATIO_DENOMINATOR;
        *ebx = TSC_RATIO_NUMERATOR;
        *ecx = TSC_CRYSTAL_HZ;
        break;
    case HV_LEAF_BASE:
        *eax = HV_LEAF_BASE;
        *ebx = le32(hv_vendor);
        *ecx = le32(hv_vendor + 4);
        *edx = le32(hv_vendor + 8);
        break;
    case 0x80000000u:
        *eax = MAX_EXT_LEAF;
        break;
    case 0x80000001u:
        *ecx = FEAT_8000_0001_ECX;
        *edx = FEAT_8000_0001_EDX;
        break;
    case 0x80000002u:
    case 0x80000003u:
    case 0x80000004u: {
        const char *p = brand + (leaf - 0x80000002u) * 16;

        *eax = le32(p);
        *ebx = le32(p + 4);
        *ecx = le32(p + 8);
        *edx = le32(p + 12);
        break;
    }
    case 0x80000008u:
        *eax = PHYS_VIRT_BITS;
        break;
    }
    (void)subleaf;
}
