/*
 * xt-locks: POSIX record locks through fcntl(2). A write lock held by the
 * parent makes a child's F_SETLK fail with EAGAIN and F_GETLK report it;
 * a read lock elsewhere is free; F_SETLKW waits until the holder closes
 * its descriptor (which drops its locks); a write lock on a read-only
 * descriptor is EBADF. Prints "xt-locks: ok" at the end.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define PATH "/tmp/xt-locks"

static int lk(int fd, int cmd, short type, off_t start, off_t len, struct flock *out)
{
	struct flock fl = { .l_type = type, .l_whence = SEEK_SET, .l_start = start, .l_len = len };
	int r = fcntl(fd, cmd, &fl);
	if (out)
		*out = fl;
	return r;
}

static void fail(const char *what)
{
	printf("xt-locks: UNEXPECTED %s (errno %d %s)\n", what, errno, strerror(errno));
	exit(1);
}

static int child_status(pid_t pid)
{
	int st;
	if (waitpid(pid, &st, 0) != pid)
		fail("waitpid");
	return WIFEXITED(st) ? WEXITSTATUS(st) : 100;
}

int main(void)
{
	struct flock got;
	pid_t parent = getpid(), pid;
	int fd = open(PATH, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, "0123456789abcdefghij", 20) != 20)
		fail("open/write");
	if (lk(fd, F_SETLK, F_WRLCK, 0, 10, NULL) != 0)
		fail("parent write lock");
	pid = fork();
	if (pid == 0) {
		if (lk(fd, F_SETLK, F_WRLCK, 5, 1, NULL) != -1 || (errno != EAGAIN && errno != EACCES))
			fail("conflicting F_SETLK did not fail with EAGAIN");
		if (lk(fd, F_GETLK, F_RDLCK, 0, 1, &got) != 0 || got.l_type != F_WRLCK || got.l_pid != parent ||
		    got.l_start != 0 || got.l_len != 10)
			fail("F_GETLK did not report the parent's lock");
		if (lk(fd, F_SETLK, F_RDLCK, 10, 10, NULL) != 0)
			fail("read lock beside the parent's");
		_exit(0);
	}
	if (child_status(pid) != 0)
		return 1;
	printf("xt-locks: conflict seen, F_GETLK reports pid and range\n");
	pid = fork();
	if (pid == 0) {
		/* Waits until the parent closes its descriptor. */
		if (lk(fd, F_SETLKW, F_WRLCK, 0, 0, NULL) != 0)
			fail("F_SETLKW");
		printf("xt-locks: F_SETLKW got the lock after the holder closed\n");
		fflush(stdout);
		_exit(0);
	}
	usleep(300 * 1000);
	close(fd);
	if (child_status(pid) != 0)
		return 1;
	fd = open(PATH, O_RDONLY);
	if (fd < 0)
		fail("reopen");
	if (lk(fd, F_SETLK, F_WRLCK, 0, 1, NULL) != -1 || errno != EBADF)
		fail("write lock on a read-only descriptor");
	unlink(PATH);
	printf("xt-locks: ok\n");
	return 0;
}
