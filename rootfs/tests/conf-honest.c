/*
 * xt-conf-honest: rules the other xt-conf-* programs do not reach (output
 * contract in conf.h: one `name: result` line per check, Linux's output
 * is the expectation): setsid while a group with the caller's pid still
 * has members, raw readlinkat with bufsiz <= 0 (musl hides 0), the ioctls
 * every descriptor answers (FIOCLEX, FIONCLEX, FIONBIO) and TIOCOUTQ,
 * flock between open file descriptions, utimensat's permission rules for
 * a non-owner, umount2's MNT_EXPIRE second call and EBUSY for a mount
 * with a mount inside, fcntl's F_SETFL/F_SETOWN, mprotect's arm64 bits,
 * sendfile to an O_APPEND file.
 */
#include "conf.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/sendfile.h>
#include <termios.h>

#define DIR0 "/tmp/xt-conf-honest"

static void sessions(void)
{
	pid_t me = getpid();
	/* A second group of our session, then we join it: our old group (our pid) keeps a member. */
	pid_t g = fork();
	if (g == 0) {
		setpgid(0, 0);
		pause();
		_exit(0);
	}
	setpgid(g, g);
	pid_t member = fork();
	if (member == 0) {
		pause();
		_exit(0);
	}
	T("setpgid.self-into-sibling-group", setpgid(0, g));
	T("setsid.own-pid-group-has-members", setsid());
	kill(member, SIGKILL);
	waitpid(member, 0, 0);
	pid_t s = setsid();
	say("setsid.after-group-emptied", "%s", s == me ? "equals pid" : rtext(s, errno));
	say("getsid.after-setsid", "%s", getsid(0) == me ? "equals pid" : "other");
	say("getpgid.after-setsid", "%s", getpgid(0) == me ? "equals pid" : "other");
	T("setsid.again", setsid());
	kill(g, SIGKILL);
	waitpid(g, 0, 0);
	/* A zombie's group and session are still there to ask about. */
	pid_t z = fork();
	if (z == 0)
		_exit(0);
	msleep(100);
	say("getpgid.zombie", "%s", getpgid(z) == me ? "equals our group" : rtext(-1, errno));
	say("getsid.zombie", "%s", getsid(z) == me ? "equals our session" : rtext(-1, errno));
	T("kill.zombie-group", kill(-me, 0));
	waitpid(z, 0, 0);
}

static void descriptors(void)
{
	scratch(DIR0);
	symlink("target", "sl");
	char b[16];
	T("readlinkat.raw-zero", syscall(SYS_readlinkat, AT_FDCWD, "sl", b, 0));
	T("readlinkat.raw-negative", syscall(SYS_readlinkat, AT_FDCWD, "sl", b, -1));
	T("readlinkat.raw-negative-missing", syscall(SYS_readlinkat, AT_FDCWD, "missing", b, -1));
	int fd = open("f", O_CREAT | O_RDWR, 0644);
	T("ioctl.FIOCLEX", ioctl(fd, FIOCLEX));
	say("ioctl.FIOCLEX.effect", "%d", fcntl(fd, F_GETFD));
	T("ioctl.FIONCLEX", ioctl(fd, FIONCLEX));
	say("ioctl.FIONCLEX.effect", "%d", fcntl(fd, F_GETFD));
	int one = 1, zero = 0;
	T("ioctl.FIONBIO-on", ioctl(fd, FIONBIO, &one));
	say("ioctl.FIONBIO-on.effect", "%s", yesno(fcntl(fd, F_GETFL) & O_NONBLOCK));
	T("ioctl.FIONBIO-off", ioctl(fd, FIONBIO, &zero));
	say("ioctl.FIONBIO-off.effect", "%s", yesno(fcntl(fd, F_GETFL) & O_NONBLOCK));
	T("ioctl.FIONBIO-bad-pointer", ioctl(fd, FIONBIO, (void *)8));
	T("ioctl.FIOCLEX-bad-fd", ioctl(999, FIOCLEX));
	int p[2];
	pipe(p);
	T("ioctl.FIOCLEX-pipe", ioctl(p[0], FIOCLEX));
	int m = posix_openpt(O_RDWR | O_NOCTTY);
	grantpt(m);
	unlockpt(m);
	int s = open(ptsname(m), O_RDWR | O_NOCTTY);
	write(s, "abc", 3);
	msleep(50);
	int q = -1;
	T("TIOCOUTQ.slave", ioctl(s, TIOCOUTQ, &q));
	say("TIOCOUTQ.slave.effect", "%d", q);
	T("TIOCOUTQ.pipe", ioctl(p[1], TIOCOUTQ, &q));
	T("fcntl.setfl-async", fcntl(fd, F_SETFL, O_ASYNC));
	T("fcntl.setown-zero", fcntl(fd, F_SETOWN, 0));
	T("fcntl.getown-after", fcntl(fd, F_GETOWN));
	T("fcntl.setfl-noatime-owner", fcntl(fd, F_SETFL, O_NOATIME));
	say("fcntl.setfl-noatime-owner.effect", "%s", yesno(fcntl(fd, F_GETFL) & O_NOATIME));
	int app = open("app", O_CREAT | O_WRONLY | O_APPEND, 0644);
	write(fd, "data", 4);
	lseek(fd, 0, SEEK_SET);
	T("sendfile.to-append", sendfile(app, fd, 0, 4));
	close(app);
	close(fd);
}

