/*
 * xt-oom [CASE...]: exhausts memory and kernel tables in several ways and
 * checks that the system survives (issue 5, "Bad input and limits"). Every
 * case runs in its own child, so a kernel that answers with SIGKILL (Linux's
 * OOM killer, or a copy-on-write fault with no free frame) ends the child,
 * not this program. Each case prints its lines; the last line is
 * "xt-oom: survived". With no argument every case runs, in this order:
 *
 *   malloc   malloc until NULL          brk      one brk step beyond RAM
 *   mmap     anonymous mmap until fail  cow      fork with all memory shared
 *   oomkill  the OOM victim is the hog  tmpfs    a tmpfs file until ENOSPC
 *   files    empty files until ENOSPC   fork     children until fork fails
 *   pipes    full pipes until failure   after    memory came back
 *
 * The scenario (phase-d) runs them in groups, one guest each, so the groups
 * run in parallel.
 *
 * Bounded so it ends quickly on a 512 MiB Linux guest: hogs stop at 2 GiB,
 * the tmpfs file at 48 MiB, files at 20000, forks at 400. The file cap is
 * there for Linux (whose tmpfs takes 65536 inodes here, 12 s of TCG for
 * 40000); the in-tree kernel's 16 MiB heap gives ENOSPC at about 15,200
 * files with these 255-byte names, below the cap: raise it with the heap.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define MIB (1024L * 1024L)
#define HOG_CAP_MIB 2048
#define FILE_CAP_MIB 48
#define FORK_CAP 400
#define FILE_COUNT_CAP 20000
/* 249 bytes (+ 6 digits: NAME_MAX): each directory entry costs the kernel heap more. */
#define LONG_NAME                                                                                          \
	"a-long-name-so-that-each-entry-costs-the-kernel-more-heap-a-long-name-so-that-each-entry-costs-the-" \
	"kernel-more-heap-a-long-name-so-that-each-entry-costs-the-kernel-more-heap-a-long-name-so-that-eac" \
	"h-entry-costs-the-kernel-more-heap-a-long-name-so-th"

/*
 * MiB the memory hogs got, in a page shared with every child: a hog the
 * OOM killer ends cannot report, so it publishes its progress as it goes.
 */
struct shared {
	long first_mib; /* the farthest hog before `after` */
	long mib;       /* the hog running now */
};
static volatile struct shared *shared;

/* Volatile: the compiler must not drop writes to memory nobody reads. */
static void touch(char *p, long len)
{
	volatile char *q = p;
	for (long i = 0; i < len; i += 4096)
		q[i] = 1;
}

/*
 * Maps and touches anonymous memory until mmap refuses or the cap: 1 MiB
 * chunks, then up to `pages` single pages. Returns the MiB taken; `first`
 * and `last` are the first and last chunks (the cow case gives part of
 * `last` back).
 */
static long fill(int pages, int *err, char **first, char **last, int *got_pages)
{
	long mib = 0;
	*err = 0;
	while (mib < HOG_CAP_MIB) {
		char *p = mmap(NULL, MIB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED) {
			*err = errno;
			break;
		}
		touch(p, MIB);
		if (first && !*first)
			*first = p;
		if (last)
			*last = p;
		mib++;
		shared->mib = mib;
	}
	int n = 0;
	while (n < pages) {
		char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			break;
		p[0] = 1;
		n++;
	}
	if (got_pages)
		*got_pages = n;
	return mib;
}

/* Runs `fn` in a child and reports how it ended; returns the MiB the
 * child's memory hog reached (0 when it ran none). */
static long in_child(const char *name, void (*fn)(void))
{
	shared->mib = 0;
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0) {
		printf("xt-oom: %s: fork: %s\n", name, strerror(errno));
		return 0;
	}
	if (pid == 0) {
		/* Writes stdout's buffer now, while a copy-on-write page is cheap. */
		printf("xt-oom: %s: start\n", name);
		fn();
		fflush(stdout);
		_exit(0);
	}
	int status;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFSIGNALED(status))
		printf("xt-oom: %s: child killed by signal %d\n", name, WTERMSIG(status));
	else
		printf("xt-oom: %s: child exited %d\n", name, WEXITSTATUS(status));
	return shared->mib;
}

/* malloc (1 MiB blocks) until NULL or the cap. */
static long malloc_all(void)
{
	long mib = 0;
	while (mib < HOG_CAP_MIB) {
		char *p = malloc(MIB);
		if (!p)
			break;
		touch(p, MIB);
		mib++;
		shared->mib = mib;
	}
	return mib;
}

static void hog_malloc(void)
{
	long mib = malloc_all();
	printf("xt-oom: malloc: stopped after %ld MiB\n", mib);
}

/*
 * One brk step larger than RAM here (not touched: Linux may overcommit).
 * Raw syscalls: musl's sbrk refuses any nonzero increment.
 */
