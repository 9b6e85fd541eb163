/*
 * xt-memfault: memory protections and fault signals (phase D). PROT_NONE
 * pages fault for reads and writes and are EFAULT for the kernel too;
 * SIGSEGV handlers get SA_SIGINFO details (si_signo, si_code SEGV_MAPERR
 * or SEGV_ACCERR, si_addr) and leave by siglongjmp; sigaltstack and
 * SA_ONSTACK catch a stack overflow; a blocked SIGSEGV still kills;
 * MAP_SHARED anonymous memory is shared across fork; madvise(MADV_DONTNEED)
 * zeroes private pages and keeps shared ones; mremap grows, moves and
 * shrinks; private file mappings copy the file and keep writes private.
 * One `name: ok` line per check (FAILED with details otherwise); exit 0
 * only when every check held.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <time.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

static int failures;
static sigjmp_buf env;
static volatile siginfo_t seen;
static volatile int seen_sig;
static volatile uintptr_t handler_sp;
static char *altstack;
static size_t altsize;

static void check(const char *what, int ok, const char *detail)
{
	if (ok)
		printf("xt-memfault: %s: ok\n", what);
	else
		printf("xt-memfault: %s: FAILED (%s)\n", what, detail ? detail : "");
	if (!ok)
		failures++;
}

static void on_fault(int sig, siginfo_t *info, void *uc)
{
	(void)uc;
	int local;
	handler_sp = (uintptr_t)&local;
	seen_sig = sig;
	seen.si_signo = info->si_signo;
	seen.si_code = info->si_code;
	seen.si_addr = info->si_addr;
	siglongjmp(env, 1);
}

static void on_plain(int sig)
{
	seen_sig = sig;
	siglongjmp(env, 1);
}

static void catch_faults(int flags)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_fault;
	sa.sa_flags = SA_SIGINFO | flags;
	sigaction(SIGSEGV, &sa, 0);
	sigaction(SIGBUS, &sa, 0);
}

/* Touches `p` (read or write) under the handler: the fault's siginfo, or
 * si_signo 0 when no fault happened. */
static int touch(volatile char *p, int write)
{
	seen_sig = 0;
	memset((void *)&seen, 0, sizeof seen);
	if (sigsetjmp(env, 1) == 0) {
		if (write)
			*p = 1;
		else
			(void)*p;
		return 0;
	}
	return 1;
}

static void expect_fault(const char *what, volatile char *p, int write, int code)
{
	char detail[128];
	int faulted = touch(p, write);
	snprintf(detail, sizeof detail, "faulted=%d sig=%d signo=%d code=%d addr=%p want %p", faulted, seen_sig,
		 seen.si_signo, seen.si_code, seen.si_addr, (void *)p);
	check(what, faulted && seen_sig == SIGSEGV && seen.si_signo == SIGSEGV && seen.si_code == code &&
			    seen.si_addr == (void *)p, detail);
}

static int sigsegv_blocked(void)
{
	sigset_t cur;
	sigprocmask(SIG_BLOCK, 0, &cur);
	return sigismember(&cur, SIGSEGV);
}

static volatile int depth = 1 << 30;
/* Recurses until the stack runs out (`depth` is never reached). */
static int recurse(int n)
{
	volatile char pad[512];
	pad[0] = (char)n;
	if (n >= depth)
		return 0;
	return recurse(n + 1) + pad[0];
}

