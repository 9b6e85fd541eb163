/*
 * xt-oom: exhausts memory in several ways and checks that the system
 * survives (issue 5, "Bad input and limits"). Every hog runs in its own
 * child, so a kernel that answers with SIGKILL (Linux's OOM killer, or a
 * copy-on-write fault with no free frame) ends the child, not this program.
 * Each case prints one line; the last line is "xt-oom: survived".
 *
 * Bounded so it ends quickly on a 512 MiB Linux guest: hogs stop at 2 GiB,
 * the tmpfs file at 48 MiB, files at 40000, forks at 400.
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
#define FILE_COUNT_CAP 40000
/* 174 bytes: each directory entry costs the kernel heap more. */
#define LONG_NAME "a-long-name-so-that-each-entry-costs-the-kernel-more-heap-a-long-name-so-that-each-entry-costs-the-kernel-more-heap-a-long-name-so-that-each-entry-costs-the-kernel-more-heap-"

static void touch(char *p, long len)
{
	for (long i = 0; i < len; i += 4096)
		p[i] = 1;
}

/* Runs `fn` in a child and reports how it ended. */
static void in_child(const char *name, void (*fn)(void))
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0) {
		printf("xt-oom: %s: fork: %s\n", name, strerror(errno));
		return;
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
}

static void hog_malloc(void)
{
	long mib = 0;
	while (mib < HOG_CAP_MIB) {
		char *p = malloc(MIB);
		if (!p)
			break;
		touch(p, MIB);
		mib++;
	}
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
	long mib = 0;
	int err = 0;
	while (mib < HOG_CAP_MIB) {
		char *p = mmap(NULL, MIB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED) {
			err = errno;
			break;
		}
		touch(p, MIB);
		mib++;
	}
	printf("xt-oom: mmap: stopped after %ld MiB (%s)\n", mib, err ? strerror(err) : "cap");
}

/*
 * Takes every free page, gives a few back (enough page tables for a fork),
 * then forks: parent and child now share all pages copy-on-write, and their
 * first writes need frames that are not there.
 */
static void hog_cow(void)
{
	long mib = 0;
	char *first = NULL, *last = NULL;
	while (mib < HOG_CAP_MIB) {
		char *p = mmap(NULL, MIB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			break;
		touch(p, MIB);
		if (!first)
			first = p;
		last = p;
		mib++;
	}
	int pages = 0;
	while (pages < 4096) {
		char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			break;
		p[0] = 1;
		pages++;
	}
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
		close(fds[0]);
		long mib = 0;
		while (mib < HOG_CAP_MIB) {
			char *p = mmap(NULL, MIB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			if (p == MAP_FAILED)
				break;
			touch(p, MIB);
			mib++;
		}
		for (int i = 0; i < 4096; i++) {
			char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			if (p == MAP_FAILED)
				break;
			p[0] = 1;
		}
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

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	in_child("malloc", hog_malloc);
	in_child("brk", big_brk);
	in_child("mmap", hog_mmap);
	in_child("cow", hog_cow);
	in_child("oomkill", oom_kill_other);
	in_child("tmpfs", fill_tmpfs);
	in_child("files", many_files);
	in_child("fork", fork_many);
	in_child("pipes", many_pipes);
	/* Everything is given back: the system still forks and allocates. */
	in_child("after", hog_malloc);
	puts("xt-oom: survived");
	return 0;
}