static int pending(int fd)
{
	int n = -1;
	return ioctl(fd, FIONREAD, &n) ? -1 : n;
}

static void tty_injection(void)
{
	int m = posix_openpt(O_RDWR | O_NOCTTY);
	grantpt(m);
	unlockpt(m);
	int s = open(ptsname(m), O_RDWR | O_NOCTTY);
	T("TIOCSTI.root-not-ctty", ioctl(s, TIOCSTI, "x"));
	T("TIOCSTI.newline", ioctl(s, TIOCSTI, "\n"));
	msleep(50);
	say("TIOCSTI.effect", "slave pending %d, master pending %d", pending(s), pending(m));
	tcflush(s, TCIFLUSH);
	tcflush(m, TCIFLUSH);
	T("TIOCSTI.master", ioctl(m, TIOCSTI, "y"));
	say("TIOCSTI.master.effect", "slave pending %d, master pending %d", pending(s), pending(m));
	tcflush(m, TCIFLUSH);
	T("TIOCSTI.bad-pointer", ioctl(s, TIOCSTI, (char *)8));
	T("TCXONC.tcioff", tcflow(s, TCIOFF));
	msleep(50);
	char c = 0;
	say("TCXONC.tcioff.master-reads", "%d bytes, %s", pending(m), read(m, &c, 1) == 1 && c == 19 ? "STOP char" : "other");
	T("TCXONC.tcion", tcflow(s, TCION));
	msleep(50);
	say("TCXONC.tcion.master-reads", "%s", read(m, &c, 1) == 1 && c == 17 ? "START char" : "other");
	T("TCXONC.bad", ioctl(s, TCXONC, 9));
	pid_t k = fork();
	if (k == 0) {
		if (drop_root())
			_exit(1);
		T("unprivileged.TIOCSTI-not-ctty", ioctl(s, TIOCSTI, "z"));
		_exit(0);
	}
	waitpid(k, 0, 0);
	close(s);
	close(m);
}

static void flocks(void)
{
	scratch(DIR0);
	int a = open("f", O_CREAT | O_RDWR, 0644);
	int b = open("f", O_RDWR);
	int ad = dup(a);
	T("flock.ex", flock(a, LOCK_EX));
	T("flock.other-description-ex-nb", flock(b, LOCK_EX | LOCK_NB));
	T("flock.other-description-sh-nb", flock(b, LOCK_SH | LOCK_NB));
	T("flock.dup-shares", flock(ad, LOCK_EX | LOCK_NB));
	pid_t c = fork();
	if (c == 0) {
		_exit(flock(a, LOCK_EX | LOCK_NB) == 0 ? 0 : 1);
	}
	int st = 0;
	waitpid(c, &st, 0);
	say("flock.fork-shares", "%s", status_text(st));
	T("flock.convert-to-sh", flock(a, LOCK_SH));
	T("flock.other-sh-now", flock(b, LOCK_SH | LOCK_NB));
	T("flock.other-ex-while-shared", flock(a, LOCK_EX | LOCK_NB));
	T("flock.un", flock(b, LOCK_UN));
	T("flock.un-again", flock(b, LOCK_UN));
	close(a);
	T("flock.held-by-dup-after-close", flock(b, LOCK_EX | LOCK_NB));
	close(ad);
	T("flock.released-at-last-close", flock(b, LOCK_EX | LOCK_NB));
	T("flock.bad-fd", flock(999, LOCK_SH));
	T("flock.bad-op-on-bad-fd", flock(999, 77));
	T("flock.no-op", flock(b, LOCK_NB));
	/* A waiter is released when the holder closes. */
	int h = open("f", O_RDWR);
	flock(b, LOCK_UN);
	flock(h, LOCK_EX);
	c = fork();
	if (c == 0) {
		int w = open("f", O_RDWR);
		_exit(flock(w, LOCK_EX) == 0 ? 0 : 1);
	}
	msleep(100);
	close(h);
	say("flock.waiter-after-close", "%s", wait_deadline(c, &st, 3000) < 0 ? "still waiting" : status_text(st));
	kill(c, SIGKILL);
	waitpid(c, 0, 0);
}

