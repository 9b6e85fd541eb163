// The EL0 self-test program (position independent, copied into a user
// page by user_selftest.rs): write, getpid, an unknown syscall, write with
// an unmapped and with a kernel pointer; exit status bit i is set when
// check i failed (1: ENOSYS, 2: EFAULT unmapped, 4: EFAULT kernel, 8: pid > 0).

.section .rodata.user_selftest, "a"
.balign 4
.global user_selftest_start
user_selftest_start:
    mov     x0, #1
    adr     x1, 1f
    mov     x2, #(2f - 1f)
    mov     x8, #64             // write
    svc     #0
    mov     x8, #172            // getpid
    svc     #0
    mov     x20, x0
    mov     x8, #999            // not a syscall
    svc     #0
    mov     x21, x0
    mov     x0, #1
    mov     x1, #0x10           // unmapped user address
    mov     x2, #8
    mov     x8, #64
    svc     #0
    mov     x22, x0
    mov     x0, #1
    ldr     x1, =0xffffff8040080000 // the kernel image
    mov     x2, #8
    mov     x8, #64
    svc     #0
    mov     x23, x0
    mov     x0, #0
    cmn     x21, #38
    b.eq    3f
    orr     x0, x0, #1
3:  cmn     x22, #14
    b.eq    4f
    orr     x0, x0, #2
4:  cmn     x23, #14
    b.eq    5f
    orr     x0, x0, #4
5:  cmp     x20, #1                 // a real pid: > 0
    b.ge    6f
    orr     x0, x0, #8
6:  mov     x8, #93             // exit
    svc     #0
    b       .
    .ltorg
1:  .ascii  "el0: write from user space ok\n"
2:
.balign 4
.global user_selftest_end
user_selftest_end:
