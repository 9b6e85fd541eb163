/*
 * xt-creds: credential syscalls against Linux's rules, run as root. Prints
 * one line per check (compare with Linux), then "xt-creds: ok".
 * setgroups/getgroups, setresgid/setresuid to a user with the saved uid
 * kept at 0, access(2) with the real ids, swapping back through the saved
 * uid, then dropping root for good: setuid(0) is EPERM afterwards. The
 * expectations are Linux's (setgroups sorts the list).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int bad;

static void check(const char *what, int ok)
{
	printf("xt-creds: %s: %s\n", what, ok ? "ok" : "UNEXPECTED");
	if (!ok)
		bad = 1;
}

static int fails_with(long r, int err)
{
	return r == -1 && errno == err;
}

int main(void)
{
	uid_t r, e, s;
	gid_t groups[4] = { 1000, 20, 30 }, got[8];
	const char *f = "/tmp/xt-creds-root";
	int fd;

	fd = open(f, O_CREAT | O_WRONLY | O_TRUNC, 0600);
	check("root creates a 0600 file", fd >= 0);
	close(fd);
	check("setgroups as root", setgroups(3, groups) == 0);
	check("getgroups(0) counts", getgroups(0, NULL) == 3);
	check("getgroups too small is EINVAL", fails_with(getgroups(1, got), EINVAL));
	check("getgroups lists them sorted", getgroups(8, got) == 3 && got[0] == 20 && got[1] == 30 && got[2] == 1000);
	check("setresgid", setresgid(1000, 1000, 1000) == 0);
	check("setresuid keeping saved 0", setresuid(1000, 1000, 0) == 0);
	check("getresuid", getresuid(&r, &e, &s) == 0 && r == 1000 && e == 1000 && s == 0);
	check("getuid/geteuid", getuid() == 1000 && geteuid() == 1000);
	check("open of root's 0600 file is EACCES", fails_with(open(f, O_RDONLY), EACCES));
	check("setgroups unprivileged is EPERM", fails_with(setgroups(0, NULL), EPERM));
	check("chmod of root's file is EPERM", fails_with(chmod(f, 0666), EPERM));
	check("setresuid to an id not held is EPERM", fails_with(setresuid(-1, 5, -1), EPERM));
	check("seteuid back to the saved 0", seteuid(0) == 0 && geteuid() == 0 && getuid() == 1000);
	check("access uses the real uid", fails_with(access(f, R_OK), EACCES));
	check("open uses the effective uid", (fd = open(f, O_RDONLY)) >= 0);
	close(fd);
	check("setreuid(-1, real) keeps the saved uid",
	      setreuid(-1, 1000) == 0 && getresuid(&r, &e, &s) == 0 && r == 1000 && e == 1000 && s == 0);
	check("root's setuid sets all three",
	      seteuid(0) == 0 && setuid(1000) == 0 && getresuid(&r, &e, &s) == 0 && r == 1000 && e == 1000 && s == 1000);
	check("setuid(0) is now EPERM", fails_with(setuid(0), EPERM));
	check("chown to another user is EPERM", fails_with(chown("/tmp", 1000, 1000), EPERM));
	check("setgid to a group not held is EPERM", fails_with(setgid(7), EPERM));
	printf("xt-creds: %s\n", bad ? "FAILED" : "ok");
	return bad;
}
