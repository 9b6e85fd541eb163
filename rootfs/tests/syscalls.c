/*
 * xt-syscalls: the A0 syscall plumbing check, with raw syscall() only.
 * write(1, ...), getpid, an unknown number (must fail with ENOSYS), then the
 * raw exit syscall with status 0. Output goes through raw write() too, so
 * nothing waits in a stdio buffer when exit bypasses libc.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Unused on both x86_64 and aarch64. */
#define UNKNOWN_SYSCALL 999

static void say(const char *text)
{
	syscall(SYS_write, 1, text, strlen(text));
}

int main(void)
{
	char line[96];
	long pid, ret;
	int err;

	say("xt-syscalls: write ok\n");

	pid = syscall(SYS_getpid);
	snprintf(line, sizeof line, "xt-syscalls: getpid=%ld\n", pid);
	say(line);

	errno = 0;
	ret = syscall(UNKNOWN_SYSCALL, 0, 0, 0);
	err = errno;
	if (ret != -1 || err != ENOSYS) {
		snprintf(line, sizeof line, "xt-syscalls: unknown syscall -> UNEXPECTED %d (ret %ld)\n", err, ret);
		say(line);
		syscall(SYS_exit, 1);
	}
	say("xt-syscalls: unknown syscall -> ENOSYS\n");

	syscall(SYS_exit, 0);
	return 1; /* not reached */
}