static void protections(void)
{
	long page = sysconf(_SC_PAGESIZE);
	char *none = mmap(0, page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *ro = mmap(0, page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *gone = mmap(0, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (none == MAP_FAILED || ro == MAP_FAILED || gone == MAP_FAILED) {
		check("mmap for the fault checks", 0, strerror(errno));
		return;
	}
	munmap(gone, page);
	catch_faults(0);

	expect_fault("read of a PROT_NONE page: SIGSEGV SEGV_ACCERR at its address", none + 8, 0, SEGV_ACCERR);
	check("siglongjmp out of the handler restores the signal mask", !sigsegv_blocked(), 0);
	expect_fault("write to a PROT_NONE page: SIGSEGV SEGV_ACCERR", none + 16, 1, SEGV_ACCERR);
	expect_fault("write to a PROT_READ page: SIGSEGV SEGV_ACCERR", ro + 24, 1, SEGV_ACCERR);
	expect_fault("read of an unmapped page: SIGSEGV SEGV_MAPERR", gone + 32, 0, SEGV_MAPERR);
	check("a read of a PROT_READ page works", touch(ro, 0) == 0 && ro[0] == 0, 0);

	int fds[2];
	pipe(fds);
	errno = 0;
	ssize_t n = write(fds[1], none, 16);
	check("write(2) from a PROT_NONE buffer: EFAULT", n == -1 && errno == EFAULT, strerror(errno));
	errno = 0;
	n = read(open("/dev/zero", O_RDONLY), ro, 16);
	check("read(2) into a PROT_READ buffer: EFAULT", n == -1 && errno == EFAULT, strerror(errno));
	close(fds[0]);
	close(fds[1]);

	check("mprotect PROT_NONE to read+write", mprotect(none, page, PROT_READ | PROT_WRITE) == 0, strerror(errno));
	check("the page reads zero and takes writes", touch(none, 1) == 0 && none[0] == 1 && none[1] == 0, 0);
	check("mprotect back to PROT_NONE", mprotect(none, page, PROT_NONE) == 0, strerror(errno));
	expect_fault("read after mprotect(PROT_NONE): SIGSEGV SEGV_ACCERR", none, 0, SEGV_ACCERR);

	/* A plain (non-SA_SIGINFO) handler runs too. */
	signal(SIGSEGV, on_plain);
	seen_sig = 0;
	if (sigsetjmp(env, 1) == 0)
		(void)*(volatile char *)none;
	check("a handler without SA_SIGINFO runs", seen_sig == SIGSEGV, 0);

	/* A blocked (or ignored) fault signal kills: the handler is not run. */
	for (int ignore = 0; ignore < 2; ignore++) {
		pid_t pid = fork();
		if (pid == 0) {
			if (ignore) {
				signal(SIGSEGV, SIG_IGN);
			} else {
				sigset_t s;
				sigemptyset(&s);
				sigaddset(&s, SIGSEGV);
				catch_faults(0);
				sigprocmask(SIG_BLOCK, &s, 0);
			}
			(void)*(volatile char *)none;
			_exit(0);
		}
		int status = 0;
		waitpid(pid, &status, 0);
		char detail[64];
		snprintf(detail, sizeof detail, "status %#x", status);
		check(ignore ? "an ignored SIGSEGV still kills on a fault" : "a blocked SIGSEGV still kills on a fault",
		      WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV, detail);
	}
	munmap(none, page);
	munmap(ro, page);
}

static void alternate_stack(void)
{
	stack_t ss, old;
	check("sigaltstack: none at first (SS_DISABLE)", sigaltstack(0, &old) == 0 && (old.ss_flags & SS_DISABLE), 0);
	altsize = 64 * 1024;
	altstack = malloc(altsize);
	ss.ss_sp = altstack;
	ss.ss_size = 1024;
	ss.ss_flags = 0;
	errno = 0;
	check("sigaltstack: a stack below MINSIGSTKSZ is ENOMEM", sigaltstack(&ss, 0) == -1 && errno == ENOMEM,
	      strerror(errno));
	ss.ss_size = altsize;
	ss.ss_flags = 0x10;
	errno = 0;
	check("sigaltstack: unknown flags are EINVAL", sigaltstack(&ss, 0) == -1 && errno == EINVAL, strerror(errno));
	ss.ss_flags = 0;
	check("sigaltstack: set", sigaltstack(&ss, 0) == 0, strerror(errno));
	check("sigaltstack: reads back", sigaltstack(0, &old) == 0 && old.ss_sp == altstack && old.ss_size == altsize &&
					     old.ss_flags == 0, 0);

	/* A stack overflow is caught on the alternate stack. */
	pid_t pid = fork();
	if (pid == 0) {
		catch_faults(SA_ONSTACK);
		if (sigsetjmp(env, 1) == 0)
			recurse(0);
		int on_alt = handler_sp >= (uintptr_t)altstack && handler_sp < (uintptr_t)altstack + altsize;
		_exit(seen_sig == SIGSEGV && on_alt ? 0 : 1);
	}
	int status = 0;
	waitpid(pid, &status, 0);
	char detail[64];
	snprintf(detail, sizeof detail, "status %#x", status);
	check("a stack overflow runs the SA_ONSTACK handler on the alternate stack",
	      WIFEXITED(status) && WEXITSTATUS(status) == 0, detail);

	/* Without SA_ONSTACK the handler runs on the normal stack. */
	catch_faults(0);
	touch(0, 0);
	int on_alt = handler_sp >= (uintptr_t)altstack && handler_sp < (uintptr_t)altstack + altsize;
	check("without SA_ONSTACK the handler uses the normal stack", seen_sig == SIGSEGV && !on_alt, 0);
	ss.ss_flags = SS_DISABLE;
	check("sigaltstack: disable", sigaltstack(&ss, 0) == 0 && sigaltstack(0, &old) == 0 &&
					     (old.ss_flags & SS_DISABLE), 0);
}

static void sharing_and_advice(void)
{
	long page = sysconf(_SC_PAGESIZE);
	char *shared = mmap(0, 2 * page, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	char *priv = mmap(0, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	strcpy(shared, "parent");
	strcpy(priv, "parent");
	pid_t pid = fork();
	if (pid == 0) {
		strcpy(shared, "child");
		strcpy(priv, "child");
		_exit(0);
	}
	waitpid(pid, 0, 0);
	check("MAP_SHARED anonymous memory: the child's write is seen", strcmp(shared, "child") == 0, shared);
	check("MAP_PRIVATE anonymous memory: the child's write is not", strcmp(priv, "parent") == 0, priv);

	check("madvise(MADV_DONTNEED) on private memory", madvise(priv, 2 * page, MADV_DONTNEED) == 0, strerror(errno));
	check("private pages read zero afterwards", priv[0] == 0 && priv[page] == 0, priv);
	check("madvise(MADV_DONTNEED) on shared memory", madvise(shared, page, MADV_DONTNEED) == 0, strerror(errno));
	check("shared pages keep their content", strcmp(shared, "child") == 0, shared);
	check("madvise(MADV_NORMAL/WILLNEED/SEQUENTIAL/RANDOM)",
	      madvise(priv, page, MADV_NORMAL) == 0 && madvise(priv, page, MADV_WILLNEED) == 0 &&
		      madvise(priv, page, MADV_SEQUENTIAL) == 0 && madvise(priv, page, MADV_RANDOM) == 0,
	      strerror(errno));
	errno = 0;
	check("madvise with unknown advice: EINVAL", madvise(priv, page, 999) == -1 && errno == EINVAL, strerror(errno));
	errno = 0;
	check("madvise of an unaligned address: EINVAL", madvise(priv + 1, page, MADV_NORMAL) == -1 && errno == EINVAL,
	      strerror(errno));
	munmap(priv + page, page);
	errno = 0;
	check("madvise over an unmapped page: ENOMEM", madvise(priv, 2 * page, MADV_DONTNEED) == -1 && errno == ENOMEM,
	      strerror(errno));

	/* A huge range with nothing mapped (above both kernels' mappings). */
	void *far = (void *)0x5000000000UL;
	size_t huge = (size_t)1 << 37;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	int unmapped = munmap(far, huge);
	errno = 0;
	int advised = madvise(far, huge, MADV_NORMAL);
	int advise_errno = errno;
	errno = 0;
	int protected = mprotect(far, huge, PROT_READ);
	int protect_errno = errno;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double took = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	char d[96];
	snprintf(d, sizeof d, "munmap %d, madvise %d/%d, mprotect %d/%d, %.3f s", unmapped, advised, advise_errno,
		 protected, protect_errno, took);
	check("munmap of 128 GiB with nothing mapped: 0", unmapped == 0, d);
	check("madvise and mprotect over it: ENOMEM", advised == -1 && advise_errno == ENOMEM && protected == -1 &&
							  protect_errno == ENOMEM, d);
	check("and all three take well under a second", took < 0.5, d);

	/* mremap */
	char *m = mmap(0, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	strcpy(m, "remapped");
	char *g = mremap(m, page, 8 * page, MREMAP_MAYMOVE);
	check("mremap grows (MREMAP_MAYMOVE) keeping the content", g != MAP_FAILED && strcmp(g, "remapped") == 0,
	      strerror(errno));
	if (g != MAP_FAILED) {
		g[7 * page] = 'x';
		check("the grown part is zero-filled and writable", g[7 * page] == 'x' && g[6 * page] == 0, 0);
		char *s = mremap(g, 8 * page, page, 0);
		check("mremap shrinks in place", s == g && strcmp(s, "remapped") == 0, strerror(errno));
		catch_faults(0);
		expect_fault("the cut-off part is unmapped", g + 2 * page, 0, SEGV_MAPERR);
		munmap(g, page);
	}
	errno = 0;
	check("mremap with unknown flags: EINVAL", mremap(m, page, page, 0x80) == MAP_FAILED && errno == EINVAL,
	      strerror(errno));
}

static void file_mappings(void)
{
	long page = sysconf(_SC_PAGESIZE);
	const char *path = "/tmp/xt-memfault.data";
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	char *buf = malloc(2 * page);
	for (long i = 0; i < 2 * page; i++)
		buf[i] = (char)('a' + i % 26);
	write(fd, buf, 2 * page);
	write(fd, "tail", 4);
	close(fd);

	fd = open(path, O_RDONLY);
	char *m = mmap(0, 2 * page + 4, PROT_READ, MAP_PRIVATE, fd, 0);
	check("read-only MAP_PRIVATE file mapping", m != MAP_FAILED, strerror(errno));
	if (m != MAP_FAILED) {
		check("it holds the file's bytes", memcmp(m, buf, 2 * page) == 0 && memcmp(m + 2 * page, "tail", 4) == 0, 0);
		check("past the end of the file the last page reads zero", m[2 * page + 4] == 0 && m[3 * page - 1] == 0, 0);
		catch_faults(0);
		expect_fault("a write to it: SIGSEGV SEGV_ACCERR", m + 100, 1, SEGV_ACCERR);
		munmap(m, 2 * page + 4);
	}
	m = mmap(0, page, PROT_READ, MAP_PRIVATE, fd, page);
	check("a mapping at a page offset holds that page", m != MAP_FAILED && memcmp(m, buf + page, page) == 0,
	      strerror(errno));
	errno = 0;
	check("an unaligned offset: EINVAL", mmap(0, page, PROT_READ, MAP_PRIVATE, fd, 100) == MAP_FAILED &&
						     errno == EINVAL, strerror(errno));
	char *w = mmap(0, page, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	check("a writable MAP_PRIVATE mapping of a read-only descriptor", w != MAP_FAILED, strerror(errno));
	if (w != MAP_FAILED) {
		memcpy(w, "PRIVATE", 7);
		char first[8] = { 0 };
		lseek(fd, 0, SEEK_SET);
		read(fd, first, 7);
		check("writes to it stay private (the file is unchanged)", memcmp(w, "PRIVATE", 7) == 0 &&
										  memcmp(first, buf, 7) == 0, first);
	}
	close(fd);
	if (w != MAP_FAILED)
		check("the mapping outlives its descriptor", memcmp(w, "PRIVATE", 7) == 0 && w[7] == buf[7], 0);

	fd = open(path, O_WRONLY);
	errno = 0;
	check("mapping a write-only descriptor: EACCES",
	      mmap(0, page, PROT_READ, MAP_PRIVATE, fd, 0) == MAP_FAILED && errno == EACCES, strerror(errno));
	close(fd);
	fd = open("/tmp", O_RDONLY | O_DIRECTORY);
	errno = 0;
	check("mapping a directory: ENODEV", mmap(0, page, PROT_READ, MAP_PRIVATE, fd, 0) == MAP_FAILED && errno == ENODEV,
	      strerror(errno));
	close(fd);
	errno = 0;
	check("mapping a bad descriptor: EBADF", mmap(0, page, PROT_READ, MAP_PRIVATE, 99, 0) == MAP_FAILED &&
							 errno == EBADF, strerror(errno));
	unlink(path);
}

int main(void)
{
	setvbuf(stdout, 0, _IOLBF, 0);
	protections();
	alternate_stack();
	sharing_and_advice();
	file_mappings();
	if (failures) {
		printf("xt-memfault: %d checks FAILED\n", failures);
		return 1;
	}
	puts("xt-memfault: all checks passed");
	return 0;
}
