/*
 * xt-badinput: what a user program does wrong gets an error, never a crash
 * of the kernel: a bad pointer gives EFAULT, a malformed ELF gives ENOEXEC,
 * a bad file descriptor EBADF. Prints one line per check and exits 0 only
 * when every answer was the expected one.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

static int failures;

static void expect(const char *what, long ret, int err, int want, const char *name)
{
	if (ret == -1 && err == want) {
		printf("xt-badinput: %s -> %s\n", what, name);
	} else {
		printf("xt-badinput: %s -> UNEXPECTED ret=%ld errno=%d\n", what, ret, err);
		failures++;
	}
}

int main(void)
{
	static const char junk[] = "\177ELF this is not really an ELF file at all, just bytes\n";
	const char *path = "/tmp/xt-badinput-elf";
	char *const argv[] = { (char *)path, 0 };
	char *const envp[] = { 0 };
	long ret;
	int fd;

	errno = 0;
	ret = syscall(SYS_write, 1, (void *)8, 16);
	expect("write from a bad pointer", ret, errno, EFAULT, "EFAULT");

	/* From /dev/zero: a terminal would wait for input before copying. */
	fd = open("/dev/zero", O_RDONLY);
	errno = 0;
	ret = syscall(SYS_read, fd, (void *)8, 16);
	expect("read into a bad pointer", ret, errno, EFAULT, "EFAULT");
	close(fd);

	errno = 0;
	ret = syscall(SYS_openat, AT_FDCWD, (void *)8, O_RDONLY, 0);
	expect("open a bad path pointer", ret, errno, EFAULT, "EFAULT");

	errno = 0;
	ret = syscall(SYS_close, 4242);
	expect("close a bad descriptor", ret, errno, EBADF, "EBADF");

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0755);
	if (fd < 0 || write(fd, junk, sizeof junk - 1) != (long)(sizeof junk - 1) || close(fd) != 0) {
		printf("xt-badinput: cannot write %s\n", path);
		return 1;
	}
	errno = 0;
	ret = syscall(SYS_execve, path, argv, envp);
	expect("exec a malformed ELF", ret, errno, ENOEXEC, "ENOEXEC");
	unlink(path);

	printf("xt-badinput: %s\n", failures ? "FAILED" : "all refused cleanly");
	return failures ? 1 : 0;
}
