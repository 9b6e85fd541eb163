/*
 * Shared helpers of the differential conformance programs (xt-conf-*.c).
 *
 * Every check prints exactly one line `name: result`, where result is what
 * the call did: its return value (or `ok` when the value is not
 * reproducible, like a pid), or `-1 ENAME`, followed by the observed effect.
 * The programs never decide "pass" themselves: the scenario holds every line
 * to what Linux printed (scenarios/conformance.yaml), so a line that differs
 * is a difference between the two kernels. Values that differ between runs
 * of the same kernel (pids, addresses, times) are printed as relations
 * (`equals pid`, `>0`, `yes`/`no`), never raw.
 *
 * Risky areas run in a forked child (`sub`) with a deadline, so a crash or
 * a hang costs one line (`name: killed by SIGSEGV`, `name: timed out`),
 * not the rest of the output.
 */
#ifndef XT_CONF_H
#define XT_CONF_H

#define _GNU_SOURCE
#define H static __attribute__((unused))
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sys/stat.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

H const char *ename(int e)
{
	static char other[16];
	switch (e) {
	case 0: return "0";
	case EPERM: return "EPERM";
	case ENOENT: return "ENOENT";
	case ESRCH: return "ESRCH";
	case EINTR: return "EINTR";
	case EIO: return "EIO";
	case ENXIO: return "ENXIO";
	case E2BIG: return "E2BIG";
	case ENOEXEC: return "ENOEXEC";
	case EBADF: return "EBADF";
	case ECHILD: return "ECHILD";
	case EAGAIN: return "EAGAIN";
	case ENOMEM: return "ENOMEM";
	case EACCES: return "EACCES";
	case EFAULT: return "EFAULT";
	case EBUSY: return "EBUSY";
	case EEXIST: return "EEXIST";
	case EXDEV: return "EXDEV";
	case ENODEV: return "ENODEV";
	case ENOTDIR: return "ENOTDIR";
	case EISDIR: return "EISDIR";
	case EINVAL: return "EINVAL";
	case ENFILE: return "ENFILE";
	case EMFILE: return "EMFILE";
	case ENOTTY: return "ENOTTY";
	case ETXTBSY: return "ETXTBSY";
	case EFBIG: return "EFBIG";
	case ENOSPC: return "ENOSPC";
	case ESPIPE: return "ESPIPE";
	case EROFS: return "EROFS";
	case EMLINK: return "EMLINK";
	case EPIPE: return "EPIPE";
	case EDOM: return "EDOM";
	case ERANGE: return "ERANGE";
	case EDEADLK: return "EDEADLK";
	case ENAMETOOLONG: return "ENAMETOOLONG";
	case ENOLCK: return "ENOLCK";
	case ENOSYS: return "ENOSYS";
	case ENOTEMPTY: return "ENOTEMPTY";
	case ELOOP: return "ELOOP";
	case EOVERFLOW: return "EOVERFLOW";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case ETIMEDOUT: return "ETIMEDOUT";
	case EALREADY: return "EALREADY";
	case ENOTSOCK: return "ENOTSOCK";
	case EDESTADDRREQ: return "EDESTADDRREQ";
	case EMSGSIZE: return "EMSGSIZE";
	case EPROTOTYPE: return "EPROTOTYPE";
	case ENOPROTOOPT: return "ENOPROTOOPT";
	case EPROTONOSUPPORT: return "EPROTONOSUPPORT";
	case ESOCKTNOSUPPORT: return "ESOCKTNOSUPPORT";
	case EPFNOSUPPORT: return "EPFNOSUPPORT";
	case EAFNOSUPPORT: return "EAFNOSUPPORT";
	case EADDRINUSE: return "EADDRINUSE";
	case EADDRNOTAVAIL: return "EADDRNOTAVAIL";
	case ENETDOWN: return "ENETDOWN";
	case ENETUNREACH: return "ENETUNREACH";
	case ECONNABORTED: return "ECONNABORTED";
	case ECONNRESET: return "ECONNRESET";
	case ENOBUFS: return "ENOBUFS";
	case EISCONN: return "EISCONN";
	case ENOTCONN: return "ENOTCONN";
	case ESHUTDOWN: return "ESHUTDOWN";
	case ETOOMANYREFS: return "ETOOMANYREFS";
	case ECONNREFUSED: return "ECONNREFUSED";
	case EHOSTDOWN: return "EHOSTDOWN";
	case EHOSTUNREACH: return "EHOSTUNREACH";
	case EINPROGRESS: return "EINPROGRESS";
	default:
		snprintf(other, sizeof other, "E#%d", e);
		return other;
	}
}

