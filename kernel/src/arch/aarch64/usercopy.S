// User-memory access with fault fixup. The only code that touches user
// addresses. A data abort whose ELR lies in [__user_access_start,
// __user_access_end) resumes at __user_access_fixup, which returns -EFAULT
// (-14) to the caller instead of faulting the kernel (exception.rs).
//
// Every user access is an unprivileged load or store (LDTR/STTR), which the
// MMU checks with EL0's permissions: a PROT_NONE page is EFAULT for the
// kernel too, a read-only page cannot be written through a syscall, and a
// copy-on-write page faults into the copy exactly as an EL0 store would.
// Those forms take only an immediate offset, hence the explicit increments.

.section .text
.balign 16
.global __user_access_start
__user_access_start:

// long __arch_copy_from_user(void *dst, const void *user_src, size_t len): 0 or -14.
.global __arch_copy_from_user
__arch_copy_from_user:
    cbz     x2, 2f
    // 8 bytes at a time while both are aligned and enough remains.
    orr     x3, x0, x1
    tst     x3, #7
    b.ne    1f
0:  cmp     x2, #8
    b.lo    1f
    ldtr    x3, [x1]
    add     x1, x1, #8
    str     x3, [x0], #8
    sub     x2, x2, #8
    b       0b
1:  cbz     x2, 2f
    ldtrb   w3, [x1]
    add     x1, x1, #1
    strb    w3, [x0], #1
    sub     x2, x2, #1
    b       1b
2:  mov     x0, #0
    ret

// long __arch_copy_to_user(void *user_dst, const void *src, size_t len): 0 or -14.
.global __arch_copy_to_user
__arch_copy_to_user:
    cbz     x2, 2f
    orr     x3, x0, x1
    tst     x3, #7
    b.ne    1f
0:  cmp     x2, #8
    b.lo    1f
    ldr     x3, [x1], #8
    sttr    x3, [x0]
    add     x0, x0, #8
    sub     x2, x2, #8
    b       0b
1:  cbz     x2, 2f
    ldrb    w3, [x1], #1
    sttrb   w3, [x0]
    add     x0, x0, #1
    sub     x2, x2, #1
    b       1b
2:  mov     x0, #0
    ret

// long __arch_strncpy_user(char *dst, const char *user_src, size_t max):
// bytes copied before the NUL (the NUL is copied too), max if none, or -14.
.global __arch_strncpy_user
__arch_strncpy_user:
    mov     x4, #0
3:  cmp     x4, x2
    b.hs    4f
    add     x5, x1, x4
    ldtrb   w3, [x5]
    strb    w3, [x0, x4]
    cbz     w3, 4f
    add     x4, x4, #1
    b       3b
4:  mov     x0, x4
    ret

.global __user_access_end
__user_access_end:

.global __user_access_fixup
__user_access_fixup:
    mov     x0, #-14
    ret
