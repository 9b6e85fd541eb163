/*
 * xt-conf-mem: memory calls against Linux (output contract in conf.h):
 * brk, mmap (anonymous private/shared, file-backed, MAP_FIXED, bad
 * arguments), sharing across fork, munmap, mprotect with the faults it
 * causes (PROT_NONE reads fault, si_code SEGV_ACCERR vs SEGV_MAPERR,
 * si_addr the faulting address), madvise(MADV_DONTNEED) and mremap.
 */
#include "conf.h"

#include <fcntl.h>
#include <setjmp.h>
#include <stdint.h>
#include <sys/mman.h>

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

#define PAGE 4096UL

/* Raw calls: musl's wrappers round addresses and check arguments themselves. */
static void *raw_mmap(void *a, size_t l, int prot, int flags, int fd, off_t off)
{
	return (void *)syscall(SYS_mmap, a, l, prot, flags, fd, off);
}
static int raw_mprotect(void *a, size_t l, int prot) { return syscall(SYS_mprotect, a, l, prot); }
static int raw_munmap(void *a, size_t l) { return syscall(SYS_munmap, a, l); }
static int raw_madvise(void *a, size_t l, int advice) { return syscall(SYS_madvise, a, l, advice); }
static void *raw_mremap(void *a, size_t l, size_t n, int flags, void *to)
{
	return (void *)syscall(SYS_mremap, a, l, n, flags, to);
}
#define mmap raw_mmap
#define mprotect raw_mprotect
#define munmap raw_munmap
#define madvise raw_madvise

static sigjmp_buf jump;
static volatile int fault_sig, fault_code;
static void *volatile fault_addr;

static void on_fault(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	fault_sig = sig;
	fault_code = si->si_code;
	fault_addr = si->si_addr;
	siglongjmp(jump, 1);
}

static const char *code_name(int sig, int code)
{
	static char b[24];
	if (sig == SIGSEGV && code == SEGV_MAPERR)
		return "SEGV_MAPERR";
	if (sig == SIGSEGV && code == SEGV_ACCERR)
		return "SEGV_ACCERR";
	if (sig == SIGBUS && code == BUS_ADRERR)
		return "BUS_ADRERR";
	snprintf(b, sizeof b, "code %d", code);
	return b;
}

/* Touches addr (read or write) and says what happened: `ok` or the signal, code and address. */
static void touch(const char *name, volatile char *addr, int write)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_fault;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGSEGV, &sa, 0);
	sigaction(SIGBUS, &sa, 0);
	fault_sig = 0;
	if (sigsetjmp(jump, 1) == 0) {
		if (write)
			*addr = 1;
		else
			(void)*addr;
		say(name, "ok");
	} else {
		say(name, "%s %s si_addr %s", signame(fault_sig), code_name(fault_sig, fault_code),
		    fault_addr == (void *)addr ? "is the address" : "other");
	}
	signal(SIGSEGV, SIG_DFL);
	signal(SIGBUS, SIG_DFL);
}

static void *map(size_t len, int prot, int flags)
{
	return mmap(0, len, prot, flags | MAP_ANONYMOUS, -1, 0);
}

static void brk_cases(void)
{
	uintptr_t cur = syscall(SYS_brk, 0);
	say("brk.query", "%s", cur > 0 ? ">0" : "0");
	uintptr_t grown = syscall(SYS_brk, cur + 64 * 1024);
	say("brk.grow", "%s", grown == cur + 64 * 1024 ? "new break" : grown == cur ? "unchanged" : "other");
	if (grown == cur + 64 * 1024) {
		memset((void *)cur, 0x5a, 64 * 1024);
		say("brk.grown-memory", "writable");
	}
	uintptr_t huge = syscall(SYS_brk, cur + (1UL << 40));
	say("brk.huge", "%s", huge == grown ? "unchanged" : "other");
	uintptr_t low = syscall(SYS_brk, 4096);
	say("brk.below-start", "%s", low == grown ? "unchanged" : "other");
	uintptr_t shrunk = syscall(SYS_brk, cur);
	say("brk.shrink", "%s", shrunk == cur ? "new break" : "other");
	touch("brk.shrunk-memory-read", (char *)cur + 8192, 0);
}

static void mmap_cases(void)
{
	char *p = map(PAGE * 4, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	say("mmap.anon-private", "%s", p != MAP_FAILED ? "mapped" : rtext(-1, errno));
	if (p == MAP_FAILED)
		return;
	say("mmap.anon-private.zeroed", "%s", p[0] == 0 && p[PAGE * 4 - 1] == 0 ? "yes" : "no");
	say("mmap.anon-private.aligned", "%s", ((uintptr_t)p & (PAGE - 1)) == 0 ? "yes" : "no");
	p[5] = 7;
	say("mmap.anon-private.write-read", "%d", p[5]);

	TOK("mmap.zero-length", (long)mmap(0, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
	TOK("mmap.no-private-or-shared", (long)mmap(0, PAGE, PROT_READ, MAP_ANONYMOUS, -1, 0));
	TOK("mmap.both-private-and-shared", (long)mmap(0, PAGE, PROT_READ, MAP_PRIVATE | MAP_SHARED | MAP_ANONYMOUS, -1, 0));
	TOK("mmap.fixed-unaligned", (long)mmap(p + 1, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0));
	TOK("mmap.unaligned-offset", (long)mmap(0, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 1));
	TOK("mmap.file-bad-fd", (long)mmap(0, PAGE, PROT_READ, MAP_PRIVATE, -1, 0));
	TOK("mmap.huge", (long)mmap(0, 1UL << 45, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));

	/* MAP_FIXED over the second page of our mapping replaces it. */
	char *f = mmap(p + PAGE, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	say("mmap.fixed", "%s", f == p + PAGE ? "at the address" : f == MAP_FAILED ? rtext(-1, errno) : "elsewhere");
	char *nr = mmap(p + PAGE, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	say("mmap.fixed-noreplace-over-mapping", "%s", nr == MAP_FAILED ? rtext(-1, errno) : nr == p + PAGE ? "replaced" : "elsewhere");

	/* A hint that is free is honoured. */
	char *hint = (char *)0x200000000UL;
	char *h = mmap(hint, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	say("mmap.free-hint", "%s", h == hint ? "at the hint" : h == MAP_FAILED ? rtext(-1, errno) : "elsewhere");

	/* File-backed, read-only private: the file's bytes. */
	int fd = open("/tmp/conf-mem-file", O_CREAT | O_TRUNC | O_RDWR, 0644);
	write(fd, "file contents", 13);
	char *m = mmap(0, PAGE, PROT_READ, MAP_PRIVATE, fd, 0);
	say("mmap.file-private-read", "%s", m == MAP_FAILED ? rtext(-1, errno) : memcmp(m, "file contents", 13) == 0 ? "file bytes" : "other bytes");
	if (m != MAP_FAILED) {
		say("mmap.file-private.tail-zero", "%s", m[13] == 0 && m[PAGE - 1] == 0 ? "yes" : "no");
	}
	/* Two pages of a one-page file: the second lies wholly beyond EOF (SIGBUS BUS_ADRERR). */
	char *m2 = mmap(0, 2 * PAGE, PROT_READ, MAP_PRIVATE, fd, 0);
	if (m2 != MAP_FAILED) {
		touch("mmap.file-private.last-page", m2 + PAGE - 1, 0);
		touch("mmap.file-private.beyond-eof-page", m2 + PAGE, 0);
		touch("mmap.file-private.beyond-eof-page-end", m2 + 2 * PAGE - 1, 0);
		munmap(m2, 2 * PAGE);
	}
	char *ms = mmap(0, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	say("mmap.file-shared-write", "%s", ms == MAP_FAILED ? rtext(-1, errno) : "mapped");
	if (ms != MAP_FAILED) {
		ms[0] = 'F';
		char c = 0;
		pread(fd, &c, 1, 0);
		say("mmap.file-shared-write.in-file", "%c", c);
	}
	int ro = open("/tmp/conf-mem-file", O_RDONLY);
	TOK("mmap.file-shared-writable-on-readonly-fd", (long)mmap(0, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, ro, 0));
	int wo = open("/tmp/conf-mem-file", O_WRONLY);
	TOK("mmap.file-on-writeonly-fd", (long)mmap(0, PAGE, PROT_READ, MAP_PRIVATE, wo, 0));
	int pfd[2];
	pipe(pfd);
	TOK("mmap.pipe", (long)mmap(0, PAGE, PROT_READ, MAP_PRIVATE, pfd[0], 0));
	int dir = open("/tmp", O_RDONLY | O_DIRECTORY);
	TOK("mmap.directory", (long)mmap(0, PAGE, PROT_READ, MAP_PRIVATE, dir, 0));
}

static void sharing(void)
{
	int *sh = map(PAGE, PROT_READ | PROT_WRITE, MAP_SHARED);
	int *pr = map(PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	if (sh == MAP_FAILED || pr == MAP_FAILED) {
		say("mmap.anon-shared", "%s", rtext(-1, errno));
		return;
	}
	*sh = 1;
	*pr = 1;
	pid_t c = fork();
	if (c == 0) {
		*sh = 2;
		*pr = 2;
		_exit(0);
	}
	waitpid(c, 0, 0);
	say("mmap.anon-shared.child-write-seen", "%s", *sh == 2 ? "yes" : "no");
	say("mmap.anon-private.child-write-seen", "%s", *pr == 2 ? "yes" : "no");
	c = fork();
	if (c == 0) {
		msleep(100);
		_exit(*sh == 3 ? 0 : 1);
	}
	*sh = 3;
	int st;
	waitpid(c, &st, 0);
	say("mmap.anon-shared.parent-write-seen-by-child", "%s", st == 0 ? "yes" : "no");
}

static void unmap_cases(void)
{
	char *p = map(PAGE * 3, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	T("munmap.middle-page", munmap(p + PAGE, PAGE));
	touch("munmap.unmapped-read", p + PAGE, 0);
	touch("munmap.neighbour-read", p, 0);
	T("munmap.unaligned", munmap(p + 1, PAGE));
	T("munmap.zero-length", munmap(p, 0));
	T("munmap.already-unmapped", munmap(p + PAGE, PAGE));
	T("munmap.partial-length", munmap(p + 2 * PAGE, 100));
	touch("munmap.partial-length.effect", p + 2 * PAGE, 0);
	T("munmap.kernel-address", munmap((void *)0xffff000000000000UL, PAGE));
	touch("null-read", (char *)16, 0);
}

static void protect_cases(void)
{
	char *p = map(PAGE * 2, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	p[0] = 1;
	T("mprotect.read-only", mprotect(p, PAGE, PROT_READ));
	touch("mprotect.read-only.read", p, 0);
	touch("mprotect.read-only.write", p + 8, 1);
	T("mprotect.none", mprotect(p, PAGE, PROT_NONE));
	touch("mprotect.none.read", p + 16, 0);
	touch("mprotect.none.write", p + 16, 1);
	touch("mprotect.none.neighbour-write", p + PAGE, 1);
	T("mprotect.back-to-rw", mprotect(p, PAGE, PROT_READ | PROT_WRITE));
	say("mprotect.back-to-rw.content-kept", "%d", p[0]);
	T("mprotect.unaligned", mprotect(p + 1, PAGE, PROT_READ));
	T("mprotect.bad-prot", mprotect(p, PAGE, 0x1000));
	T("mprotect.zero-length", mprotect(p, 0, PROT_READ));
	munmap(p + PAGE, PAGE);
	T("mprotect.unmapped-part", mprotect(p, 2 * PAGE, PROT_READ));
	char *none = map(PAGE, PROT_NONE, MAP_PRIVATE);
	say("mmap.prot-none", "%s", none == MAP_FAILED ? rtext(-1, errno) : "mapped");
	if (none != MAP_FAILED)
		touch("mmap.prot-none.read", none, 0);
	char *wo = map(PAGE, PROT_WRITE, MAP_PRIVATE);
	if (wo != MAP_FAILED)
		touch("mmap.write-only.write", wo, 1);
	/* Copy-on-write pages protected read-only in the child stay private. */
	char *cw = map(PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	cw[0] = 'p';
	pid_t c = fork();
	if (c == 0) {
		mprotect(cw, PAGE, PROT_READ);
		mprotect(cw, PAGE, PROT_READ | PROT_WRITE);
		cw[0] = 'c';
		_exit(0);
	}
	waitpid(c, 0, 0);
	say("mprotect.cow-child-write", "parent sees %c", cw[0]);
}

static void advise_cases(void)
{
	char *p = map(PAGE * 2, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	memset(p, 'x', 2 * PAGE);
	T("madvise.normal", madvise(p, PAGE, MADV_NORMAL));
	T("madvise.willneed", madvise(p, PAGE, MADV_WILLNEED));
	T("madvise.dontneed", madvise(p, PAGE, MADV_DONTNEED));
	say("madvise.dontneed.private-page", "%s", p[0] == 0 ? "zero" : "kept");
	say("madvise.dontneed.neighbour", "%c", p[PAGE]);
	T("madvise.bad-advice", madvise(p, PAGE, 12345));
	T("madvise.unaligned", madvise(p + 1, PAGE, MADV_NORMAL));
	munmap(p + PAGE, PAGE);
	T("madvise.unmapped-part", madvise(p, 2 * PAGE, MADV_NORMAL));
	char *s = map(PAGE, PROT_READ | PROT_WRITE, MAP_SHARED);
	s[0] = 's';
	T("madvise.dontneed-shared", madvise(s, PAGE, MADV_DONTNEED));
	say("madvise.dontneed.shared-page", "%s", s[0] == 's' ? "kept" : s[0] == 0 ? "zero" : "other");
}

static void remap_cases(void)
{
	char *p = map(PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	strcpy(p, "remap me");
	char *q = raw_mremap(p, PAGE, 64 * PAGE, MREMAP_MAYMOVE, 0);
	say("mremap.grow-maymove", "%s", q == MAP_FAILED ? rtext(-1, errno) : "mapped");
	if (q != MAP_FAILED) {
		say("mremap.grow.content", "%s", q);
		q[63 * PAGE] = 1;
		say("mremap.grow.new-part-writable", "yes");
		char *r = raw_mremap(q, 64 * PAGE, PAGE, 0, 0);
		say("mremap.shrink", "%s", r == q ? "same address" : r == MAP_FAILED ? rtext(-1, errno) : "moved");
		touch("mremap.shrink.tail-read", q + 2 * PAGE, 0);
		p = q;
	}
	TOK("mremap.bad-flags", (long)raw_mremap(p, PAGE, 2 * PAGE, 0x80, 0));
	TOK("mremap.unaligned", (long)raw_mremap(p + 1, PAGE, 2 * PAGE, MREMAP_MAYMOVE, 0));
	TOK("mremap.zero-new-length", (long)raw_mremap(p, PAGE, 0, MREMAP_MAYMOVE, 0));
	TOK("mremap.fixed-without-maymove", (long)raw_mremap(p, PAGE, PAGE, MREMAP_FIXED, p + 8 * PAGE));
	TOK("mremap.unmapped", (long)raw_mremap((void *)0x300000000UL, PAGE, 2 * PAGE, MREMAP_MAYMOVE, 0));
	char *a = map(2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	munmap(a + PAGE, PAGE);
	char *blocker = mmap(a + PAGE, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	(void)blocker;
	TOK("mremap.grow-in-place-blocked", (long)raw_mremap(a, PAGE, 2 * PAGE, 0, 0));
}

/*
 * Lengths no address space holds. Last, because a kernel that walks the range
 * page by page instead of refusing it never comes back.
 */
static void huge_length_cases(void)
{
	char *p = map(PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	TOK("mmap.length-2^62", (long)mmap(0, 1UL << 62, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
	T("mprotect.length-2^62", mprotect(p, 1UL << 62, PROT_READ));
	T("munmap.length-2^62", munmap(p, 1UL << 62));
	T("munmap.length-to-top-of-address-space", munmap(p, -(unsigned long)p - PAGE));
}

int main(void)
{
	begin();
	sub("brk", brk_cases, 10);
	sub("mmap", mmap_cases, 10);
	sub("sharing", sharing, 10);
	sub("munmap", unmap_cases, 10);
	sub("mprotect", protect_cases, 10);
	sub("madvise", advise_cases, 10);
	sub("mremap", remap_cases, 10);
	sub("huge-lengths", huge_length_cases, 10);
	return 0;
}