H const char *signame(int s)
{
	static char other[16];
	switch (s) {
	case 0: return "0";
	case SIGHUP: return "SIGHUP";
	case SIGINT: return "SIGINT";
	case SIGQUIT: return "SIGQUIT";
	case SIGILL: return "SIGILL";
	case SIGTRAP: return "SIGTRAP";
	case SIGABRT: return "SIGABRT";
	case SIGBUS: return "SIGBUS";
	case SIGFPE: return "SIGFPE";
	case SIGKILL: return "SIGKILL";
	case SIGUSR1: return "SIGUSR1";
	case SIGSEGV: return "SIGSEGV";
	case SIGUSR2: return "SIGUSR2";
	case SIGPIPE: return "SIGPIPE";
	case SIGALRM: return "SIGALRM";
	case SIGTERM: return "SIGTERM";
	case SIGCHLD: return "SIGCHLD";
	case SIGCONT: return "SIGCONT";
	case SIGSTOP: return "SIGSTOP";
	case SIGTSTP: return "SIGTSTP";
	case SIGTTIN: return "SIGTTIN";
	case SIGTTOU: return "SIGTTOU";
	case SIGXCPU: return "SIGXCPU";
	case SIGXFSZ: return "SIGXFSZ";
	case SIGVTALRM: return "SIGVTALRM";
	case SIGPROF: return "SIGPROF";
	case SIGSYS: return "SIGSYS";
	default:
		snprintf(other, sizeof other, "SIG#%d", s);
		return other;
	}
}

/* Reads a small text file (a /proc file) into buf, NUL-terminated: the
 * bytes read, or -1 if it cannot be opened or is empty. */
H ssize_t read_text(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, size - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	return n;
}

/* `name: value` or `name: -1 ENAME`. */
H void report(const char *name, long r, int err)
{
	if (r < 0 && r > -4096)
		printf("%s: -1 %s\n", name, ename(err));
	else
		printf("%s: %ld\n", name, r);
}

/* `name: ok` or `name: -1 ENAME`, for results that differ from run to run. */
H void report_ok(const char *name, long r, int err)
{
	if (r < 0 && r > -4096)
		printf("%s: -1 %s\n", name, ename(err));
	else
		printf("%s: ok\n", name);
}

#define T(name, expr) do { errno = 0; long r_ = (long)(expr); report(name, r_, errno); } while (0)
#define TOK(name, expr) do { errno = 0; long r_ = (long)(expr); report_ok(name, r_, errno); } while (0)

/* A free-form effect line. */
H void say(const char *name, const char *fmt, ...)
{
	va_list ap;
	printf("%s: ", name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

H const char *yesno(int b) { return b ? "yes" : "no"; }

/* Result text of a call that already ran: `value` or `-1 ENAME`. */
H const char *rtext(long r, int err)
{
	static char buf[4][48];
	static int slot;
	char *b = buf[slot++ & 3];
	if (r < 0)
		snprintf(b, 48, "-1 %s", ename(err));
	else
		snprintf(b, 48, "%ld", r);
	return b;
}

/* Waits for `pid` up to `ms` milliseconds; -1 when it did not end. */
H int wait_deadline(pid_t pid, int *status, int ms)
{
	for (int waited = 0;; waited += 10) {
		pid_t r = waitpid(pid, status, WNOHANG);
		if (r == pid)
			return 0;
		if (r < 0)
			return -1;
		if (waited >= ms)
			return -1;
		struct timespec ts = { 0, 10 * 1000 * 1000 };
		nanosleep(&ts, 0);
	}
}

/* How a child ended, as text: `exit N`, `killed by SIGX`. */
H const char *status_text(int st)
{
	static char b[48];
	if (WIFEXITED(st))
		snprintf(b, sizeof b, "exit %d", WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		snprintf(b, sizeof b, "killed by %s", signame(WTERMSIG(st)));
	else
		snprintf(b, sizeof b, "status 0x%x", st);
	return b;
}

/*
 * Runs fn in a forked child with a deadline. Prints nothing when the child
 * exits 0; otherwise one line naming how it ended, so a crash in one area
 * is itself a comparable result.
 */
H void sub(const char *name, void (*fn)(void), int secs)
{
	fflush(stdout);
	pid_t p = fork();
	if (p < 0) {
		printf("%s: fork -1 %s\n", name, ename(errno));
		return;
	}
	if (p == 0) {
		setpgid(0, 0);
		fn();
		fflush(stdout);
		_exit(0);
	}
	int st = 0;
	if (wait_deadline(p, &st, secs * 1000) < 0) {
		kill(-p, SIGKILL);
		kill(p, SIGKILL);
		waitpid(p, &st, 0);
		printf("%s: timed out after %ds\n", name, secs);
		return;
	}
	if (st != 0)
		printf("%s: %s\n", name, status_text(st));
	/* Grandchildren the area left behind must not outlive it. */
	kill(-p, SIGKILL);
}

/* Drops root for the rest of this process: uid/gid 1000, no groups. */
H int drop_root(void)
{
	if (setgroups(0, 0) || setresgid(1000, 1000, 1000) || setresuid(1000, 1000, 1000)) {
		printf("drop root: -1 %s\n", ename(errno));
		return -1;
	}
	return 0;
}

H void msleep(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* A fresh scratch directory (removed with `rm -rf` first) to work in. */
H void scratch(const char *dir)
{
	char cmd[256];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	if (system(cmd) != 0 || mkdir(dir, 0755) != 0 || chdir(dir) != 0) {
		printf("scratch %s: -1 %s\n", dir, ename(errno));
		exit(1);
	}
}

H void begin(void)
{
	setvbuf(stdout, 0, _IOLBF, 0);
	umask(022);
}

#endif
