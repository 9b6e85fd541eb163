/*
 * xt-conf-tty: terminal ioctls on a PTY pair against Linux (output
 * contract in conf.h): TCGETS/TCSETS, TIOCGWINSZ/TIOCSWINSZ, FIONREAD,
 * TCFLSH with output queued on the master and input queued on the slave,
 * TCSBRK, TIOCGPTN/TIOCSPTLCK/TIOCGPTLCK, TIOCSCTTY (and its stealing
 * rules: not a session leader, terminal of another session, force with and
 * without privilege), TIOCNOTTY, TIOCGPGRP/TIOCSPGRP, TIOCGSID, and
 * ENOTTY for what is not a terminal.
 */
#include "conf.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <termios.h>

static char slave_name[64];

static int new_pair(int *slave)
{
	int m = posix_openpt(O_RDWR | O_NOCTTY);
	if (m < 0 || grantpt(m) || unlockpt(m) || ptsname_r(m, slave_name, sizeof slave_name)) {
		say("pty.pair", "-1 %s", ename(errno));
		exit(1);
	}
	*slave = open(slave_name, O_RDWR | O_NOCTTY);
	return m;
}

static int pending(int fd)
{
	int n = -1;
	if (ioctl(fd, FIONREAD, &n))
		return -1;
	return n;
}

static void basic_cases(void)
{
	int s, m = new_pair(&s);
	int n = -1;
	T("TIOCGPTN", ioctl(m, TIOCGPTN, &n));
	say("TIOCGPTN.effect", "%s", n >= 0 ? ">=0" : "other");
	T("TIOCGPTN.on-slave", ioctl(s, TIOCGPTN, &n));
	int lock = 5;
	T("TIOCGPTLCK", ioctl(m, TIOCGPTLCK, &lock));
	say("TIOCGPTLCK.effect", "%d", lock);
	/* On a pair of its own: on Linux a failed open of a locked slave leaves the open slave reading EIO. */
	int s9, m9 = new_pair(&s9);
	lock = 1;
	T("TIOCSPTLCK.lock", ioctl(m9, TIOCSPTLCK, &lock));
	T("TIOCSPTLCK.locked-open", open(slave_name, O_RDWR | O_NOCTTY));
	lock = 0;
	T("TIOCSPTLCK.unlock", ioctl(m9, TIOCSPTLCK, &lock));
	int s10 = open(slave_name, O_RDWR | O_NOCTTY);
	say("TIOCSPTLCK.unlocked-open", "%s", s10 >= 0 ? "ok" : rtext(-1, errno));
	struct termios t;
	T("TCGETS.slave", tcgetattr(s, &t));
	say("TCGETS.defaults", "ICANON %s, ECHO %s, ISIG %s, ONLCR %s, ICRNL %s, VMIN %d", yesno(t.c_lflag & ICANON),
	    yesno(t.c_lflag & ECHO), yesno(t.c_lflag & ISIG), yesno(t.c_oflag & ONLCR), yesno(t.c_iflag & ICRNL), t.c_cc[VMIN]);
	T("TCGETS.master", tcgetattr(m, &t));
	int p[2];
	pipe(p);
	T("TCGETS.pipe", tcgetattr(p[0], &t));
	int f = open("/tmp", O_RDONLY);
	T("TCGETS.directory", tcgetattr(f, &t));
	T("TCGETS.bad-fd", tcgetattr(999, &t));
	T("TCGETS.bad-pointer", ioctl(s, TCGETS, (void *)8));
	tcgetattr(s, &t);
	t.c_lflag &= ~(ICANON | ECHO);
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	T("TCSETS.raw", tcsetattr(s, TCSANOW, &t));
	tcgetattr(s, &t);
	say("TCSETS.raw.effect", "ICANON %s, ECHO %s", yesno(t.c_lflag & ICANON), yesno(t.c_lflag & ECHO));
	write(m, "k", 1);
	char c = 0;
	T("TCSETS.raw.read-one-byte", read(s, &c, 1));
	T("TCSETSW", ioctl(s, TCSETSW, &t));
	T("TCSETSF", ioctl(s, TCSETSF, &t));
	T("ioctl.unknown-request", ioctl(s, 0x5490, 0));
	T("ioctl.unknown-request-on-file", ioctl(f, 0x5490, 0));
	struct winsize ws = { 24, 80, 0, 0 }, got;
	T("TIOCSWINSZ.master", ioctl(m, TIOCSWINSZ, &ws));
	memset(&got, 0, sizeof got);
	T("TIOCGWINSZ.slave", ioctl(s, TIOCGWINSZ, &got));
	say("TIOCGWINSZ.slave.effect", "%dx%d", got.ws_row, got.ws_col);
	T("TIOCGWINSZ.pipe", ioctl(p[0], TIOCGWINSZ, &got));
	T("TCSBRK", ioctl(s, TCSBRK, 1));
	T("TCSBRK.drain", tcdrain(s));
	int q = -1;
	T("FIONREAD.pipe", ioctl(p[0], FIONREAD, &q));
	write(p[1], "abc", 3);
	ioctl(p[0], FIONREAD, &q);
	say("FIONREAD.pipe.effect", "%d", q);
	int file = open("/tmp/xt-conf-tty-file", O_CREAT | O_TRUNC | O_RDWR, 0644);
	write(file, "12345", 5);
	lseek(file, 1, SEEK_SET);
	T("FIONREAD.regular-file", ioctl(file, FIONREAD, &q));
	say("FIONREAD.regular-file.effect", "%d", q);
}

