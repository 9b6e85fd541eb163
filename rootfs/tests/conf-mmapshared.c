/*
 * xt-conf-mmapshared [DIR]: MAP_SHARED mappings of regular files against
 * Linux (output contract in conf.h), in DIR (default /tmp/xt-conf-mmapshared;
 * the ext2 scenario passes a directory on /mnt): stores through a mapping
 * seen by read() and write() seen through it, across fork and between two
 * processes mapping the same file, two mappings in one process, msync and
 * its argument checks, the last partial page (zeros, not written to the
 * file), SIGBUS past the end and after truncation, EACCES rules with
 * mprotect, MAP_SHARED of /dev/zero, data kept after munmap. It leaves
 * `persist-msync` and `persist-munmap` in DIR for the scenario to read
 * after a remount.
 */
#include "conf.h"

#include <fcntl.h>
#include <setjmp.h>
#include <stdint.h>
#include <sys/mman.h>

#define PAGE 4096UL

static const char *DIR0 = "/tmp/xt-conf-mmapshared";

static sigjmp_buf jump;
static volatile int fault_sig, fault_code;

static void on_fault(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	fault_sig = sig;
	fault_code = si->si_code;
	siglongjmp(jump, 1);
}

/* Touches addr (read or write) and says what happened: `ok`, `ok 0x..` (the byte read) or the signal. */
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
		if (write) {
			*addr = 'w';
			say(name, "ok");
		} else {
			say(name, "ok 0x%02x", (unsigned char)*addr);
		}
	} else {
		const char *code = fault_sig == SIGBUS && fault_code == BUS_ADRERR ? "BUS_ADRERR"
			: fault_sig == SIGSEGV && fault_code == SEGV_ACCERR      ? "SEGV_ACCERR"
			: fault_sig == SIGSEGV && fault_code == SEGV_MAPERR      ? "SEGV_MAPERR"
										  : "other";
		say(name, "%s %s", signame(fault_sig), code);
	}
	signal(SIGSEGV, SIG_DFL);
	signal(SIGBUS, SIG_DFL);
}

/* A file of `size` bytes of `fill`, open O_RDWR. */
static int make(const char *path, size_t size, int fill)
{
	int fd = open(path, O_CREAT | O_TRUNC | O_RDWR, 0644);
	char buf[PAGE];
	memset(buf, fill, sizeof buf);
	for (size_t done = 0; done < size;) {
		size_t n = size - done < PAGE ? size - done : PAGE;
		if (write(fd, buf, n) != (ssize_t)n)
			break;
		done += n;
	}
	return fd;
}

static char byte_at(int fd, off_t off)
{
	char c = 0;
	if (pread(fd, &c, 1, off) != 1)
		return '?';
	return c;
}