static void big_brk(void)
{
	long cur = syscall(SYS_brk, 0);
	long r = syscall(SYS_brk, cur + (1L << 30));
	printf("xt-oom: brk: +1 GiB: %s\n", r == cur + (1L << 30) ? "ok" : "refused");
	syscall(SYS_brk, cur);
	/* A small step still works after the refusal. */
	r = syscall(SYS_brk, cur + 64 * 1024);
	if (r != cur + 64 * 1024)
		printf("xt-oom: brk: +64 KiB after it: refused\n");
	else
		memset((char *)cur, 1, 64 * 1024);
}

static void hog_mmap(void)
{
	int err;
	long mib = fill(0, &err, NULL, NULL, NULL);
	printf("xt-oom: mmap: stopped after %ld MiB (%s)\n", mib, err ? strerror(err) : "cap");
}

/*
 * Takes every free page, gives a few back (enough page tables for a fork),
 * then forks: parent and child now share all pages copy-on-write, and their
 * first writes need frames that are not there.
 */
static void hog_cow(void)
{
	int err, pages;
	char *first = NULL, *last = NULL;
	long mib = fill(4096, &err, &first, &last, &pages);
	/* Half a MiB back: page tables for the fork, not copies for 1 MiB. */
	if (last && last != first)
		munmap(last, MIB / 2);
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		/* Writes to shared pages: a copy each. */
		if (first && last != first)
			touch(first, MIB);
		_exit(0);
	}
	if (pid < 0) {
		printf("xt-oom: cow: fork under pressure: %s\n", strerror(errno));
		return;
	}
	int status;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	printf("xt-oom: cow: held %ld MiB + %d pages; grandchild %s %d\n", mib, pages,
	       WIFSIGNALED(status) ? "killed by signal" : "exited", WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
}

/*
 * The OOM killer picks the biggest process, not whoever faults: a hog takes
 * every free page and waits; then this (small) process writes to pages it
 * shares copy-on-write with the hog. The hog must die, the writer live.
 * (Linux kills the hog while it is still allocating: same outcome.)
 */
static char shared_buf[256 * 1024];

static void oom_kill_other(void)
{
	int fds[2];
	memset(shared_buf, 1, sizeof shared_buf);
	if (pipe(fds) < 0) {
		printf("xt-oom: oomkill: pipe: %s\n", strerror(errno));
		return;
	}
	fflush(stdout);
	pid_t hog = fork();
	if (hog < 0) {
		printf("xt-oom: oomkill: fork: %s\n", strerror(errno));
		return;
	}
	if (hog == 0) {
		int err;
		close(fds[0]);
		fill(4096, &err, NULL, NULL, NULL);
		write(fds[1], "x", 1);
		for (;;)
			pause();
	}
	close(fds[1]);
	char c;
	while (read(fds[0], &c, 1) < 0 && errno == EINTR)
		;
	close(fds[0]);
	/* Copies of shared pages, with no free frame left. */
	memset(shared_buf, 2, sizeof shared_buf);
	int status;
	pid_t r = waitpid(hog, &status, WNOHANG);
	if (r == 0) {
		kill(hog, SIGTERM);
		waitpid(hog, &status, 0);
		printf("xt-oom: oomkill: writer survived; hog was still alive (memory to spare?)\n");
	} else if (r == hog && WIFSIGNALED(status)) {
		printf("xt-oom: oomkill: writer survived; hog killed by signal %d\n", WTERMSIG(status));
	} else {
		printf("xt-oom: oomkill: writer survived; hog ended otherwise\n");
	}
}

/* Everything the hogs took is back (main compares how far it got). */
static void after(void)
{
	long mib = malloc_all();
	printf("xt-oom: after: malloc stopped after %ld MiB\n", mib);
}

static void fill_tmpfs(void)
{
	const char *path = "/tmp/xt-oom.fill";
	static char chunk[64 * 1024];
	memset(chunk, 'x', sizeof chunk);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0) {
		printf("xt-oom: tmpfs: open: %s\n", strerror(errno));
		return;
	}
	long written = 0;
	int err = 0;
	while (written < FILE_CAP_MIB * MIB) {
		ssize_t n = write(fd, chunk, sizeof chunk);
		if (n < 0) {
			err = errno;
			break;
		}
		written += n;
	}
	printf("xt-oom: tmpfs: stopped after %ld KiB (%s)\n", written / 1024, err ? strerror(err) : "cap");
	/* A write far past the end: a sparse file on Linux, ENOSPC/EFBIG here. */
	errno = 0;
	ssize_t n = -1;
	if (lseek(fd, 1L << 40, SEEK_SET) >= 0)
		n = write(fd, "y", 1);
	printf("xt-oom: tmpfs: write at 1 TiB: %s\n", n == 1 ? "ok" : strerror(errno));
	close(fd);
	if (unlink(path) < 0)
		printf("xt-oom: tmpfs: unlink: %s\n", strerror(errno));
	/* The space is back: a small file works again. */
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, chunk, sizeof chunk) != (ssize_t)sizeof chunk)
		printf("xt-oom: tmpfs: small write after unlink failed: %s\n", strerror(errno));
	if (fd >= 0)
		close(fd);
	unlink(path);
}

/* Empty files in one directory until creat fails or FILE_COUNT_CAP; lists
 * the directory (a listing larger than the kernel's spare heap), then
 * removes them. */