static void ofd_locks(void)
{
	scratch(DIR0);
	int a = open("f", O_CREAT | O_RDWR, 0644);
	int b = open("f", O_RDWR);
	int ad = dup(a);
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 10 };
	T("fcntl.ofd-setlk", fcntl(a, F_OFD_SETLK, &fl));
	T("fcntl.ofd-setlk-other-description", fcntl(b, F_OFD_SETLK, &fl));
	struct flock q = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 5, .l_len = 1 };
	T("fcntl.ofd-getlk-other-description", fcntl(b, F_OFD_GETLK, &q));
	say("fcntl.ofd-getlk-other-description.effect", "type %s start %ld len %ld pid %d", q.l_type == F_WRLCK ? "write" : "other",
	    (long)q.l_start, (long)q.l_len, q.l_pid);
	struct flock p = { .l_type = F_RDLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 1 };
	T("fcntl.posix-getlk-sees-ofd", fcntl(b, F_GETLK, &p));
	say("fcntl.posix-getlk-sees-ofd.effect", "type %s pid %d", p.l_type == F_WRLCK ? "write" : "other", p.l_pid);
	T("fcntl.posix-setlk-vs-ofd", fcntl(b, F_SETLK, &p));
	struct flock bad = { .l_type = F_RDLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 1, .l_pid = 1 };
	T("fcntl.ofd-setlk-nonzero-pid", fcntl(b, F_OFD_SETLK, &bad));
	T("fcntl.ofd-setlk-dup-shares", fcntl(ad, F_OFD_SETLK, &fl));
	close(a);
	T("fcntl.ofd-held-after-first-close", fcntl(b, F_OFD_SETLK, &fl));
	close(ad);
	T("fcntl.ofd-released-at-last-close", fcntl(b, F_OFD_SETLK, &fl));
	fl.l_type = F_UNLCK;
	T("fcntl.ofd-unlock", fcntl(b, F_OFD_SETLK, &fl));
	close(b);
}

static void times_and_mounts(void)
{
	scratch(DIR0);
	chmod(DIR0, 0777);
	int fd = open("private", O_CREAT | O_WRONLY, 0644);
	close(fd);
	fd = open("shared", O_CREAT | O_WRONLY, 0666);
	close(fd);
	struct timespec now_omit[2] = { { 0, UTIME_NOW }, { 0, UTIME_OMIT } };
	struct timespec both_now[2] = { { 0, UTIME_NOW }, { 0, UTIME_NOW } };
	struct timespec both_omit[2] = { { 0, UTIME_OMIT }, { 0, UTIME_OMIT } };
	struct timespec bad_atime[2] = { { 0, 1000000000 }, { 0, UTIME_OMIT } };
	T("utimensat.both-omit-missing-file", utimensat(AT_FDCWD, "missing", both_omit, 0));
	T("utimensat.bad-atime-nsec", utimensat(AT_FDCWD, "private", bad_atime, 0));
	pid_t c = fork();
	if (c == 0) {
		if (drop_root())
			_exit(1);
		T("unprivileged.utimensat-null-writable", utimensat(AT_FDCWD, "shared", 0, 0));
		T("unprivileged.utimensat-both-now-writable", utimensat(AT_FDCWD, "shared", both_now, 0));
		T("unprivileged.utimensat-now-omit-writable", utimensat(AT_FDCWD, "shared", now_omit, 0));
		T("unprivileged.utimensat-null-not-writable", utimensat(AT_FDCWD, "private", 0, 0));
		T("unprivileged.utimensat-both-omit-not-owner", utimensat(AT_FDCWD, "private", both_omit, 0));
		T("unprivileged.umount2-missing", umount2("no-such-dir", 0));
		_exit(0);
	}
	waitpid(c, 0, 0);
	mkdir("mnt", 0755);
	mount("none", "mnt", "tmpfs", 0, 0);
	T("umount2.expire-first", umount2("mnt", MNT_EXPIRE));
	T("umount2.expire-second", umount2("mnt", MNT_EXPIRE));
	say("umount2.expire-second.effect", "%s", access("mnt/x", F_OK) == 0 ? "still mounted" : "unmounted");
	mount("none", "mnt", "tmpfs", 0, 0);
	T("umount2.expire-mark", umount2("mnt", MNT_EXPIRE));
	struct stat st;
	stat("mnt/.", &st);
	T("umount2.expire-after-use", umount2("mnt", MNT_EXPIRE));
	mkdir("mnt/inner", 0755);
	mount("none", "mnt/inner", "tmpfs", 0, 0);
	T("umount2.with-submount", umount2("mnt", 0));
	T("umount2.submount", umount2("mnt/inner", 0));
	T("umount2.after-submount", umount2("mnt", 0));
	T("umount2.not-mounted-anymore", umount2("mnt", 0));
	chdir("/");
}

static void protections(void)
{
	char *p = mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	T("mprotect.prot-sem", syscall(SYS_mprotect, p, 4096, PROT_READ | 0x8));
	T("mprotect.prot-bti", syscall(SYS_mprotect, p, 4096, PROT_READ | PROT_EXEC | 0x10));
	T("mprotect.prot-mte", syscall(SYS_mprotect, p, 4096, PROT_READ | 0x20));
	T("mprotect.growsdown-on-plain", syscall(SYS_mprotect, p, 4096, PROT_READ | 0x01000000));
}

int main(void)
{
	begin();
	sub("sessions", sessions, 10);
	sub("descriptors", descriptors, 10);
	sub("tty-injection", tty_injection, 10);
	sub("flocks", flocks, 15);
	sub("ofd-locks", ofd_locks, 10);
	sub("times-and-mounts", times_and_mounts, 10);
	sub("protections", protections, 10);
	return 0;
}