static void coherence(void)
{
	int fd = make("coherent", 3 * PAGE, 'a');
	char *m = mmap(0, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	say("map.read-write", "%s", m == MAP_FAILED ? rtext(-1, errno) : "mapped");
	if (m == MAP_FAILED)
		return;
	say("map.content", "%c%c%c", m[0], m[PAGE], m[3 * PAGE - 1]);
	m[10] = 'S';
	m[2 * PAGE + 5] = 'T';
	say("store.read-sees", "%c%c", byte_at(fd, 10), byte_at(fd, 2 * PAGE + 5));
	char buf[16] = { 0 };
	lseek(fd, 8, SEEK_SET);
	say("store.read-sees.range", "%s", read(fd, buf, 4) == 4 && memcmp(buf, "aaSa", 4) == 0 ? "yes" : "no");
	pwrite(fd, "W", 1, PAGE + 1);
	say("write.load-sees", "%c", m[PAGE + 1]);
	pwrite(fd, "XYZ", 3, PAGE - 1);
	say("write.load-sees.across-pages", "%c%c%c", m[PAGE - 1], m[PAGE], m[PAGE + 1]);

	/* A second mapping of the same file in this process. */
	char *m2 = mmap(0, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, PAGE);
	if (m2 != MAP_FAILED) {
		m2[100] = 'Q';
		say("second-mapping.sees-store", "%c", m[PAGE + 100]);
		m[PAGE + 101] = 'R';
		say("second-mapping.sees-other", "%c", m2[101]);
		munmap(m2, PAGE);
	}
	/* A private mapping made now copies what the shared one holds. */
	char *pm = mmap(0, PAGE, PROT_READ, MAP_PRIVATE, fd, 0);
	if (pm != MAP_FAILED) {
		say("private-mapping.sees-stores", "%c", pm[10]);
		munmap(pm, PAGE);
	}

	/* read() into the mapping of the same file, write() from it. */
	pwrite(fd, "0123456789", 10, 2 * PAGE + 100);
	say("read-into-mapping", "%ld", (long)pread(fd, m + 200, 10, 2 * PAGE + 100));
	say("read-into-mapping.file", "%c%c", byte_at(fd, 200), byte_at(fd, 209));
	int other = open("other", O_CREAT | O_TRUNC | O_RDWR, 0644);
	say("write-from-mapping", "%ld", (long)write(other, m + 200, 10));
	say("write-from-mapping.file", "%c%c", byte_at(other, 0), byte_at(other, 9));
	close(other);

	/* Across fork: each sees the other's stores. */
	pid_t c = fork();
	if (c == 0) {
		m[20] = 'C';
		pwrite(fd, "D", 1, 21);
		while (m[22] != 'P')
			msleep(5);
		_exit(m[23] == 'E' ? 0 : 1);
	}
	for (int i = 0; i < 400 && m[21] != 'D'; i++)
		msleep(5);
	say("fork.parent-sees-child-store", "%c", m[20]);
	say("fork.parent-sees-child-write", "%c", m[21]);
	m[23] = 'E';
	m[22] = 'P';
	int st = 0;
	say("fork.child-sees-parent-store", "%s", wait_deadline(c, &st, 3000) == 0 && st == 0 ? "yes" : "no");

	/* Two processes mapping the file each for itself. */
	c = fork();
	if (c == 0) {
		int fd2 = open("coherent", O_RDWR);
		char *n = mmap(0, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd2, 0);
		if (n == MAP_FAILED)
			_exit(2);
		n[30] = 'K';
		while (n[31] != 'L')
			msleep(5);
		_exit(0);
	}
	for (int i = 0; i < 400 && m[30] != 'K'; i++)
		msleep(5);
	say("two-processes.sees-other-store", "%c", m[30]);
	m[31] = 'L';
	say("two-processes.other-sees-store", "%s", wait_deadline(c, &st, 3000) == 0 && st == 0 ? "yes" : "no");

	/* MADV_DONTNEED keeps the file's content. */
	m[40] = 'M';
	T("madvise.dontneed", madvise(m, PAGE, MADV_DONTNEED));
	say("madvise.dontneed.content", "%c", m[40]);

	/* fsync after a store. */
	m[50] = 'F';
	T("fsync", fsync(fd));
	say("fsync.file", "%c", byte_at(fd, 50));
	munmap(m, 3 * PAGE);
	close(fd);
}

static void msync_cases(void)
{
	int fd = make("msync", 2 * PAGE, 'm');
	char *m = mmap(0, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED) {
		say("msync.map", "%s", rtext(-1, errno));
		return;
	}
	m[0] = 's';
	T("msync.sync", msync(m, 2 * PAGE, MS_SYNC));
	say("msync.sync.file", "%c", byte_at(fd, 0));
	T("msync.async", msync(m, PAGE, MS_ASYNC));
	T("msync.invalidate", msync(m, PAGE, MS_INVALIDATE));
	T("msync.sync-invalidate", msync(m, PAGE, MS_SYNC | MS_INVALIDATE));
	T("msync.no-flags", msync(m, PAGE, 0));
	T("msync.sync-and-async", msync(m, PAGE, MS_SYNC | MS_ASYNC));
	T("msync.unknown-flag", msync(m, PAGE, 8));
	T("msync.unaligned", syscall(SYS_msync, m + 1, PAGE, MS_SYNC));
	T("msync.zero-length", msync(m, 0, MS_SYNC));
	T("msync.partial-length", msync(m, 10, MS_SYNC));
	munmap(m + PAGE, PAGE);
	T("msync.partly-unmapped", msync(m, 2 * PAGE, MS_SYNC));
	T("msync.unmapped", msync(m + PAGE, PAGE, MS_SYNC));
	char *anon = mmap(0, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	T("msync.anonymous", msync(anon, PAGE, MS_SYNC));
	munmap(m, PAGE);
	close(fd);

	/* For the scenario: msync'd data, and data only munmapped. */
	fd = make("persist-msync", 100, '-');
	m = mmap(0, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (m != MAP_FAILED) {
		memcpy(m, "msync'd through the mapping", 27);
		T("persist.msync", msync(m, PAGE, MS_SYNC));
		munmap(m, PAGE);
	}
	close(fd);
	fd = make("persist-munmap", 100, '-');
	m = mmap(0, 100, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (m != MAP_FAILED) {
		memcpy(m, "stored then munmapped", 21);
		T("persist.munmap", munmap(m, 100));
	}
	close(fd);
	fd = open("persist-munmap", O_RDONLY);
	char buf[32] = { 0 };
	read(fd, buf, 21);
	say("munmap.file-keeps-data", "%s", buf);
	close(fd);

	/* Still mapped and stored to while the periodic flusher runs (5 s). */
	fd = make("flusher", PAGE, 'f');
	m = mmap(0, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (m != MAP_FAILED) {
		m[0] = 'A';
		msleep(6000);
		m[1] = 'B';
		say("flusher.mapping-coherent", "%c%c", byte_at(fd, 0), byte_at(fd, 1));
		munmap(m, PAGE);
	}
	close(fd);
}

static void eof_cases(void)
{
	/* 100 bytes: the rest of page 0 reads zeros; page 1 is past the end. */
	int fd = make("eof", 100, 'e');
	char *m = mmap(0, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED) {
		say("eof.map", "%s", rtext(-1, errno));
		return;
	}
	touch("eof.last-byte", m + 99, 0);
	touch("eof.past-end-same-page", m + 100, 0);
	touch("eof.page-end", m + PAGE - 1, 0);
	touch("eof.store-past-end-same-page", m + 200, 1);
	struct stat s;
	fstat(fd, &s);
	say("eof.store-past-end.size", "%ld", (long)s.st_size);
	char buf[PAGE];
	say("eof.store-past-end.read", "%ld", (long)pread(fd, buf, PAGE, 0));
	T("eof.msync", msync(m, PAGE, MS_SYNC));
	fstat(fd, &s);
	say("eof.msync.size", "%ld", (long)s.st_size);
	touch("eof.next-page-read", m + PAGE, 0);
	touch("eof.next-page-write", m + PAGE + 1, 1);
	touch("eof.last-page", m + 3 * PAGE - 1, 0);
	T("eof.write-from-past-end", write(fd, m + PAGE, 1));

	/* Truncation: pages past the new end are SIGBUS, the cut tail zeros. */
	int t = make("truncate", 3 * PAGE, 't');
	char *tm = mmap(0, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, t, 0);
	if (tm != MAP_FAILED) {
		touch("truncate.before", tm + 2 * PAGE, 0);
		T("truncate.shrink", ftruncate(t, PAGE + 10));
		touch("truncate.kept-page", tm + PAGE + 9, 0);
		touch("truncate.cut-tail", tm + PAGE + 10, 0);
		touch("truncate.gone-page", tm + 2 * PAGE, 0);
		touch("truncate.gone-page-write", tm + 2 * PAGE + 1, 1);
		tm[0] = 'x';
		say("truncate.first-page-coherent", "%c", byte_at(t, 0));
		int again = open("truncate", O_RDWR | O_TRUNC);
		touch("truncate.o-trunc.first-page", tm, 0);
		close(again);
	}
	close(t);
	close(fd);
}

static void access_cases(void)
{
	int fd = make("access", PAGE, 'r');
	close(fd);
	int ro = open("access", O_RDONLY);
	int wo = open("access", O_WRONLY);
	TOK("access.write-on-readonly-fd", mmap(0, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, ro, 0));
	TOK("access.read-on-writeonly-fd", mmap(0, PAGE, PROT_READ, MAP_SHARED, wo, 0));
	TOK("access.validate-write-on-readonly-fd", mmap(0, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED_VALIDATE, ro, 0));
	char *r = mmap(0, PAGE, PROT_READ, MAP_SHARED, ro, 0);
	say("access.read-on-readonly-fd", "%s", r == MAP_FAILED ? rtext(-1, errno) : "mapped");
	if (r != MAP_FAILED) {
		say("access.read-on-readonly-fd.content", "%c", r[0]);
		touch("access.readonly-store", r, 1);
		T("access.mprotect-write-readonly-fd", mprotect(r, PAGE, PROT_READ | PROT_WRITE));
		T("access.mprotect-exec-readonly-fd", mprotect(r, PAGE, PROT_READ | PROT_EXEC));
		T("access.mprotect-none", mprotect(r, PAGE, PROT_NONE));
		touch("access.none-read", r, 0);
	}
	/* mprotect of a writable shared mapping. */
	int rw = open("access", O_RDWR);
	char *w = mmap(0, PAGE, PROT_READ, MAP_SHARED, rw, 0);
	if (w != MAP_FAILED) {
		touch("access.read-only-mapping-store", w, 1);
		T("access.mprotect-write", mprotect(w, PAGE, PROT_READ | PROT_WRITE));
		touch("access.after-mprotect-store", w + 5, 1);
		say("access.after-mprotect.file", "%c", byte_at(rw, 5));
		T("access.mprotect-read", mprotect(w, PAGE, PROT_READ));
		touch("access.after-mprotect-read-store", w + 6, 1);
	}
	/* The descriptor may close: the mapping stays. */
	char *k = mmap(0, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, rw, 0);
	close(rw);
	if (k != MAP_FAILED) {
		k[7] = 'k';
		int again = open("access", O_RDONLY);
		say("access.after-close.store-seen", "%c", byte_at(again, 7));
		close(again);
	}
	/* Unlinked while mapped: the mapping still works. */
	int u = make("unlinked", PAGE, 'u');
	char *um = mmap(0, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, u, 0);
	unlink("unlinked");
	if (um != MAP_FAILED) {
		um[1] = 'U';
		say("unlinked.store-read", "%c", byte_at(u, 1));
	}
	close(u);
	/* An offset past the end: the whole mapping is SIGBUS. */
	int o = make("offset", PAGE, 'o');
	char *om = mmap(0, PAGE, PROT_READ, MAP_SHARED, o, 4 * PAGE);
	say("offset.past-end", "%s", om == MAP_FAILED ? rtext(-1, errno) : "mapped");
	if (om != MAP_FAILED)
		touch("offset.past-end.touch", om, 0);
	char *om2 = mmap(0, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, o, 0);
	if (om2 != MAP_FAILED)
		say("offset.zero", "%c", om2[0]);
	close(o);
}

static void devzero_cases(void)
{
	int z = open("/dev/zero", O_RDWR);
	int *sh = mmap(0, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, z, 0);
	say("devzero.shared", "%s", sh == MAP_FAILED ? rtext(-1, errno) : "mapped");
	if (sh != MAP_FAILED) {
		say("devzero.shared.zeroed", "%s", yesno(sh[0] == 0 && sh[PAGE / 4 - 1] == 0));
		pid_t c = fork();
		if (c == 0) {
			*sh = 42;
			_exit(0);
		}
		waitpid(c, 0, 0);
		say("devzero.shared.child-store-seen", "%d", *sh);
	}
	int *pr = mmap(0, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, z, 0);
	say("devzero.private", "%s", pr == MAP_FAILED ? rtext(-1, errno) : "mapped");
	if (pr != MAP_FAILED) {
		pid_t c = fork();
		if (c == 0) {
			*pr = 42;
			_exit(0);
		}
		waitpid(c, 0, 0);
		say("devzero.private.child-store-seen", "%s", yesno(*pr == 42));
	}
	int zr = open("/dev/zero", O_RDONLY);
	TOK("devzero.shared-write-on-readonly-fd", mmap(0, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, zr, 0));
}

int main(int argc, char **argv)
{
	begin();
	const char *dir = argc > 1 ? argv[1] : DIR0;
	scratch(dir);
	sub("coherence", coherence, 20);
	sub("msync", msync_cases, 20);
	sub("eof", eof_cases, 20);
	sub("access", access_cases, 20);
	sub("devzero", devzero_cases, 20);
	return 0;
}