static void many_files(void)
{
	const char *dir = "/tmp/xt-oom.d";
	char path[320];
	if (mkdir(dir, 0700) < 0) {
		printf("xt-oom: files: mkdir: %s\n", strerror(errno));
		return;
	}
	int n = 0, err = 0;
	while (n < FILE_COUNT_CAP) {
		snprintf(path, sizeof path, "%s/%s%06d", dir, LONG_NAME, n);
		int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
		if (fd < 0) {
			err = errno;
			break;
		}
		close(fd);
		n++;
	}
	int listed = 0;
	DIR *d = opendir(dir);
	if (d) {
		struct dirent *e;
		while ((e = readdir(d)))
			listed++;
		closedir(d);
	} else {
		printf("xt-oom: files: opendir: %s\n", strerror(errno));
	}
	int removed = 0;
	for (int i = 0; i < n; i++) {
		snprintf(path, sizeof path, "%s/%s%06d", dir, LONG_NAME, i);
		if (unlink(path) == 0)
			removed++;
	}
	rmdir(dir);
	printf("xt-oom: files: %d created (%s), %d listed, %d removed\n", n, err ? strerror(err) : "cap", listed - 2,
	       removed);
	if (listed - 2 != n || removed != n)
		printf("xt-oom: files: FAILED: every file created must be listed and removed\n");
}

/* Forks children that wait on a pipe until fork fails or FORK_CAP. */
static void fork_many(void)
{
	int fds[2];
	if (pipe(fds) < 0) {
		printf("xt-oom: fork: pipe: %s\n", strerror(errno));
		return;
	}
	int n = 0, err = 0;
	fflush(stdout);
	while (n < FORK_CAP) {
		pid_t pid = fork();
		if (pid < 0) {
			err = errno;
			break;
		}
		if (pid == 0) {
			char c;
			close(fds[1]);
			while (read(fds[0], &c, 1) < 0 && errno == EINTR)
				;
			_exit(0);
		}
		n++;
	}
	close(fds[1]); /* EOF: every child exits. */
	close(fds[0]);
	int reaped = 0;
	while (wait(NULL) > 0)
		reaped++;
	printf("xt-oom: fork: %d children (%s), %d reaped\n", n, err ? strerror(err) : "cap", reaped);
	if (reaped != n)
		printf("xt-oom: fork: FAILED: every child must be reaped\n");
}

/* Many pipes, each with a full buffer, until pipe() fails or 256. */
static void many_pipes(void)
{
	static char chunk[4096];
	int n = 0, err = 0;
	while (n < 256) {
		int fds[2];
		if (pipe(fds) < 0) {
			err = errno;
			break;
		}
		fcntl(fds[1], F_SETFL, O_NONBLOCK);
		while (write(fds[1], chunk, sizeof chunk) > 0)
			;
		n++;
	}
	printf("xt-oom: pipes: %d full pipes (%s)\n", n, err ? strerror(err) : "cap");
}

static const struct {
	const char *name;
	void (*fn)(void);
} cases[] = {
	{"malloc", hog_malloc}, {"brk", big_brk},     {"mmap", hog_mmap}, {"cow", hog_cow},
	{"oomkill", oom_kill_other}, {"tmpfs", fill_tmpfs}, {"files", many_files}, {"fork", fork_many},
	{"pipes", many_pipes},  {"after", after},
};
#define NCASES (sizeof cases / sizeof cases[0])

static int usage(void)
{
	fprintf(stderr, "usage: xt-oom [CASE...]; cases:");
	for (size_t i = 0; i < NCASES; i++)
		fprintf(stderr, " %s", cases[i].name);
	fprintf(stderr, "\n");
	return 2;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shared == MAP_FAILED) {
		printf("xt-oom: shared page: %s\n", strerror(errno));
		return 1;
	}
	for (int i = 1; i < argc; i++) {
		size_t c = 0;
		while (c < NCASES && strcmp(argv[i], cases[c].name) != 0)
			c++;
		if (c == NCASES)
			return usage();
	}
	for (size_t c = 0; c < NCASES; c++) {
		int chosen = argc == 1;
		for (int i = 1; i < argc; i++)
			chosen |= strcmp(argv[i], cases[c].name) == 0;
		if (!chosen)
			continue;
		long mib = in_child(cases[c].name, cases[c].fn);
		const char *name = cases[c].name;
		if (strcmp(name, "after") != 0) {
			/* The hogs before `after` (malloc, mmap, cow, oomkill) are the
			 * measure of all memory. */
			if (mib > shared->first_mib)
				shared->first_mib = mib;
		} else {
			/* Everything is given back: as far as the hogs before it, give or
			 * take Linux's page cache and slabs (three quarters). */
			long first = shared->first_mib;
			if (first)
				printf("xt-oom: after: reached %ld MiB, the hogs before it %ld MiB: %s\n", mib, first,
				       mib >= first * 3 / 4 ? "ok" : "FAILED, memory leaked");
			else
				printf("xt-oom: after: reached %ld MiB\n", mib);
		}
	}
	puts("xt-oom: survived");
	return 0;
}
