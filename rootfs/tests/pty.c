/*
 * xt-pty: Unix 98 pseudo-terminals behave as on Linux. A new pair is locked
 * until unlockpt; the master's writes are the slave's keyboard (line
 * editing, echo, ONLCR, raw mode, ^C to the slave's foreground group);
 * the window size set on the master is the slave's; /dev/tty of a session
 * whose controlling terminal is the slave reaches the slave; when the slave
 * closes the master reads EIO; when the master closes the slave's session
 * gets SIGHUP, a slave read blocked then fails with EIO, later reads
 * return 0, writes fail with EIO, and /dev/pts/N goes away; when the
 * session leader exits, the terminal's foreground group gets SIGHUP. One line per check; exit 0 only when every check held.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

static int failures;

static void check(const char *what, int ok, const char *detail)
{
	printf("xt-pty: %s: %s%s%s\n", what, ok ? "ok" : "FAILED", detail ? " " : "", detail ? detail : "");
	if (!ok)
		failures++;
}

/* Reads from the master until `want` bytes arrived or nothing comes for a second. */
static ssize_t read_master(int m, char *buf, size_t want)
{
	size_t got = 0;
	while (got < want) {
		fd_set r;
		struct timeval tv = { 1, 0 };
		FD_ZERO(&r);
		FD_SET(m, &r);
		if (select(m + 1, &r, 0, 0, &tv) <= 0)
			break;
		ssize_t n = read(m, buf + got, want - got);
		if (n <= 0)
			break;
		got += n;
	}
	buf[got] = 0;
	return got;
}

/* A new master, unlocked; its slave's name in `name`. */
static int new_pair(char *name, size_t len)
{
	int m = posix_openpt(O_RDWR | O_NOCTTY);
	if (m < 0 || grantpt(m) != 0 || unlockpt(m) != 0 || ptsname_r(m, name, len) != 0) {
		printf("xt-pty: cannot make a pair: %s\n", strerror(errno));
		exit(1);
	}
	return m;
}

static void locked_and_named(void)
{
	char name[64], detail[128];
	int m = posix_openpt(O_RDWR | O_NOCTTY), n = -1;
	ptsname_r(m, name, sizeof name);
	errno = 0;
	int s = open(name, O_RDWR | O_NOCTTY);
	check("slave of a locked pair does not open (EIO)", s < 0 && errno == EIO, name);
	errno = 0;
	int r = ioctl(m, TIOCGPTN, &n);
	snprintf(detail, sizeof detail, "%s, TIOCGPTN %d (%s)", name, n, r ? strerror(errno) : "ok");
	char expect[64];
	snprintf(expect, sizeof expect, "/dev/pts/%d", n);
	check("ptsname is /dev/pts/<TIOCGPTN>", strcmp(name, expect) == 0, detail);
	unlockpt(m);
	s = open(name, O_RDWR | O_NOCTTY);
	struct stat st;
	int ok = s >= 0 && fstat(s, &st) == 0 && S_ISCHR(st.st_mode) && (int)major(st.st_rdev) == 136 + n / 256;
	check("unlocked slave opens, a char device of major 136", ok, 0);
	check("slave is a terminal", isatty(s), 0);
	close(s);
	close(m);
}

static void cooked_and_raw(void)
{
	char name[64], buf[256];
	int m = new_pair(name, sizeof name);
	int s = open(name, O_RDWR | O_NOCTTY);
	write(m, "hellx\177o\n", 8);
	ssize_t n = read(s, buf, sizeof buf - 1);
	buf[n > 0 ? n : 0] = 0;
	check("canonical line from the master, erase applied", n == 6 && strcmp(buf, "hello\n") == 0, 0);
	n = read_master(m, buf, 11);
	check("master reads the echo", n >= 6 && strncmp(buf, "hell", 4) == 0 && strstr(buf, "o\r\n"), 0);
	write(s, "out\n", 4);
	n = read_master(m, buf, 5);
	check("slave output reaches the master with ONLCR", n == 5 && memcmp(buf, "out\r\n", 5) == 0, 0);

	struct termios t;
	tcgetattr(s, &t);
	cfmakeraw(&t);
	tcsetattr(s, TCSANOW, &t);
	write(m, "abc", 3);
	n = read(s, buf, sizeof buf);
	check("raw mode: bytes without a newline are readable", n == 3 && memcmp(buf, "abc", 3) == 0, 0);

	struct winsize ws = { .ws_row = 33, .ws_col = 111 }, got = { 0 };
	ioctl(m, TIOCSWINSZ, &ws);
	ioctl(s, TIOCGWINSZ, &got);
	check("window size set on the master is the slave's", got.ws_row == 33 && got.ws_col == 111, 0);

	close(s);
	errno = 0;
	n = read(m, buf, sizeof buf);
	check("master reads EIO once the slave closed", n < 0 && errno == EIO, 0);
	close(m);
}

