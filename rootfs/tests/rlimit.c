/*
 * xt-rlimit: resource limits. Linux's defaults for a process the kernel
 * started (the ones that do not depend on the size of RAM), setrlimit's
 * rules (soft <= hard, raising the hard limit needs privilege),
 * prlimit64 on another process, RLIMIT_NOFILE enforced (EMFILE, EBADF,
 * EINVAL), and limits kept across fork and exec. Run as root. One
 * `name: result` line per check; exit 0 only when every check held.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

static int failures;

static void check(const char *what, int ok, const char *detail)
{
	if (ok)
		printf("xt-rlimit: %s: ok\n", what);
	else
		printf("xt-rlimit: %s: FAILED (%s)\n", what, detail ? detail : "");
	if (!ok)
		failures++;
}

static void show(const char *name, int resource)
{
	struct rlimit r;
	char cur[32], max[32];
	if (getrlimit(resource, &r) != 0) {
		printf("xt-rlimit: %s: error %s\n", name, strerror(errno));
		return;
	}
	if (r.rlim_cur == RLIM_INFINITY)
		strcpy(cur, "unlimited");
	else
		snprintf(cur, sizeof cur, "%llu", (unsigned long long)r.rlim_cur);
	if (r.rlim_max == RLIM_INFINITY)
		strcpy(max, "unlimited");
	else
		snprintf(max, sizeof max, "%llu", (unsigned long long)r.rlim_max);
	printf("xt-rlimit: %s: %s %s\n", name, cur, max);
}

static int child_status(pid_t pid)
{
	int status = 0;
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int main(void)
{
	setvbuf(stdout, 0, _IOLBF, 0);
	show("RLIMIT_CPU", RLIMIT_CPU);
	show("RLIMIT_FSIZE", RLIMIT_FSIZE);
	show("RLIMIT_DATA", RLIMIT_DATA);
	show("RLIMIT_STACK", RLIMIT_STACK);
	show("RLIMIT_CORE", RLIMIT_CORE);
	show("RLIMIT_RSS", RLIMIT_RSS);
	show("RLIMIT_NOFILE", RLIMIT_NOFILE);
	show("RLIMIT_MEMLOCK", RLIMIT_MEMLOCK);
	show("RLIMIT_AS", RLIMIT_AS);
	show("RLIMIT_LOCKS", RLIMIT_LOCKS);
	show("RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE);
	show("RLIMIT_NICE", RLIMIT_NICE);
	show("RLIMIT_RTPRIO", RLIMIT_RTPRIO);
	show("RLIMIT_RTTIME", RLIMIT_RTTIME);
	struct rlimit r, saved;
	getrlimit(RLIMIT_NPROC, &r);
	check("RLIMIT_NPROC is finite, soft = hard", r.rlim_cur == r.rlim_max && r.rlim_cur != RLIM_INFINITY, 0);
	getrlimit(RLIMIT_SIGPENDING, &r);
	check("RLIMIT_SIGPENDING is finite, soft = hard", r.rlim_cur == r.rlim_max && r.rlim_cur != RLIM_INFINITY, 0);

	errno = 0;
	check("getrlimit(99): EINVAL", getrlimit(99, &r) == -1 && errno == EINVAL, 0);
	getrlimit(RLIMIT_NOFILE, &saved);
	r.rlim_cur = saved.rlim_max + 1;
	r.rlim_max = saved.rlim_max;
	errno = 0;
	check("soft above hard: EINVAL", setrlimit(RLIMIT_NOFILE, &r) == -1 && errno == EINVAL, 0);

	/* RLIMIT_NOFILE is enforced. */
	r.rlim_cur = 10;
	r.rlim_max = saved.rlim_max;
	check("setrlimit(RLIMIT_NOFILE, 10)", setrlimit(RLIMIT_NOFILE, &r) == 0, strerror(errno));
	int last = -1, fd;
	while ((fd = open("/dev/null", O_RDONLY)) >= 0)
		last = fd;
	char d[64];
	snprintf(d, sizeof d, "last fd %d, %s", last, strerror(errno));
	check("open fails with EMFILE once fds 0-9 are taken", last == 9 && errno == EMFILE, d);
	errno = 0;
	check("dup2 to fd 10: EBADF", dup2(0, 10) == -1 && errno == EBADF, strerror(errno));
	errno = 0;
	check("fcntl(F_DUPFD, 10): EINVAL", fcntl(0, F_DUPFD, 10) == -1 && errno == EINVAL, strerror(errno));
	close(9);
	check("a closed fd below the limit can be reused", open("/dev/null", O_RDONLY) == 9, strerror(errno));
	for (int i = 3; i < 10; i++)
		close(i);

	pid_t pid = fork();
	if (pid == 0) {
		getrlimit(RLIMIT_NOFILE, &r);
		_exit(r.rlim_cur == 10 ? 0 : 1);
	}
	check("fork keeps the limits", child_status(pid) == 0, 0);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		execl("/bin/sh", "sh", "-c", "test \"$(ulimit -n)\" = 10", (char *)0);
		_exit(99);
	}
	check("exec keeps the limits (ulimit -n in a new shell says 10)", child_status(pid) == 0, 0);

	/* Unprivileged: the hard limit can go down, never up. */
	pid = fork();
	if (pid == 0) {
		if (setuid(1000) != 0)
			_exit(10);
		struct rlimit x = { 10, 20 };
		if (setrlimit(RLIMIT_NOFILE, &x) != 0)
			_exit(11);
		x.rlim_max = 21;
		errno = 0;
		if (setrlimit(RLIMIT_NOFILE, &x) != -1 || errno != EPERM)
			_exit(12);
		x.rlim_cur = 20;
		x.rlim_max = 20;
		if (setrlimit(RLIMIT_NOFILE, &x) != 0)
			_exit(13);
		/* prlimit on a process of another user: EPERM. */
		errno = 0;
		if (prlimit(1, RLIMIT_NOFILE, 0, &x) != -1 || errno != EPERM)
			_exit(14);
		_exit(0);
	}
	int st = child_status(pid);
	snprintf(d, sizeof d, "child exit %d", st);
	check("unprivileged: lowering the hard limit works, raising it is EPERM", st == 0, d);

	/* RLIMIT_AS bounds mmap; RLIMIT_DATA bounds brk. */
	pid = fork();
	if (pid == 0) {
		struct rlimit x = { 64 << 20, 64 << 20 };
		if (setrlimit(RLIMIT_AS, &x) != 0)
			_exit(10);
		errno = 0;
		if (mmap(0, 128 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) != MAP_FAILED ||
		    errno != ENOMEM)
			_exit(11);
		if (mmap(0, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) == MAP_FAILED)
			_exit(12);
		x.rlim_cur = x.rlim_max = 1 << 20;
		if (setrlimit(RLIMIT_DATA, &x) != 0)
			_exit(13);
		errno = 0;
		if (sbrk(2 << 20) != (void *)-1 || errno != ENOMEM)
			_exit(14);
		_exit(0);
	}
	st = child_status(pid);
	snprintf(d, sizeof d, "child exit %d", st);
	check("RLIMIT_AS makes a larger mmap ENOMEM, RLIMIT_DATA a larger brk", st == 0, d);

	/* RLIMIT_CPU: SIGXCPU at the soft limit (its default action kills). */
	pid = fork();
	if (pid == 0) {
		struct rlimit x = { 1, 10 };
		setrlimit(RLIMIT_CPU, &x);
		struct timespec t0, t;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		do {
			for (volatile int i = 0; i < 100000; i++)
				;
			clock_gettime(CLOCK_MONOTONIC, &t);
		} while (t.tv_sec - t0.tv_sec < 5);
		_exit(0);
	}
	st = child_status(pid);
	snprintf(d, sizeof d, "child status %d", st);
	check("a busy process over RLIMIT_CPU dies of SIGXCPU", st == 128 + SIGXCPU, d);

	/* RLIMIT_NPROC: an unprivileged user's processes, this one included. */
	pid = fork();
	if (pid == 0) {
		if (setuid(1000) != 0)
			_exit(10);
		struct rlimit x = { 1, 2 };
		setrlimit(RLIMIT_NPROC, &x);
		errno = 0;
		if (fork() != -1 || errno != EAGAIN)
			_exit(11);
		x.rlim_cur = 2;
		if (setrlimit(RLIMIT_NPROC, &x) != 0)
			_exit(13);
		pid_t c = fork();
		if (c == 0)
			_exit(0);
		if (c < 0)
			_exit(12);
		waitpid(c, 0, 0);
		_exit(0);
	}
	st = child_status(pid);
	snprintf(d, sizeof d, "child exit %d", st);
	check("RLIMIT_NPROC: fork is EAGAIN at the limit, works below it", st == 0, d);

	/* prlimit64 on another process (root). */
	pid = fork();
	if (pid == 0) {
		pause();
		_exit(0);
	}
	struct rlimit nr = { 5, 100 }, got;
	check("prlimit sets another process's limit", prlimit(pid, RLIMIT_NOFILE, &nr, 0) == 0, strerror(errno));
	check("prlimit reads it back", prlimit(pid, RLIMIT_NOFILE, 0, &got) == 0 && got.rlim_cur == 5 &&
					       got.rlim_max == 100, strerror(errno));
	kill(pid, SIGKILL);
	child_status(pid);
	errno = 0;
	check("prlimit on a pid that does not exist: ESRCH", prlimit(999999, RLIMIT_NOFILE, 0, &got) == -1 &&
									 errno == ESRCH, strerror(errno));
	check("root raises the soft limit back", setrlimit(RLIMIT_NOFILE, &saved) == 0, strerror(errno));
	getrlimit(RLIMIT_NOFILE, &r);
	check("and it reads back", r.rlim_cur == saved.rlim_cur && r.rlim_max == saved.rlim_max, 0);

	if (failures) {
		printf("xt-rlimit: %d checks FAILED\n", failures);
		return 1;
	}
	puts("xt-rlimit: all checks passed");
	return 0;
}