static void flush_cases(void)
{
	int s, m = new_pair(&s);
	/* Output queued on the slave side, unread by the master. */
	write(s, "hello", 5);
	msleep(50);
	say("FIONREAD.master-after-slave-write", "%d", pending(m));
	T("TCFLSH.output", ioctl(s, TCFLSH, TCOFLUSH));
	say("TCFLSH.output.master-pending", "%d", pending(m));
	struct pollfd pf = { m, POLLIN, 0 };
	poll(&pf, 1, 0);
	say("TCFLSH.output.master-readable", "%s", yesno(pf.revents & POLLIN));
	/* Input queued on the slave (a line from the master). */
	write(m, "line\n", 5);
	msleep(50);
	say("FIONREAD.slave-after-master-line", "%d", pending(s));
	T("TCFLSH.input", ioctl(s, TCFLSH, TCIFLUSH));
	say("TCFLSH.input.slave-pending", "%d", pending(s));
	write(m, "more\n", 5);
	write(s, "out", 3);
	msleep(50);
	T("TCFLSH.both", ioctl(s, TCFLSH, TCIOFLUSH));
	say("TCFLSH.both.effect", "slave pending %d, master pending %d", pending(s), pending(m));
	T("TCFLSH.bad-arg", ioctl(s, TCFLSH, 7));
	/* From the master side: its own input queue is the slave's output. */
	write(s, "xyz", 3);
	msleep(50);
	T("TCFLSH.master-input", ioctl(m, TCFLSH, TCIFLUSH));
	say("TCFLSH.master-input.master-pending", "%d", pending(m));
	int p[2];
	pipe(p);
	T("TCFLSH.pipe", ioctl(p[0], TCFLSH, TCIFLUSH));
}

/* TIOCSCTTY rules, each in a fresh session. */
static int ctty_result[2];