/*
 * In a child: a new session whose controlling terminal is slave `name`.
 * Closes the child's copy of master `m` first: the master counts as closed
 * only when every descriptor of it is.
 */
static int become_session_on(const char *name, int m)
{
	close(m);
	setsid();
	int s = open(name, O_RDWR);
	if (s < 0 || ioctl(s, TIOCSCTTY, 0) != 0)
		_exit(90);
	return s;
}

static void ctrl_c_and_dev_tty(void)
{
	char name[64], buf[64];
	int m = new_pair(name, sizeof name);
	pid_t pid = fork();
	if (pid == 0) {
		int s = become_session_on(name, m);
		if (tcgetpgrp(s) != getpid())
			_exit(91);
		int t = open("/dev/tty", O_RDWR);
		struct stat st;
		if (t < 0 || fstat(t, &st) != 0 || st.st_rdev != makedev(5, 0))
			_exit(92);
		write(t, "ready\n", 6);
		read(s, buf, sizeof buf); /* until ^C */
		_exit(93);
	}
	ssize_t n = read_master(m, buf, 7);
	check("/dev/tty of the session reaches its pty", n == 7 && strcmp(buf, "ready\r\n") == 0, buf);
	write(m, "\003", 1);
	int status = 0;
	waitpid(pid, &status, 0);
	char detail[64];
	snprintf(detail, sizeof detail, "status %#x", status);
	check("^C written to the master kills the foreground group with SIGINT",
	      WIFSIGNALED(status) && WTERMSIG(status) == SIGINT, detail);
	close(m);
}

static void hang_up(void)
{
	char name[64], buf[64];
	int m = new_pair(name, sizeof name);
	int ready[2];
	pipe(ready);
	pid_t killed = fork();
	if (killed == 0) {
		become_session_on(name, m);
		write(ready[1], "k", 1);
		pause();
		_exit(94);
	}
	read(ready[0], buf, 1);
	close(m);
	int status = 0;
	waitpid(killed, &status, 0);
	check("closing the master sends SIGHUP to the slave's session",
	      WIFSIGNALED(status) && WTERMSIG(status) == SIGHUP, 0);
	struct stat st;
	errno = 0;
	check("/dev/pts/N is gone with its master", stat(name, &st) != 0 && errno == ENOENT, name);

	m = new_pair(name, sizeof name);
	pid_t survivor = fork();
	if (survivor == 0) {
		signal(SIGHUP, SIG_IGN);
		int s = become_session_on(name, m);
		write(ready[1], "s", 1);
		/* Blocked at the hang-up: EIO (the other side closed). */
		errno = 0;
		if (read(s, buf, sizeof buf) != -1 || errno != EIO)
			_exit(95);
		/*
		 * Read again once the hang-up is complete (Linux wakes the
		 * reader before it finishes hanging the file up): end of file.
		 */
		usleep(100000);
		if (read(s, buf, sizeof buf) != 0)
			_exit(96);
		errno = 0;
		_exit(write(s, "x", 1) == -1 && errno == EIO ? 0 : 97);
	}
	read(ready[0], buf, 1);
	usleep(200000);
	close(m);
	waitpid(survivor, &status, 0);
	snprintf(buf, sizeof buf, "status %#x", status);
	check("a slave read blocked at the hang-up fails with EIO, the next returns 0, a write fails with EIO",
	      WIFEXITED(status) && WEXITSTATUS(status) == 0, buf);
}

static int hup_pipe = -1;

static void on_hup(int sig)
{
	(void)sig;
	if (write(hup_pipe, "h", 1) != 1)
		_exit(98);
}

static void leader_exit_hangs_up_the_foreground(void)
{
	char name[64], buf[8];
	int m = new_pair(name, sizeof name);
	int p[2];
	if (pipe(p) != 0)
		exit(1);
	pid_t leader = fork();
	if (leader == 0) {
		int s = become_session_on(name, m);
		pid_t job = fork();
		if (job == 0) {
			hup_pipe = p[1];
			signal(SIGHUP, on_hup);
			setpgid(0, 0);
			pause();
			_exit(0);
		}
		setpgid(job, job);
		tcsetpgrp(s, job);
		usleep(200000);
		_exit(0);
	}
	close(p[1]);
	waitpid(leader, 0, 0);
	fd_set r;
	struct timeval tv = { 3, 0 };
	FD_ZERO(&r);
	FD_SET(p[0], &r);
	int got = select(p[0] + 1, &r, 0, 0, &tv) == 1 && read(p[0], buf, 1) == 1 && buf[0] == 'h';
	check("a session leader's exit sends SIGHUP to the terminal's foreground group", got, 0);
	close(p[0]);
	close(m);
}

int main(void)
{
	setvbuf(stdout, 0, _IONBF, 0);
	locked_and_named();
	cooked_and_raw();
	ctrl_c_and_dev_tty();
	hang_up();
	leader_exit_hangs_up_the_foreground();
	printf("xt-pty: %s\n", failures ? "FAILED" : "all checks passed");
	return failures ? 1 : 0;
}
