// Exception vectors. Every entry saves the whole register file as a
// TrapFrame (see exception.rs, 816 bytes: general registers, FP/SIMD state,
// which kernel code clobbers too, and TPIDR_EL0, the user's TLS pointer) on the current SP_EL1 stack and
// calls exception_dispatch(frame, kind); exception_return restores the
// frame (possibly changed: syscall results, a new ELR) and erets.

.macro VECTOR kind
    .balign 0x80
    sub     sp, sp, #816
    stp     x0, x1, [sp, #0]
    mov     x0, #\kind
    b       exception_common
.endm

.section .text.vectors, "ax"
.balign 2048
.global exception_vectors
exception_vectors:
    VECTOR 0    // current EL, SP0: sync
    VECTOR 1    //                  irq
    VECTOR 2    //                  fiq
    VECTOR 3    //                  serror
    VECTOR 4    // current EL, SPx: sync
    VECTOR 5    //                  irq
    VECTOR 6    //                  fiq
    VECTOR 7    //                  serror
    VECTOR 8    // lower EL, AArch64: sync (SVC)
    VECTOR 9    //                  irq
    VECTOR 10   //                  fiq
    VECTOR 11   //                  serror
    VECTOR 12   // lower EL, AArch32 (unsupported)
    VECTOR 13
    VECTOR 14
    VECTOR 15

exception_common:
    stp     x2, x3, [sp, #16]
    stp     x4, x5, [sp, #32]
    stp     x6, x7, [sp, #48]
    stp     x8, x9, [sp, #64]
    stp     x10, x11, [sp, #80]
    stp     x12, x13, [sp, #96]
    stp     x14, x15, [sp, #112]
    stp     x16, x17, [sp, #128]
    stp     x18, x19, [sp, #144]
    stp     x20, x21, [sp, #160]
    stp     x22, x23, [sp, #176]
    stp     x24, x25, [sp, #192]
    stp     x26, x27, [sp, #208]
    stp     x28, x29, [sp, #224]
    mrs     x21, sp_el0
    stp     x30, x21, [sp, #240]
    mrs     x22, elr_el1
    mrs     x23, spsr_el1
    stp     x22, x23, [sp, #256]
    mrs     x21, fpsr
    mrs     x22, fpcr
    stp     x21, x22, [sp, #272]
    mrs     x21, tpidr_el0
    str     x21, [sp, #800]
    add     x21, sp, #288
    stp     q0, q1, [x21, #0]
    stp     q2, q3, [x21, #32]
    stp     q4, q5, [x21, #64]
    stp     q6, q7, [x21, #96]
    stp     q8, q9, [x21, #128]
    stp     q10, q11, [x21, #160]
    stp     q12, q13, [x21, #192]
    stp     q14, q15, [x21, #224]
    stp     q16, q17, [x21, #256]
    stp     q18, q19, [x21, #288]
    stp     q20, q21, [x21, #320]
    stp     q22, q23, [x21, #352]
    stp     q24, q25, [x21, #384]
    stp     q26, q27, [x21, #416]
    stp     q28, q29, [x21, #448]
    stp     q30, q31, [x21, #480]
    mov     x1, x0
    mov     x0, sp
    bl      exception_dispatch

.global exception_return
exception_return:
    add     x21, sp, #288
    ldp     q0, q1, [x21, #0]
    ldp     q2, q3, [x21, #32]
    ldp     q4, q5, [x21, #64]
    ldp     q6, q7, [x21, #96]
    ldp     q8, q9, [x21, #128]
    ldp     q10, q11, [x21, #160]
    ldp     q12, q13, [x21, #192]
    ldp     q14, q15, [x21, #224]
    ldp     q16, q17, [x21, #256]
    ldp     q18, q19, [x21, #288]
    ldp     q20, q21, [x21, #320]
    ldp     q22, q23, [x21, #352]
    ldp     q24, q25, [x21, #384]
    ldp     q26, q27, [x21, #416]
    ldp     q28, q29, [x21, #448]
    ldp     q30, q31, [x21, #480]
    ldp     x21, x22, [sp, #272]
    msr     fpsr, x21
    msr     fpcr, x22
    ldr     x21, [sp, #800]
    msr     tpidr_el0, x21
    ldp     x22, x23, [sp, #256]
    msr     elr_el1, x22
    msr     spsr_el1, x23
    ldp     x30, x21, [sp, #240]
    msr     sp_el0, x21
    ldp     x0, x1, [sp, #0]
    ldp     x2, x3, [sp, #16]
    ldp     x4, x5, [sp, #32]
    ldp     x6, x7, [sp, #48]
    ldp     x8, x9, [sp, #64]
    ldp     x10, x11, [sp, #80]
    ldp     x12, x13, [sp, #96]
    ldp     x14, x15, [sp, #112]
    ldp     x16, x17, [sp, #128]
    ldp     x18, x19, [sp, #144]
    ldp     x20, x21, [sp, #160]
    ldp     x22, x23, [sp, #176]
    ldp     x24, x25, [sp, #192]
    ldp     x26, x27, [sp, #208]
    ldp     x28, x29, [sp, #224]
    add     sp, sp, #816
    eret

// switch_context(prev: *mut Context, next: *const Context): saves the
// callee-saved registers (x19-x30, d8-d15), sp and lr of the running task into prev, loads
// next's and returns into it (task.rs).
.global switch_context
switch_context:
    stp     x19, x20, [x0, #0]
    stp     x21, x22, [x0, #16]
    stp     x23, x24, [x0, #32]
    stp     x25, x26, [x0, #48]
    stp     x27, x28, [x0, #64]
    stp     x29, x30, [x0, #80]
    mov     x9, sp
    str     x9, [x0, #96]
    stp     d8, d9, [x0, #104]
    stp     d10, d11, [x0, #120]
    stp     d12, d13, [x0, #136]
    stp     d14, d15, [x0, #152]
    ldp     d8, d9, [x1, #104]
    ldp     d10, d11, [x1, #120]
    ldp     d12, d13, [x1, #136]
    ldp     d14, d15, [x1, #152]
    ldp     x19, x20, [x1, #0]
    ldp     x21, x22, [x1, #16]
    ldp     x23, x24, [x1, #32]
    ldp     x25, x26, [x1, #48]
    ldp     x27, x28, [x1, #64]
    ldp     x29, x30, [x1, #80]
    ldr     x9, [x1, #96]
    mov     sp, x9
    ret

// A new task's first switch lands here: x19 points at its TrapFrame on its
// kernel stack; return to EL0 through it.
.global task_entry_trampoline
task_entry_trampoline:
    mov     sp, x19
    b       exception_return