static void ctty_cases(void)
{
	int s, m = new_pair(&s);
	(void)m;
	/* Not a session leader (sub() made us a group leader, not a session leader). */
	T("TIOCSCTTY.not-session-leader", ioctl(s, TIOCSCTTY, 0));
	int a2b[2], b2a[2];
	pipe(a2b);
	pipe(b2a);
	pid_t a = fork();
	if (a == 0) {
		char ch = 0;
		close(b2a[1]);
		say("setsid.session-a", "%s", setsid() == getpid() ? "equals pid" : rtext(-1, errno));
		T("TIOCSCTTY.session-a", ioctl(s, TIOCSCTTY, 0));
		pid_t sid = -1;
		T("TIOCGSID", ioctl(s, TIOCGSID, &sid));
		say("TIOCGSID.effect", "%s", sid == getpid() ? "session a" : "other");
		pid_t pg = -1;
		T("TIOCGPGRP", ioctl(s, TIOCGPGRP, &pg));
		say("TIOCGPGRP.effect", "%s", pg == getpid() ? "session a's group" : "other");
		T("TIOCSPGRP.own-group", ioctl(s, TIOCSPGRP, &pg));
		pid_t bad = 999999;
		T("TIOCSPGRP.nonexistent-group", ioctl(s, TIOCSPGRP, &bad));
		bad = 1;
		T("TIOCSPGRP.group-of-other-session", ioctl(s, TIOCSPGRP, &bad));
		bad = -5;
		T("TIOCSPGRP.negative", ioctl(s, TIOCSPGRP, &bad));
		T("TIOCSCTTY.again-same-tty", ioctl(s, TIOCSCTTY, 0));
		int s2, m2 = new_pair(&s2);
		(void)m2;
		T("TIOCSCTTY.second-tty", ioctl(s2, TIOCSCTTY, 0));
		T("TIOCGPGRP.not-our-ctty", ioctl(s2, TIOCGPGRP, &pg));
		int t = open("/dev/tty", O_RDWR);
		say("open-dev-tty.session-a", "%s", t >= 0 ? "ok" : rtext(-1, errno));
		close(t);
		write(a2b[1], "a", 1);
		read(b2a[0], &ch, 1);
		/* B has tried to steal; is the terminal still ours? */
		t = open("/dev/tty", O_RDWR);
		say("open-dev-tty.session-a-after-steal", "%s", t >= 0 ? "ok" : rtext(-1, errno));
		pid_t sid2 = -1;
		errno = 0;
		long r = ioctl(s, TIOCGSID, &sid2);
		say("TIOCGSID.session-a-after-steal", "%s", r == 0 ? (sid2 == getpid() ? "session a" : "other session") : rtext(r, errno));
		_exit(0);
	}
	pid_t b = fork();
	if (b == 0) {
		char ch;
		close(b2a[0]);
		read(a2b[0], &ch, 1);
		/* TIOCNOTTY by a session leader hangs up its own foreground group. */
		signal(SIGHUP, SIG_IGN);
		setsid();
		int mine = open(slave_name, O_RDWR | O_NOCTTY);
		T("TIOCSCTTY.tty-of-other-session", ioctl(mine, TIOCSCTTY, 0));
		pid_t child = fork();
		if (child == 0) {
			/* Same attempt, forced, without privilege: still EPERM. */
			setresuid(1000, 1000, 1000);
			T("TIOCSCTTY.force-unprivileged-not-leader", ioctl(mine, TIOCSCTTY, 1));
			_exit(0);
		}
		waitpid(child, 0, 0);
		T("TIOCSCTTY.force-root", ioctl(mine, TIOCSCTTY, 1));
		int t = open("/dev/tty", O_RDWR);
		say("open-dev-tty.session-b-after-steal", "%s", t >= 0 ? "ok" : rtext(-1, errno));
		T("TIOCNOTTY", ioctl(mine, TIOCNOTTY));
		t = open("/dev/tty", O_RDWR);
		say("open-dev-tty.after-TIOCNOTTY", "%s", t >= 0 ? "ok" : rtext(-1, errno));
		write(b2a[1], "b", 1);
		_exit(0);
	}
	close(a2b[0]);
	close(a2b[1]);
	close(b2a[0]);
	close(b2a[1]);
	waitpid(a, 0, 0);
	waitpid(b, 0, 0);
	(void)ctty_result;
	/* Unprivileged steal with force, as a session leader. */
	pid_t c = fork();
	if (c == 0) {
		setsid();
		ioctl(s, TIOCSCTTY, 0);
		pid_t d = fork();
		if (d == 0) {
			setsid();
			setresuid(1000, 1000, 1000);
			int mine = open(slave_name, O_RDWR | O_NOCTTY);
			say("open.slave-unprivileged", "%s", mine >= 0 ? "ok" : rtext(-1, errno));
			T("TIOCSCTTY.force-unprivileged-leader", ioctl(mine >= 0 ? mine : s, TIOCSCTTY, 1));
			_exit(0);
		}
		waitpid(d, 0, 0);
		_exit(0);
	}
	waitpid(c, 0, 0);
	int p[2];
	pipe(p);
	c = fork();
	if (c == 0) {
		setsid();
		T("TIOCSCTTY.pipe", ioctl(p[0], TIOCSCTTY, 0));
		T("TIOCNOTTY.without-ctty", ioctl(s, TIOCNOTTY));
		_exit(0);
	}
	waitpid(c, 0, 0);
}

static void hangup_cases(void)
{
	int s, m = new_pair(&s);
	close(m);
	char c;
	T("read.slave-after-master-close", read(s, &c, 1));
	T("write.slave-after-master-close", write(s, "x", 1));
	int s2, m2 = new_pair(&s2);
	close(s2);
	T("read.master-after-slave-close", read(m2, &c, 1));
	T("write.master-after-slave-close", write(m2, "x", 1) >= 0 ? 0 : -1);
}

int main(void)
{
	begin();
	sub("basic", basic_cases, 10);
	sub("flush", flush_cases, 10);
	sub("ctty", ctty_cases, 15);
	sub("hangup", hangup_cases, 10);
	return 0;
}
