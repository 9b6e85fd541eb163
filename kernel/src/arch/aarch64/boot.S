// Entry point. QEMU loads this arm64 Image at 0x40080000 and jumps to
// _start with the MMU off, x0 = physical address of the DTB, at EL2 or EL1.
// This code runs at its physical address: it drops to EL1, builds the boot
// page tables (1 GiB blocks: device memory at 0, RAM at 1 GiB, the same
// table in TTBR0 (identity) and TTBR1 (linear map at KERNEL_OFFSET)),
// turns the MMU on, clears .bss and calls kernel_entry(dtb) in the high half.

.equ KERNEL_OFFSET, 0xFFFFFF8000000000
// Level-1 block descriptors: device nGnRE (AttrIndx 0), XN; normal WB
// inner-shareable (AttrIndx 1), UXN, output address 0x40000000.
.equ BLOCK_DEVICE, 0x0060000000000401
.equ BLOCK_NORMAL, 0x0040000040000705
// MAIR: attr0 = Device-nGnRE (0x04), attr1 = Normal WB RA/WA (0xff).
.equ MAIR_VALUE, 0xff04
// TCR: T0SZ = T1SZ = 25 (39-bit VAs), 4 KiB granules, WB WA inner-shareable
// walks, IPS = 40 bits.
.equ TCR_VALUE, 0x2b5193519

.section .text.boot, "ax"
.global _start
_start:
    // arm64 Image header (Documentation/arch/arm64/booting.rst).
    b       primary_entry           // code0
    .long   0                       // code1
    .quad   0x80000                 // text_offset: loaded at RAM + 0x80000
    .quad   __kernel_image_size     // image_size, bss included
    .quad   0x2                     // flags: little endian, 4 KiB pages
    .quad   0
    .quad   0
    .quad   0
    .ascii  "ARM\x64"               // magic
    .long   0

primary_entry:
    mov     x19, x0                 // DTB physical address
    // Only CPU 0 boots; others (none on -smp 1) park.
    mrs     x1, mpidr_el1
    and     x1, x1, #0xff
    cbz     x1, 1f
0:  wfe
    b       0b
1:  mrs     x1, CurrentEL
    lsr     x1, x1, #2
    cmp     x1, #2
    b.ne    el1_entry
    // EL2 -> EL1: AArch64 EL1, timers and GIC system registers usable at EL1.
    mov     x1, #(1 << 31)          // HCR_EL2.RW
    msr     hcr_el2, x1
    mrs     x1, cnthctl_el2
    orr     x1, x1, #3              // EL1PCTEN | EL1PCEN
    msr     cnthctl_el2, x1
    msr     cntvoff_el2, xzr
    mrs     x1, S3_4_C12_C9_5       // ICC_SRE_EL2
    mov     x2, #0x9                // SRE | Enable (lower ELs may use SRE)
    orr     x1, x1, x2
    msr     S3_4_C12_C9_5, x1
    isb
    ldr     x1, =0x30d00800         // SCTLR_EL1 RES1 bits, MMU off
    msr     sctlr_el1, x1
    mov     x1, #0x3c5              // EL1h, DAIF masked
    msr     spsr_el2, x1
    adr     x1, el1_entry
    msr     elr_el2, x1
    eret

el1_entry:
    // FP/SIMD on at EL1 and EL0 (the Rust target uses NEON).
    mov     x1, #(3 << 20)
    msr     cpacr_el1, x1
    isb

    // Boot page table: four level-1 entries (GiB 0..3).
    adrp    x0, boot_l1
    ldr     x1, =BLOCK_DEVICE       // GiB 0: GIC, UART, virtio-mmio, PCIe
    str     x1, [x0, #0]
    ldr     x1, =BLOCK_NORMAL       // GiB 1: RAM
    str     x1, [x0, #8]
    dsb     ish

    ldr     x1, =MAIR_VALUE
    msr     mair_el1, x1
    ldr     x1, =TCR_VALUE
    msr     tcr_el1, x1
    msr     ttbr0_el1, x0
    msr     ttbr1_el1, x0
    isb
    tlbi    vmalle1
    dsb     ish
    isb
    mrs     x1, sctlr_el1
    mov     x2, #0x1005             // M | C | I
    orr     x1, x1, x2
    // EL0 may read CTR_EL0 (UCT), use DC ZVA (DZE) and clean/invalidate
    // caches by VA (UCI), as on Linux: musl and __clear_cache need them.
    mov     x2, #0xc000             // UCT | DZE
    orr     x1, x1, x2
    orr     x1, x1, #(1 << 26)      // UCI
    bic     x1, x1, #(1 << 1)       // no alignment checks
    bic     x1, x1, #(1 << 19)      // WXN off (the boot map is RWX)
    msr     sctlr_el1, x1
    isb

    // Now in the high half: stack, clear .bss, enter Rust.
    ldr     x1, =__boot_stack_top
    mov     sp, x1
    ldr     x1, =__bss_start
    ldr     x2, =__bss_end
2:  cmp     x1, x2
    b.hs    3f
    stp     xzr, xzr, [x1], #16
    b       2b
3:  mov     x0, x19
    mov     x29, xzr                // end of the frame-pointer chain
    mov     x30, xzr
    ldr     x1, =kernel_entry
    br      x1
    .ltorg

.section .data.boot, "aw"
.balign 4096
.global boot_l1
boot_l1:
    .space  4096
