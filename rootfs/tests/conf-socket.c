/*
 * xt-conf-socket: the socket calls and AF_UNIX against Linux (output
 * contract in conf.h): socket/socketpair argument checks, fstat of a
 * socket, stream/datagram/seqpacket transfer and boundaries, path names
 * (a socket inode, EADDRINUSE, ECONNREFUSED, unlink), abstract names and
 * autobind, listen backlogs and many connections, blocking and
 * non-blocking accept/connect, shutdown, EPIPE and SIGPIPE (MSG_NOSIGNAL),
 * SCM_RIGHTS and SCM_CREDENTIALS, the SOL_SOCKET options, timeouts,
 * FIONREAD, poll/ppoll/pselect readiness, MSG_PEEK/DONTWAIT/TRUNC/WAITALL,
 * bounded buffers. AF_INET is the net areas' (not here).
 */
#include "conf.h"

#include <fcntl.h>
#include <poll.h>
#include <stddef.h>
#include <sys/ioctl.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/un.h>

#define DIR "/tmp/xt-sock"

static void sa_path(struct sockaddr_un *a, socklen_t *len, const char *path)
{
	memset(a, 0, sizeof *a);
	a->sun_family = AF_UNIX;
	strcpy(a->sun_path, path);
	*len = offsetof(struct sockaddr_un, sun_path) + strlen(path) + 1;
}

static void sa_abstract(struct sockaddr_un *a, socklen_t *len, const char *name)
{
	memset(a, 0, sizeof *a);
	a->sun_family = AF_UNIX;
	memcpy(a->sun_path + 1, name, strlen(name));
	*len = offsetof(struct sockaddr_un, sun_path) + 1 + strlen(name);
}

/* A listening stream (or seqpacket) socket at `path`. */
static int listener(int type, const char *path, int backlog)
{
	struct sockaddr_un a;
	socklen_t len;
	sa_path(&a, &len, path);
	int s = socket(AF_UNIX, type, 0);
	if (s < 0 || bind(s, (struct sockaddr *)&a, len) || listen(s, backlog)) {
		printf("listener %s: -1 %s\n", path, ename(errno));
		exit(1);
	}
	return s;
}

static int connect_path(int type, const char *path, int flags)
{
	struct sockaddr_un a;
	socklen_t len;
	sa_path(&a, &len, path);
	int s = socket(AF_UNIX, type | flags, 0);
	if (connect(s, (struct sockaddr *)&a, len) < 0) {
		int e = errno;
		close(s);
		errno = e;
		return -1;
	}
	return s;
}

static const char *pollmask(int m)
{
	static char b[64];
	b[0] = 0;
	if (m & POLLIN)
		strcat(b, "IN ");
	if (m & POLLOUT)
		strcat(b, "OUT ");
	if (m & POLLERR)
		strcat(b, "ERR ");
	if (m & POLLHUP)
		strcat(b, "HUP ");
	if (m & POLLRDHUP)
		strcat(b, "RDHUP ");
	if (m & POLLNVAL)
		strcat(b, "NVAL ");
	size_t n = strlen(b);
	if (n)
		b[n - 1] = 0;
	else
		strcpy(b, "none");
	return b;
}

static int pollfd1(int fd, int events)
{
	struct pollfd p = { fd, (short)events, 0 };
	int r = poll(&p, 1, 0);
	return r < 0 ? -1 : p.revents;
}

#define PM(name, fd) say(name, "%s", pollmask(pollfd1(fd, POLLIN | POLLOUT | POLLRDHUP)))

static int getint(int s, int opt)
{
	int v = -1;
	socklen_t l = sizeof v;
	if (getsockopt(s, SOL_SOCKET, opt, &v, &l))
		return -1000 - errno;
	return v;
}

static long now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* Writes without blocking until EAGAIN: the bytes taken (the errno in *e). */
static long fill(int s, int *e)
{
	static char buf[4096];
	long total = 0;
	for (;;) {
		ssize_t n = send(s, buf, sizeof buf, MSG_DONTWAIT);
		if (n < 0) {
			*e = errno;
			return total;
		}
		total += n;
		if (total > (64L << 20)) {
			*e = 0;
			return total;
		}
	}
}

static void creation_cases(void)
{
	int s;
	TOK("socket.stream", s = socket(AF_UNIX, SOCK_STREAM, 0));
	struct stat st;
	T("fstat", fstat(s, &st));
	say("fstat.type", "%s", S_ISSOCK(st.st_mode) ? "socket" : "other");
	say("fstat.mode", "%o", st.st_mode & 07777);
	say("fstat.size", "%ld", (long)st.st_size);
	T("lseek", lseek(s, 0, SEEK_SET));
	char c;
	T("pread", pread(s, &c, 1, 0));
	char link[64], path[64];
	snprintf(path, sizeof path, "/proc/self/fd/%d", s);
	ssize_t n = readlink(path, link, sizeof link - 1);
	link[n > 0 ? n : 0] = 0;
	say("proc-fd-link", "%s", strncmp(link, "socket:[", 8) == 0 ? "socket:[ino]" : link);
	close(s);
	TOK("socket.dgram", s = socket(AF_UNIX, SOCK_DGRAM, 0));
	say("socket.dgram.SO_TYPE", "%d", getint(s, SO_TYPE));
	close(s);
	TOK("socket.seqpacket", s = socket(AF_UNIX, SOCK_SEQPACKET, 0));
	close(s);
	TOK("socket.raw", s = socket(AF_UNIX, SOCK_RAW, 0));
	say("socket.raw.SO_TYPE", "%d", getint(s, SO_TYPE));
	close(s);
	TOK("socket.protocol-pf-unix", s = socket(AF_UNIX, SOCK_STREAM, PF_UNIX));
	close(s);
	T("socket.protocol-2", socket(AF_UNIX, SOCK_STREAM, 2));
	T("socket.type-0", socket(AF_UNIX, 0, 0));
	T("socket.type-rdm", socket(AF_UNIX, SOCK_RDM, 0));
	T("socket.type-11", socket(AF_UNIX, 11, 0));
	T("socket.type-15", socket(AF_UNIX, 15, 0));
	T("socket.unknown-flag", socket(AF_UNIX, SOCK_STREAM | 0x100, 0));
	T("socket.family-46", socket(46, SOCK_STREAM, 0));
	T("socket.family-1000", socket(1000, SOCK_STREAM, 0));
	T("socket.family-negative", socket(-1, SOCK_STREAM, 0));
	T("socket.family-unspec", socket(AF_UNSPEC, SOCK_STREAM, 0));
	TOK("socket.nonblock-cloexec", s = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
	say("socket.nonblock.flags", "O_NONBLOCK %s, O_RDWR %s", yesno(fcntl(s, F_GETFL) & O_NONBLOCK),
	    yesno((fcntl(s, F_GETFL) & O_ACCMODE) == O_RDWR));
	say("socket.cloexec.flags", "FD_CLOEXEC %s", yesno(fcntl(s, F_GETFD) & FD_CLOEXEC));
	close(s);
	int p[2];
	pipe(p);
	struct sockaddr_un a;
	socklen_t len;
	sa_path(&a, &len, DIR "/x");
	T("bind.not-a-socket", bind(p[0], (struct sockaddr *)&a, len));
	T("bind.bad-fd", bind(999, (struct sockaddr *)&a, len));
	T("listen.not-a-socket", listen(p[0], 1));
	T("getsockopt.not-a-socket", getint(p[0], SO_TYPE) + 1000);
	T("shutdown.not-a-socket", shutdown(p[0], SHUT_RD));
	T("send.not-a-socket", send(p[1], "x", 1, 0));
	close(p[0]);
	close(p[1]);
	int sv[2];
	T("socketpair.stream", socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	close(sv[0]);
	close(sv[1]);
	T("socketpair.bad-flag", socketpair(AF_UNIX, SOCK_STREAM | 0x100, 0, sv));
	T("socketpair.bad-family", socketpair(1000, SOCK_STREAM, 0, sv));
	T("socketpair.bad-pointer", syscall(SYS_socketpair, AF_UNIX, SOCK_STREAM, 0, 8L));
	T("socketpair.bad-type", socketpair(AF_UNIX, SOCK_RDM, 0, sv));
}

static volatile int sigpipes;
static void on_sigpipe(int sig)
{
	(void)sig;
	sigpipes++;
}

static void stream_cases(void)
{
	int sv[2];
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	T("stream.write", write(sv[0], "hello", 5));
	int n = -1;
	T("stream.FIONREAD", ioctl(sv[1], FIONREAD, &n));
	say("stream.FIONREAD.effect", "%d", n);
	char buf[64] = { 0 };
	T("stream.recv-peek", recv(sv[1], buf, 3, MSG_PEEK));
	say("stream.recv-peek.effect", "%.3s", buf);
	T("stream.read", read(sv[1], buf, sizeof buf));
	say("stream.read.effect", "%.5s", buf);
	T("stream.recv-dontwait-empty", recv(sv[1], buf, sizeof buf, MSG_DONTWAIT));
	T("stream.recv-zero-length-dontwait", recv(sv[1], buf, 0, MSG_DONTWAIT));
	/* Two writes are read as one byte stream. */
	write(sv[0], "ab", 2);
	write(sv[0], "cd", 2);
	memset(buf, 0, sizeof buf);
	T("stream.merged-read", read(sv[1], buf, sizeof buf));
	say("stream.merged-read.effect", "%s", buf);
	struct sockaddr_un a;
	socklen_t len = sizeof a;
	memset(&a, 0x55, sizeof a);
	T("stream.getsockname-unnamed", getsockname(sv[0], (struct sockaddr *)&a, &len));
	say("stream.getsockname-unnamed.effect", "len %d family %d", (int)len, a.sun_family);
	len = sizeof a;
	T("stream.getpeername-unnamed", getpeername(sv[0], (struct sockaddr *)&a, &len));
	say("stream.getpeername-unnamed.effect", "len %d", (int)len);
	len = 1;
	T("stream.getsockname-short", getsockname(sv[0], (struct sockaddr *)&a, &len));
	say("stream.getsockname-short.effect", "len %d", (int)len);
	int neg = -1;
	T("stream.getsockname-negative-len", getsockname(sv[0], (struct sockaddr *)&a, (socklen_t *)&neg));
	T("stream.getsockname-bad-len-pointer", getsockname(sv[0], (struct sockaddr *)&a, (socklen_t *)8));
	struct ucred cr;
	len = sizeof cr;
	T("stream.SO_PEERCRED", getsockopt(sv[0], SOL_SOCKET, SO_PEERCRED, &cr, &len));
	say("stream.SO_PEERCRED.effect", "pid %s uid %d gid %d len %d", cr.pid == getpid() ? "self" : "other", cr.uid,
	    cr.gid, (int)len);
	/* MSG_WAITALL: three writes from a child make one receive. */
	pid_t c = fork();
	if (c == 0) {
		for (int i = 0; i < 3; i++) {
			msleep(30);
			write(sv[0], "0123456789", 10);
		}
		_exit(0);
	}
	memset(buf, 0, sizeof buf);
	T("stream.recv-waitall", recv(sv[1], buf, 30, MSG_WAITALL));
	waitpid(c, 0, 0);
	/* A blocked read wakes when a child writes. */
	c = fork();
	if (c == 0) {
		msleep(50);
		write(sv[0], "late", 4);
		_exit(0);
	}
	T("stream.blocking-read", read(sv[1], buf, sizeof buf));
	waitpid(c, 0, 0);
	/* shutdown(SHUT_WR): the peer reads end of file, and sees RDHUP. */
	T("shutdown.bad-how", shutdown(sv[0], 3));
	T("shutdown.negative-how", shutdown(sv[0], -1));
	PM("poll.connected-idle", sv[1]);
	write(sv[0], "z", 1);
	PM("poll.data", sv[1]);
	read(sv[1], buf, 1);
	T("shutdown.wr", shutdown(sv[0], SHUT_WR));
	PM("poll.peer-shut-wr", sv[1]);
	PM("poll.own-shut-wr", sv[0]);
	T("shutdown.wr.peer-read", read(sv[1], buf, sizeof buf));
	signal(SIGPIPE, on_sigpipe);
	sigpipes = 0;
	T("shutdown.wr.write", write(sv[0], "x", 1));
	say("shutdown.wr.write.sigpipe", "%d", sigpipes);
	T("shutdown.wr.peer-write", write(sv[1], "back", 4));
	T("shutdown.wr.own-read", read(sv[0], buf, sizeof buf));
	T("shutdown.rd", shutdown(sv[0], SHUT_RD));
	PM("poll.own-shut-rdwr", sv[0]);
	sigpipes = 0;
	T("shutdown.rd.peer-write", send(sv[1], "x", 1, MSG_NOSIGNAL));
	say("shutdown.rd.peer-write.sigpipe", "%d", sigpipes);
	T("shutdown.rd.read-after", read(sv[0], buf, sizeof buf));
	close(sv[0]);
	close(sv[1]);

	/* The peer closes: EOF for reads, EPIPE and SIGPIPE for writes. */
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	write(sv[0], "left", 4);
	close(sv[0]);
	PM("poll.peer-closed", sv[1]);
	T("peer-closed.read-data", read(sv[1], buf, sizeof buf));
	T("peer-closed.read-eof", read(sv[1], buf, sizeof buf));
	sigpipes = 0;
	T("peer-closed.write", write(sv[1], "x", 1));
	say("peer-closed.write.sigpipe", "%d", sigpipes);
	sigpipes = 0;
	T("peer-closed.send-nosignal", send(sv[1], "x", 1, MSG_NOSIGNAL));
	say("peer-closed.send-nosignal.sigpipe", "%d", sigpipes);
	T("peer-closed.SO_ERROR", getint(sv[1], SO_ERROR));
	close(sv[1]);

	/* Closing with unread data resets the peer. */
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	write(sv[0], "unread", 6);
	write(sv[1], "mine", 4);
	close(sv[1]);
	PM("poll.reset", sv[0]);
	T("reset.SO_ERROR", getint(sv[0], SO_ERROR));
	T("reset.read-data", read(sv[0], buf, sizeof buf));
	T("reset.read-after", read(sv[0], buf, sizeof buf));
	close(sv[0]);
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	write(sv[1], "mine", 4);
	close(sv[1]);
	T("reset.read-error-first", read(sv[0], buf, 0));
	T("reset.read-data-then", read(sv[0], buf, sizeof buf));
	T("reset.read-eof", read(sv[0], buf, sizeof buf));
	close(sv[0]);

	/* Unconnected stream sockets. */
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	PM("poll.unconnected", s);
	T("unconnected.read", read(s, buf, 1));
	T("unconnected.recv", recv(s, buf, 1, 0));
	T("unconnected.write", write(s, "x", 1));
	T("unconnected.getpeername", getpeername(s, (struct sockaddr *)&a, &len));
	T("unconnected.shutdown", shutdown(s, SHUT_RDWR));
	T("unconnected.accept", accept(s, 0, 0));
	T("unconnected.listen-unbound", listen(s, 1));
	close(s);
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	sa_path(&a, &len, DIR "/nowhere");
	T("connected.sendto-address", sendto(sv[0], "x", 1, 0, (struct sockaddr *)&a, len));
	T("connected.listen", listen(sv[0], 1));
	T("connected.unknown-msg-flag", send(sv[0], "x", 1, 0x10000000));
	read(sv[1], buf, 1);
	close(sv[0]);
	close(sv[1]);
}

static void big_transfer_cases(void)
{
	int sv[2];
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	const int total = 1 << 20;
	pid_t c = fork();
	if (c == 0) {
		close(sv[1]);
		static char out[1 << 20];
		for (int i = 0; i < total; i++)
			out[i] = (char)(i * 7 + i / 251);
		ssize_t w = write(sv[0], out, total);
		_exit(w == total ? 0 : 1);
	}
	close(sv[0]);
	static char in[1 << 20];
	long got = 0;
	int bad = 0;
	for (;;) {
		ssize_t n = read(sv[1], in + got, total - got + (got == total));
		if (n <= 0)
			break;
		got += n;
		if (got > total)
			break;
	}
	for (int i = 0; i < total && i < got; i++)
		if (in[i] != (char)(i * 7 + i / 251))
			bad++;
	int st = 0;
	waitpid(c, &st, 0);
	say("stream.1MiB", "got %ld, %d bad bytes, writer %s", got, bad, status_text(st));
	close(sv[1]);

	/* MSG_WAITALL larger than the socket buffer: filled across many writes. */
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	c = fork();
	if (c == 0) {
		static char out[8192];
		memset(out, 'w', sizeof out);
		for (int i = 0; i < 50; i++) {
			if (write(sv[0], out, 6000) != 6000)
				_exit(1);
			if (i % 10 == 0)
				msleep(10);
		}
		_exit(0);
	}
	got = recv(sv[1], in, 300000, MSG_WAITALL);
	waitpid(c, &st, 0);
	say("stream.waitall-300000", "%ld, writer %s", got, status_text(st));
	close(sv[0]);
	close(sv[1]);

	/* Filling a socket stops with EAGAIN; reading makes room again. */
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	int e = 0;
	long filled = fill(sv[0], &e);
	say("fill.stream", "%s, bytes %s", ename(e), filled > 0 && filled <= 2 * 425984 ? "in (0, 2*sndbuf]" : "other");
	PM("poll.full", sv[0]);
	static char drain[65536];
	while (recv(sv[1], drain, sizeof drain, MSG_DONTWAIT) > 0)
		;
	PM("poll.drained", sv[0]);
	close(sv[0]);
	close(sv[1]);
	/* A smaller SO_SNDBUF holds less. */
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	int v = 8192;
	setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &v, sizeof v);
	long small = fill(sv[0], &e);
	say("fill.small-sndbuf", "%s, %s", ename(e), small < filled ? "less than default" : "not less");
	/* SO_SNDTIMEO: a blocking send into a full buffer gives up. */
	struct timeval tv = { 0, 200000 };
	T("SO_SNDTIMEO.set", setsockopt(sv[0], SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv));
	long t0 = now_ms();
	T("SO_SNDTIMEO.send-full", send(sv[0], drain, 100, 0));
	say("SO_SNDTIMEO.waited", "%s", now_ms() - t0 >= 150 ? ">=150ms" : "<150ms");
	close(sv[0]);
	close(sv[1]);
	/* Many pairs filled at once: each stops with EAGAIN (or a buffer budget), none fails otherwise. */
	int pairs[40][2], ok = 1;
	for (int i = 0; i < 40; i++) {
		if (socketpair(AF_UNIX, SOCK_STREAM, 0, pairs[i])) {
			ok = 0;
			pairs[i][0] = pairs[i][1] = -1;
			continue;
		}
		fill(pairs[i][0], &e);
		if (e != EAGAIN && e != ENOBUFS)
			ok = 0;
	}
	say("fill.40-pairs", "%s", ok ? "all stopped with EAGAIN" : "other");
	for (int i = 0; i < 40; i++) {
		close(pairs[i][0]);
		close(pairs[i][1]);
	}
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	T("after-fill.write", write(sv[0], "ok", 2));
	close(sv[0]);
	close(sv[1]);
}

static void path_cases(void)
{
	struct sockaddr_un a, got;
	socklen_t len, glen;
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	sa_path(&a, &len, DIR "/s1");
	T("bind.path", bind(s, (struct sockaddr *)&a, len));
	struct stat st;
	T("bind.path.stat", stat(DIR "/s1", &st));
	say("bind.path.stat.effect", "%s mode %o", S_ISSOCK(st.st_mode) ? "socket" : "other", st.st_mode & 07777);
	glen = sizeof got;
	T("bind.path.getsockname", getsockname(s, (struct sockaddr *)&got, &glen));
	say("bind.path.getsockname.effect", "len %d path %s", (int)glen, got.sun_path);
	T("bind.again", bind(s, (struct sockaddr *)&a, len));
	sa_path(&a, &len, DIR "/s1b");
	T("bind.bound-socket-new-path", bind(s, (struct sockaddr *)&a, len));
	say("bind.bound-socket-new-path.file", "%s", access(DIR "/s1b", F_OK) == 0 ? "made" : "absent");
	int s2 = socket(AF_UNIX, SOCK_STREAM, 0);
	sa_path(&a, &len, DIR "/s1");
	T("bind.in-use", bind(s2, (struct sockaddr *)&a, len));
	sa_path(&a, &len, DIR "/nodir/s");
	T("bind.missing-dir", bind(s2, (struct sockaddr *)&a, len));
	close(open(DIR "/file", O_CREAT | O_WRONLY, 0644));
	sa_path(&a, &len, DIR "/file");
	T("bind.over-file", bind(s2, (struct sockaddr *)&a, len));
	a.sun_family = AF_INET;
	T("bind.wrong-family", bind(s2, (struct sockaddr *)&a, len));
	sa_path(&a, &len, DIR "/s2");
	T("bind.len-1", bind(s2, (struct sockaddr *)&a, 1));
	T("bind.len-111", bind(s2, (struct sockaddr *)&a, 111));
	T("bind.len-200", bind(s2, (struct sockaddr *)&a, 200));
	T("bind.len-negative", bind(s2, (struct sockaddr *)&a, (socklen_t)-1));
	T("bind.bad-pointer", bind(s2, (struct sockaddr *)8, len));
	/* A path without a NUL in the given length. */
	T("bind.no-nul", bind(s2, (struct sockaddr *)&a, offsetof(struct sockaddr_un, sun_path) + strlen(DIR "/s2")));
	glen = sizeof got;
	getsockname(s2, (struct sockaddr *)&got, &glen);
	say("bind.no-nul.getsockname", "len %d path %s", (int)glen, got.sun_path);
	close(s2);

	/* Connecting. */
	T("connect.not-listening", connect_path(SOCK_STREAM, DIR "/s1", 0));
	T("connect.missing", connect_path(SOCK_STREAM, DIR "/none", 0));
	T("connect.regular-file", connect_path(SOCK_STREAM, DIR "/file", 0));
	T("connect.dgram-to-stream", connect_path(SOCK_DGRAM, DIR "/s1", 0));
	T("listen", listen(s, 5));
	say("listen.SO_ACCEPTCONN", "%d", getint(s, SO_ACCEPTCONN));
	T("listen.again", listen(s, 10));
	T("connect.seqpacket-to-stream", connect_path(SOCK_SEQPACKET, DIR "/s1", 0));
	int c;
	TOK("connect.path", c = connect_path(SOCK_STREAM, DIR "/s1", 0));
	PM("poll.listener-pending", s);
	glen = sizeof got;
	memset(&got, 0x55, sizeof got);
	int acc;
	TOK("accept", acc = accept(s, (struct sockaddr *)&got, &glen));
	say("accept.peer-address", "len %d family %d", (int)glen, got.sun_family);
	PM("poll.listener-idle", s);
	glen = sizeof got;
	getsockname(acc, (struct sockaddr *)&got, &glen);
	say("accepted.getsockname", "len %d path %s", (int)glen, got.sun_path);
	glen = sizeof got;
	T("client.getpeername", getpeername(c, (struct sockaddr *)&got, &glen));
	say("client.getpeername.effect", "len %d path %s", (int)glen, got.sun_path);
	struct ucred cr;
	socklen_t crl = sizeof cr;
	getsockopt(c, SOL_SOCKET, SO_PEERCRED, &cr, &crl);
	say("client.SO_PEERCRED", "pid %s uid %d", cr.pid == getpid() ? "self" : "other", cr.uid);
	T("client.connect-again", connect_path(SOCK_STREAM, DIR "/s1", 0) >= 0 ? 0 : -1);
	sa_path(&a, &len, DIR "/s1");
	T("client.connect-connected", connect(c, (struct sockaddr *)&a, len));
	T("listener.connect", connect(s, (struct sockaddr *)&a, len));
	write(c, "ping", 4);
	char buf[16] = { 0 };
	T("accepted.read", read(acc, buf, sizeof buf));
	char from[128];
	socklen_t flen = sizeof from;
	write(acc, "pong", 4);
	T("client.recvfrom", recvfrom(c, buf, sizeof buf, 0, (struct sockaddr *)from, &flen));
	say("client.recvfrom.addrlen", "%d", (int)flen);
	/* unlink: the name goes, the socket and its connections stay. */
	T("unlink", unlink(DIR "/s1"));
	T("connect.after-unlink", connect_path(SOCK_STREAM, DIR "/s1", 0));
	T("after-unlink.write", write(c, "still", 5));
	T("after-unlink.read", read(acc, buf, sizeof buf));
	glen = sizeof got;
	getsockname(s, (struct sockaddr *)&got, &glen);
	say("after-unlink.getsockname", "len %d path %s", (int)glen, got.sun_path);
	int s3 = socket(AF_UNIX, SOCK_STREAM, 0);
	T("rebind-after-unlink", bind(s3, (struct sockaddr *)&a, len));
	listen(s3, 1);
	int c3;
	TOK("connect.new-socket", c3 = connect_path(SOCK_STREAM, DIR "/s1", 0));
	say("connect.new-socket.pending", "old %s, new %s", yesno(pollfd1(s, POLLIN) & POLLIN), yesno(pollfd1(s3, POLLIN) & POLLIN));
	T("open.socket-file", open(DIR "/s1", O_RDWR));
	close(c3);
	close(s3);
	/* The file outlives the socket: connecting is refused. */
	T("connect.closed-socket-file", connect_path(SOCK_STREAM, DIR "/s1", 0));
	unlink(DIR "/s1");
	close(acc);
	close(c);
	close(s);
	/* Permission: connecting needs write permission on the file. */
	s = listener(SOCK_STREAM, DIR "/s4", 5);
	chmod(DIR "/s4", 0);
	T("connect.no-permission-root", (c = connect_path(SOCK_STREAM, DIR "/s4", 0)) >= 0 ? 0 : -1);
	close(c);
	pid_t p = fork();
	if (p == 0) {
		if (drop_root())
			_exit(1);
		T("connect.no-permission", connect_path(SOCK_STREAM, DIR "/s4", 0));
		_exit(0);
	}
	waitpid(p, 0, 0);
	close(s);
	/* Relative paths name the file in the working directory. */
	chdir(DIR);
	s = listener(SOCK_STREAM, "rel", 1);
	T("connect.relative", (c = connect_path(SOCK_STREAM, DIR "/rel", 0)) >= 0 ? 0 : -1);
	close(c);
	glen = sizeof got;
	getsockname(s, (struct sockaddr *)&got, &glen);
	say("relative.getsockname", "len %d path %s", (int)glen, got.sun_path);
	close(s);
	chdir("/");
}

static void abstract_cases(void)
{
	struct sockaddr_un a, got;
	socklen_t len, glen;
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	sa_abstract(&a, &len, "xt-abs");
	T("bind.abstract", bind(s, (struct sockaddr *)&a, len));
	glen = sizeof got;
	getsockname(s, (struct sockaddr *)&got, &glen);
	say("bind.abstract.getsockname", "len %d first byte %d name %.6s", (int)glen, got.sun_path[0], got.sun_path + 1);
	int s2 = socket(AF_UNIX, SOCK_STREAM, 0);
	T("bind.abstract-in-use", bind(s2, (struct sockaddr *)&a, len));
	/* Another length is another name. */
	T("bind.abstract-prefix", bind(s2, (struct sockaddr *)&a, len - 1));
	close(s2);
	listen(s, 3);
	int c = socket(AF_UNIX, SOCK_STREAM, 0);
	T("connect.abstract", connect(c, (struct sockaddr *)&a, len));
	close(c);
	c = socket(AF_UNIX, SOCK_STREAM, 0);
	sa_abstract(&a, &len, "xt-none");
	T("connect.abstract-unknown", connect(c, (struct sockaddr *)&a, len));
	T("connect.family-only", connect(c, (struct sockaddr *)&a, 2));
	close(c);
	close(s);
	/* After close the name is free again. */
	s = socket(AF_UNIX, SOCK_STREAM, 0);
	sa_abstract(&a, &len, "xt-abs");
	T("bind.abstract-after-close", bind(s, (struct sockaddr *)&a, len));
	close(s);
	/* Autobind: only the family. */
	s = socket(AF_UNIX, SOCK_DGRAM, 0);
	T("bind.autobind", bind(s, (struct sockaddr *)&a, sizeof(sa_family_t)));
	glen = sizeof got;
	getsockname(s, (struct sockaddr *)&got, &glen);
	say("bind.autobind.getsockname", "len %d first byte %d", (int)glen, got.sun_path[0]);
	T("bind.autobind-again", bind(s, (struct sockaddr *)&a, sizeof(sa_family_t)));
	close(s);
	/* SO_PASSCRED autobinds at connect. */
	s = socket(AF_UNIX, SOCK_STREAM, 0);
	sa_abstract(&a, &len, "xt-pc");
	bind(s, (struct sockaddr *)&a, len);
	listen(s, 1);
	c = socket(AF_UNIX, SOCK_STREAM, 0);
	int one = 1;
	setsockopt(c, SOL_SOCKET, SO_PASSCRED, &one, sizeof one);
	connect(c, (struct sockaddr *)&a, len);
	glen = sizeof got;
	getsockname(c, (struct sockaddr *)&got, &glen);
	say("passcred.autobind", "len %d", (int)glen);
	int acc = accept(s, (struct sockaddr *)&got, &glen);
	say("passcred.accept-peer", "len %d", (int)glen);
	close(acc);
	close(c);
	close(s);
}

static void backlog_cases(void)
{
	int s = listener(SOCK_STREAM, DIR "/bl", 2);
	int cs[8], n = 0, e = 0;
	for (int i = 0; i < 8; i++) {
		cs[i] = connect_path(SOCK_STREAM, DIR "/bl", SOCK_NONBLOCK);
		if (cs[i] < 0) {
			e = errno;
			break;
		}
		n++;
	}
	say("backlog-2.connects", "%d then %s", n, ename(e));
	int accepted = 0;
	int fl = fcntl(s, F_GETFL);
	fcntl(s, F_SETFL, fl | O_NONBLOCK);
	for (;;) {
		int a = accept(s, 0, 0);
		if (a < 0) {
			e = errno;
			break;
		}
		accepted++;
		close(a);
	}
	say("backlog-2.accepted", "%d then %s", accepted, ename(e));
	fcntl(s, F_SETFL, fl);
	for (int i = 0; i < n; i++)
		close(cs[i]);
	/* listen(0) still takes one. */
	int s0 = listener(SOCK_STREAM, DIR "/bl0", 0);
	int c1 = connect_path(SOCK_STREAM, DIR "/bl0", SOCK_NONBLOCK);
	T("backlog-0.first", c1 >= 0 ? 0 : -1);
	T("backlog-0.second", connect_path(SOCK_STREAM, DIR "/bl0", SOCK_NONBLOCK));
	/* A blocking connect waits until the listener accepts. */
	pid_t p = fork();
	if (p == 0) {
		msleep(100);
		close(accept(s0, 0, 0));
		msleep(500);
		_exit(0);
	}
	long t0 = now_ms();
	int c2 = connect_path(SOCK_STREAM, DIR "/bl0", 0);
	T("connect.blocking-backlog", c2 >= 0 ? 0 : -1);
	say("connect.blocking-backlog.waited", "%s", now_ms() - t0 >= 80 ? ">=80ms" : "<80ms");
	waitpid(p, 0, 0);
	close(c1);
	close(c2);
	close(s0);
	/* accept: non-blocking, timeouts, flags. */
	fcntl(s, F_SETFL, fl | O_NONBLOCK);
	T("accept.nonblock-empty", accept(s, 0, 0));
	fcntl(s, F_SETFL, fl);
	struct timeval tv = { 0, 200000 };
	setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	long t1 = now_ms();
	T("accept.SO_RCVTIMEO", accept(s, 0, 0));
	say("accept.SO_RCVTIMEO.waited", "%s", now_ms() - t1 >= 150 ? ">=150ms" : "<150ms");
	int c = connect_path(SOCK_STREAM, DIR "/bl", 0);
	int a;
	TOK("accept4.flags", a = accept4(s, 0, 0, SOCK_NONBLOCK | SOCK_CLOEXEC));
	say("accept4.flags.effect", "O_NONBLOCK %s, FD_CLOEXEC %s", yesno(fcntl(a, F_GETFL) & O_NONBLOCK),
	    yesno(fcntl(a, F_GETFD) & FD_CLOEXEC));
	close(a);
	close(c);
	/* Raw calls: musl retries a refused accept4 as accept. */
	T("accept4.bad-flags", syscall(SYS_accept4, s, 0L, 0L, 0x100L));
	socklen_t neg = (socklen_t)-1;
	struct sockaddr_un got;
	T("accept.negative-len", accept(s, (struct sockaddr *)&got, &neg));
	T("accept.bad-len-pointer", accept(s, (struct sockaddr *)&got, (socklen_t *)8));
	int d = socket(AF_UNIX, SOCK_DGRAM, 0);
	T("accept.dgram", accept(d, 0, 0));
	T("listen.dgram", listen(d, 1));
	close(d);
	/* A listener closed with connections waiting resets them. */
	c = connect_path(SOCK_STREAM, DIR "/bl", 0);
	close(s);
	PM("poll.listener-gone", c);
	char buf[8];
	T("listener-gone.read", read(c, buf, sizeof buf));
	T("listener-gone.read-again", read(c, buf, sizeof buf));
	close(c);
	T("connect.closed-listener", connect_path(SOCK_STREAM, DIR "/bl", 0));
	unlink(DIR "/bl");
	unlink(DIR "/bl0");
}

static void many_cases(void)
{
	int s = listener(SOCK_STREAM, DIR "/many", 128);
	const int N = 60;
	pid_t p = fork();
	if (p == 0) {
		for (int i = 0; i < N; i++) {
			int c = connect_path(SOCK_STREAM, DIR "/many", 0);
			if (c < 0)
				_exit(1);
			char b = (char)i;
			write(c, &b, 1);
			close(c);
		}
		_exit(0);
	}
	int got = 0, sum = 0;
	for (int i = 0; i < N; i++) {
		int a = accept(s, 0, 0);
		if (a < 0)
			break;
		char b;
		if (read(a, &b, 1) == 1) {
			got++;
			sum += b;
		}
		close(a);
	}
	int st;
	waitpid(p, &st, 0);
	say("many.accepted", "%d, sum %d, client %s", got, sum, status_text(st));
	close(s);
	unlink(DIR "/many");
}

static void dgram_cases(void)
{
	int sv[2];
	socketpair(AF_UNIX, SOCK_DGRAM, 0, sv);
	send(sv[0], "one", 3, 0);
	send(sv[0], "two!", 4, 0);
	send(sv[0], "three", 5, 0);
	int n = -1;
	ioctl(sv[1], FIONREAD, &n);
	say("dgram.FIONREAD", "%d", n);
	char buf[64] = { 0 };
	T("dgram.recv-1", recv(sv[1], buf, sizeof buf, 0));
	T("dgram.recv-peek", recv(sv[1], buf, sizeof buf, MSG_PEEK));
	T("dgram.recv-2", recv(sv[1], buf, sizeof buf, 0));
	struct iovec iov = { buf, 2 };
	struct msghdr m = { 0 };
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	T("dgram.recvmsg-truncated", recvmsg(sv[1], &m, 0));
	say("dgram.recvmsg-truncated.flags", "MSG_TRUNC %s", yesno(m.msg_flags & MSG_TRUNC));
	send(sv[0], "four4", 5, 0);
	T("dgram.recv-MSG_TRUNC", recv(sv[1], buf, 2, MSG_TRUNC));
	T("dgram.recv-empty-dontwait", recv(sv[1], buf, sizeof buf, MSG_DONTWAIT));
	T("dgram.send-empty", send(sv[0], "", 0, 0));
	T("dgram.recv-empty-message", recv(sv[1], buf, sizeof buf, 0));
	PM("poll.dgram-pair", sv[0]);
	T("dgram.shutdown-wr", shutdown(sv[0], SHUT_WR));
	T("dgram.send-after-shutdown", send(sv[0], "x", 1, MSG_NOSIGNAL));
	PM("poll.dgram-shut-wr-peer", sv[1]);
	close(sv[0]);
	close(sv[1]);

	/* Named datagram sockets. */
	struct sockaddr_un a, from;
	socklen_t len, flen;
	int srv = socket(AF_UNIX, SOCK_DGRAM, 0);
	sa_path(&a, &len, DIR "/d1");
	bind(srv, (struct sockaddr *)&a, len);
	int cl = socket(AF_UNIX, SOCK_DGRAM, 0);
	T("dgram.sendto", sendto(cl, "hi", 2, 0, (struct sockaddr *)&a, len));
	flen = sizeof from;
	T("dgram.recvfrom-unbound-sender", recvfrom(srv, buf, sizeof buf, 0, (struct sockaddr *)&from, &flen));
	say("dgram.recvfrom-unbound-sender.addrlen", "%d", (int)flen);
	struct sockaddr_un ca;
	socklen_t calen;
	sa_path(&ca, &calen, DIR "/d2");
	bind(cl, (struct sockaddr *)&ca, calen);
	sendto(cl, "hi", 2, 0, (struct sockaddr *)&a, len);
	flen = sizeof from;
	T("dgram.recvfrom-bound-sender", recvfrom(srv, buf, sizeof buf, 0, (struct sockaddr *)&from, &flen));
	say("dgram.recvfrom-bound-sender.addr", "len %d path %s", (int)flen, from.sun_path);
	T("dgram.send-unconnected", send(cl, "x", 1, 0));
	T("dgram.getpeername-unconnected", getpeername(cl, (struct sockaddr *)&from, &flen));
	T("dgram.connect", connect(cl, (struct sockaddr *)&a, len));
	T("dgram.send-connected", send(cl, "abc", 3, 0));
	flen = sizeof from;
	T("dgram.getpeername", getpeername(cl, (struct sockaddr *)&from, &flen));
	say("dgram.getpeername.effect", "len %d path %s", (int)flen, from.sun_path);
	recv(srv, buf, sizeof buf, 0);
	struct sockaddr_un missing;
	socklen_t mlen;
	sa_path(&missing, &mlen, DIR "/none");
	T("dgram.sendto-missing", sendto(cl, "x", 1, 0, (struct sockaddr *)&missing, mlen));
	T("dgram.sendto-family-only", sendto(cl, "x", 1, 0, (struct sockaddr *)&missing, 2));
	T("dgram.sendto-bad-family", sendto(cl, "x", 1, 0, (struct sockaddr *)&(struct sockaddr){ AF_INET, { 0 } }, 16));
	/* A third socket may not send to a server connected elsewhere... */
	int srv2 = socket(AF_UNIX, SOCK_DGRAM, 0);
	struct sockaddr_un a2;
	socklen_t len2;
	sa_path(&a2, &len2, DIR "/d3");
	bind(srv2, (struct sockaddr *)&a2, len2);
	T("dgram.connect-srv2-to-cl", connect(srv2, (struct sockaddr *)&ca, calen));
	int third = socket(AF_UNIX, SOCK_DGRAM, 0);
	T("dgram.sendto-connected-elsewhere", sendto(third, "x", 1, 0, (struct sockaddr *)&a2, len2));
	T("dgram.connect-to-connected-elsewhere", connect(third, (struct sockaddr *)&a2, len2));
	close(third);
	close(srv2);
	/* AF_UNSPEC disconnects. */
	struct sockaddr unspec = { AF_UNSPEC, { 0 } };
	T("dgram.connect-unspec", connect(cl, &unspec, sizeof unspec));
	T("dgram.send-after-disconnect", send(cl, "x", 1, 0));
	/* An unconnected receiver holds a bounded number of messages. */
	int sent = 0, e = 0;
	for (int i = 0; i < 100; i++) {
		if (sendto(cl, "q", 1, MSG_DONTWAIT, (struct sockaddr *)&a, len) < 0) {
			e = errno;
			break;
		}
		sent++;
	}
	say("dgram.queue-limit", "%d then %s", sent, ename(e));
	PM("poll.dgram-receiver-full", srv);
	connect(cl, (struct sockaddr *)&a, len);
	PM("poll.dgram-sender-to-full", cl);
	while (recv(srv, buf, sizeof buf, MSG_DONTWAIT) > 0)
		;
	PM("poll.dgram-sender-drained", cl);
	/* Oversized datagrams. */
	static char big[300000];
	T("dgram.send-212000", send(cl, big, 212000, MSG_DONTWAIT));
	recv(srv, big, sizeof big, MSG_DONTWAIT);
	T("dgram.send-300000", send(cl, big, 300000, 0));
	/* The receiver goes away: the connected sender is refused. */
	close(srv);
	T("dgram.send-receiver-closed", send(cl, "x", 1, 0));
	T("dgram.send-receiver-closed-again", send(cl, "x", 1, 0));
	T("dgram.sendto-closed-path", sendto(cl, "x", 1, 0, (struct sockaddr *)&a, len));
	close(cl);
	/* Datagram socket connected to itself. */
	int self = socket(AF_UNIX, SOCK_DGRAM, 0);
	sa_abstract(&a, &len, "xt-self");
	bind(self, (struct sockaddr *)&a, len);
	T("dgram.connect-self", connect(self, (struct sockaddr *)&a, len));
	T("dgram.send-self", send(self, "me", 2, 0));
	T("dgram.recv-self", recv(self, buf, sizeof buf, 0));
	close(self);
	/* SO_RCVTIMEO on a receive. */
	socketpair(AF_UNIX, SOCK_DGRAM, 0, sv);
	struct timeval tv = { 0, 200000 };
	setsockopt(sv[1], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	long t0 = now_ms();
	T("dgram.recv-SO_RCVTIMEO", recv(sv[1], buf, sizeof buf, 0));
	say("dgram.recv-SO_RCVTIMEO.waited", "%s", now_ms() - t0 >= 150 ? ">=150ms" : "<150ms");
	close(sv[0]);
	close(sv[1]);
	unlink(DIR "/d1");
	unlink(DIR "/d2");
	unlink(DIR "/d3");
}

static void seqpacket_cases(void)
{
	int sv[2];
	T("socketpair.seqpacket", socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv));
	send(sv[0], "rec1", 4, 0);
	send(sv[0], "record2", 7, 0);
	int n = -1;
	ioctl(sv[1], FIONREAD, &n);
	say("seqpacket.FIONREAD", "%d", n);
	char buf[64];
	T("seqpacket.recv-1", recv(sv[1], buf, sizeof buf, 0));
	struct iovec iov = { buf, 3 };
	struct msghdr m = { 0 };
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	T("seqpacket.recvmsg-truncated", recvmsg(sv[1], &m, 0));
	say("seqpacket.recvmsg-truncated.flags", "MSG_TRUNC %s MSG_EOR %s", yesno(m.msg_flags & MSG_TRUNC),
	    yesno(m.msg_flags & MSG_EOR));
	struct sockaddr_un a;
	socklen_t len;
	sa_path(&a, &len, DIR "/q");
	T("seqpacket.sendto-address", sendto(sv[0], "x", 1, 0, (struct sockaddr *)&a, len));
	recv(sv[1], buf, sizeof buf, MSG_DONTWAIT);
	close(sv[0]);
	PM("poll.seqpacket-peer-closed", sv[1]);
	T("seqpacket.recv-peer-closed", recv(sv[1], buf, sizeof buf, 0));
	signal(SIGPIPE, on_sigpipe);
	sigpipes = 0;
	T("seqpacket.send-peer-closed", send(sv[1], "x", 1, 0));
	say("seqpacket.send-peer-closed.sigpipe", "%d", sigpipes);
	close(sv[1]);
	/* Listening and connecting. */
	int s = listener(SOCK_SEQPACKET, DIR "/q", 4);
	int c = connect_path(SOCK_SEQPACKET, DIR "/q", 0);
	T("seqpacket.connect", c >= 0 ? 0 : -1);
	int acc = accept(s, 0, 0);
	T("seqpacket.accept", acc >= 0 ? 0 : -1);
	send(c, "hello", 5, 0);
	send(c, "world", 5, 0);
	T("seqpacket.accepted-recv", recv(acc, buf, sizeof buf, 0));
	T("seqpacket.unconnected-send", send(s, "x", 1, 0));
	T("seqpacket.unconnected-recv", recv(s, buf, 1, 0));
	int big = 300000;
	static char huge[300000];
	T("seqpacket.send-oversized", send(c, huge, big, 0));
	close(acc);
	close(c);
	close(s);
	unlink(DIR "/q");
}

static int cmsg_send(int s, const void *data, size_t len, int level, int type, const void *cdata, size_t clen, int flags)
{
	char cbuf[CMSG_SPACE(512)];
	struct iovec iov = { (void *)data, len };
	struct msghdr m = { 0 };
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	if (clen) {
		memset(cbuf, 0, sizeof cbuf);
		m.msg_control = cbuf;
		m.msg_controllen = CMSG_SPACE(clen);
		struct cmsghdr *c = CMSG_FIRSTHDR(&m);
		c->cmsg_level = level;
		c->cmsg_type = type;
		c->cmsg_len = CMSG_LEN(clen);
		memcpy(CMSG_DATA(c), cdata, clen);
	}
	return sendmsg(s, &m, flags);
}

/* Receives with a control buffer of `room` bytes; fds into *fds (count returned in *nfds). */
static int cmsg_recv(int s, char *buf, size_t len, size_t room, int flags, int *fds, int *nfds, struct ucred *cr,
		     int *mflags)
{
	char cbuf[1024];
	struct iovec iov = { buf, len };
	struct msghdr m = { 0 };
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	m.msg_control = room ? cbuf : 0;
	m.msg_controllen = room;
	*nfds = 0;
	int r = recvmsg(s, &m, flags);
	if (r < 0)
		return r;
	*mflags = m.msg_flags;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
			int k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
			memcpy(fds + *nfds, CMSG_DATA(c), k * sizeof(int));
			*nfds += k;
		} else if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS) {
			memcpy(cr, CMSG_DATA(c), sizeof *cr);
		}
	}
	return r;
}

static void rights_cases(void)
{
	int sv[2], p[2];
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	pipe(p);
	T("SCM_RIGHTS.send", cmsg_send(sv[0], "F", 1, SOL_SOCKET, SCM_RIGHTS, &p[1], sizeof(int), 0));
	close(p[1]);
	int fds[64], nfds, mf;
	struct ucred cr;
	char buf[64];
	T("SCM_RIGHTS.recv", cmsg_recv(sv[1], buf, sizeof buf, CMSG_SPACE(sizeof(int)), 0, fds, &nfds, &cr, &mf));
	say("SCM_RIGHTS.count", "%d", nfds);
	if (nfds == 1) {
		say("SCM_RIGHTS.new-descriptor", "%s", fds[0] >= 0 ? "yes" : "no");
		say("SCM_RIGHTS.cloexec", "%s", yesno(fcntl(fds[0], F_GETFD) & FD_CLOEXEC));
		write(fds[0], "via", 3);
		close(fds[0]);
		memset(buf, 0, sizeof buf);
		read(p[0], buf, sizeof buf);
		say("SCM_RIGHTS.works", "%s", buf);
	}
	/* Two descriptors, room for one: MSG_CTRUNC. */
	int two[2] = { 0, 1 };
	cmsg_send(sv[0], "G", 1, SOL_SOCKET, SCM_RIGHTS, two, sizeof two, 0);
	T("SCM_RIGHTS.recv-short", cmsg_recv(sv[1], buf, sizeof buf, CMSG_SPACE(sizeof(int)), 0, fds, &nfds, &cr, &mf));
	say("SCM_RIGHTS.recv-short.effect", "%d fds, MSG_CTRUNC %s", nfds, yesno(mf & MSG_CTRUNC));
	for (int i = 0; i < nfds; i++)
		close(fds[i]);
	cmsg_send(sv[0], "H", 1, SOL_SOCKET, SCM_RIGHTS, two, sizeof two, 0);
	T("SCM_RIGHTS.recv-no-control", cmsg_recv(sv[1], buf, sizeof buf, 0, 0, fds, &nfds, &cr, &mf));
	say("SCM_RIGHTS.recv-no-control.effect", "%d fds, MSG_CTRUNC %s", nfds, yesno(mf & MSG_CTRUNC));
	/* MSG_CMSG_CLOEXEC, MSG_PEEK. */
	cmsg_send(sv[0], "I", 1, SOL_SOCKET, SCM_RIGHTS, &p[0], sizeof(int), 0);
	T("SCM_RIGHTS.peek", cmsg_recv(sv[1], buf, sizeof buf, CMSG_SPACE(sizeof(int)), MSG_PEEK, fds, &nfds, &cr, &mf));
	say("SCM_RIGHTS.peek.count", "%d", nfds);
	for (int i = 0; i < nfds; i++)
		close(fds[i]);
	T("SCM_RIGHTS.cmsg-cloexec",
	  cmsg_recv(sv[1], buf, sizeof buf, CMSG_SPACE(sizeof(int)), MSG_CMSG_CLOEXEC, fds, &nfds, &cr, &mf));
	say("SCM_RIGHTS.cmsg-cloexec.effect", "%d fds, FD_CLOEXEC %s", nfds, nfds ? yesno(fcntl(fds[0], F_GETFD) & FD_CLOEXEC) : "-");
	for (int i = 0; i < nfds; i++)
		close(fds[i]);
	/* Data before passed descriptors joins them in one read; the read stops after them. */
	write(sv[0], "ab", 2);
	cmsg_send(sv[0], "cd", 2, SOL_SOCKET, SCM_RIGHTS, &p[0], sizeof(int), 0);
	write(sv[0], "ef", 2);
	memset(buf, 0, sizeof buf);
	T("SCM_RIGHTS.stream-boundary", cmsg_recv(sv[1], buf, sizeof buf, CMSG_SPACE(sizeof(int)), 0, fds, &nfds, &cr, &mf));
	say("SCM_RIGHTS.stream-boundary.effect", "%s, %d fds", buf, nfds);
	for (int i = 0; i < nfds; i++)
		close(fds[i]);
	memset(buf, 0, sizeof buf);
	read(sv[1], buf, sizeof buf);
	say("SCM_RIGHTS.stream-boundary.rest", "%s", buf);
	/* Bad descriptors and control buffers. */
	int bad = 999;
	T("SCM_RIGHTS.bad-fd", cmsg_send(sv[0], "J", 1, SOL_SOCKET, SCM_RIGHTS, &bad, sizeof bad, 0));
	T("cmsg.unknown-type", cmsg_send(sv[0], "K", 1, SOL_SOCKET, 99, &bad, sizeof bad, 0));
	T("cmsg.other-level", cmsg_send(sv[0], "L", 1, 99, 1, &bad, sizeof bad, 0));
	read(sv[1], buf, sizeof buf);
	char cbuf[64] = { 0 };
	struct iovec iov = { "M", 1 };
	struct msghdr m = { 0 };
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	m.msg_control = cbuf;
	m.msg_controllen = sizeof cbuf;
	((struct cmsghdr *)cbuf)->cmsg_len = 8;
	T("cmsg.short-len", sendmsg(sv[0], &m, 0));
	((struct cmsghdr *)cbuf)->cmsg_len = 100;
	T("cmsg.long-len", sendmsg(sv[0], &m, 0));
	m.msg_controllen = 4;
	T("cmsg.tiny-control", sendmsg(sv[0], &m, 0));
	read(sv[1], buf, sizeof buf);
	m.msg_control = (void *)8;
	m.msg_controllen = 32;
	/* Raw calls: musl copies the msghdr and control buffer itself first. */
	T("cmsg.bad-pointer", syscall(SYS_sendmsg, sv[0], &m, 0L));
	m.msg_control = 0;
	m.msg_controllen = 0;
	T("sendmsg.MSG_CMSG_COMPAT", sendmsg(sv[0], &m, 0x80000000));
	m.msg_iovlen = 2000;
	T("sendmsg.iovlen-2000", sendmsg(sv[0], &m, 0));
	T("sendmsg.bad-msghdr", syscall(SYS_sendmsg, sv[0], 8L, 0L));
	T("recvmsg.bad-msghdr", syscall(SYS_recvmsg, sv[1], 8L, 0L));
	/* Passing a socket over itself, then closing both ends. */
	cmsg_send(sv[0], "N", 1, SOL_SOCKET, SCM_RIGHTS, &sv[1], sizeof(int), 0);
	close(sv[0]);
	close(sv[1]);
	close(p[0]);
	/* A chain of sockets, each queued in the one before, let go at once. */
	int chain[300][2], made = 0;
	for (int i = 0; i < 300; i++) {
		if (socketpair(AF_UNIX, SOCK_DGRAM, 0, chain[i]))
			break;
		made++;
		if (i > 0 && cmsg_send(chain[i - 1][0], "c", 1, SOL_SOCKET, SCM_RIGHTS, &chain[i][1], sizeof(int), 0) < 0)
			break;
		if (i > 0) {
			close(chain[i][1]);
			chain[i][1] = -1;
		}
	}
	for (int i = 0; i < made; i++) {
		close(chain[i][0]);
		if (chain[i][1] >= 0)
			close(chain[i][1]);
	}
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	T("SCM_RIGHTS.after-chain", write(sv[0], "ok", 2));
	say("SCM_RIGHTS.chain", "%d pairs", made);
	close(sv[0]);
	close(sv[1]);
	/* A socket passed into its own queue and closed is garbage: once
	 * collected (at some socket's release), its name is free again. */
	socketpair(AF_UNIX, SOCK_DGRAM, 0, sv);
	struct sockaddr_un ga;
	socklen_t galen;
	sa_abstract(&ga, &galen, "xt-gc");
	T("gc.bind", bind(sv[1], (struct sockaddr *)&ga, galen));
	T("gc.send-self", cmsg_send(sv[0], "S", 1, SOL_SOCKET, SCM_RIGHTS, &sv[1], sizeof(int), 0));
	close(sv[1]);
	close(sv[0]);
	close(socket(AF_UNIX, SOCK_DGRAM, 0));
	msleep(100);
	int gs = socket(AF_UNIX, SOCK_DGRAM, 0);
	T("gc.name-free-again", bind(gs, (struct sockaddr *)&ga, galen));
	close(gs);
	/* A cycle of two, one holding the other. */
	int p1[2], p2[2];
	socketpair(AF_UNIX, SOCK_STREAM, 0, p1);
	socketpair(AF_UNIX, SOCK_STREAM, 0, p2);
	sa_abstract(&ga, &galen, "xt-gc2");
	bind(p2[1], (struct sockaddr *)&ga, galen);
	cmsg_send(p1[0], "a", 1, SOL_SOCKET, SCM_RIGHTS, &p2[1], sizeof(int), 0);
	cmsg_send(p2[0], "b", 1, SOL_SOCKET, SCM_RIGHTS, &p1[1], sizeof(int), 0);
	close(p1[0]);
	close(p1[1]);
	close(p2[0]);
	close(p2[1]);
	close(socket(AF_UNIX, SOCK_DGRAM, 0));
	msleep(100);
	gs = socket(AF_UNIX, SOCK_DGRAM, 0);
	T("gc.cycle-name-free-again", bind(gs, (struct sockaddr *)&ga, galen));
	close(gs);
	/* Still reachable through an open socket: not collected. */
	socketpair(AF_UNIX, SOCK_DGRAM, 0, p1);
	socketpair(AF_UNIX, SOCK_DGRAM, 0, p2);
	sa_abstract(&ga, &galen, "xt-gc3");
	bind(p2[1], (struct sockaddr *)&ga, galen);
	cmsg_send(p1[0], "c", 1, SOL_SOCKET, SCM_RIGHTS, &p2[1], sizeof(int), 0);
	close(p2[1]);
	close(p2[0]);
	close(socket(AF_UNIX, SOCK_DGRAM, 0));
	msleep(100);
	gs = socket(AF_UNIX, SOCK_DGRAM, 0);
	T("gc.reachable-name-still-taken", bind(gs, (struct sockaddr *)&ga, galen));
	int got[4], ng, gf;
	struct ucred gcr;
	cmsg_recv(p1[1], buf, sizeof buf, CMSG_SPACE(sizeof(int)), 0, got, &ng, &gcr, &gf);
	say("gc.reachable-received", "%d fds", ng);
	for (int i = 0; i < ng; i++)
		close(got[i]);
	T("gc.received-then-closed-name-free", bind(gs, (struct sockaddr *)&ga, galen));
	close(gs);
	close(p1[0]);
	close(p1[1]);
	/* SCM_RIGHTS over datagrams. */
	socketpair(AF_UNIX, SOCK_DGRAM, 0, sv);
	pipe(p);
	cmsg_send(sv[0], "D", 1, SOL_SOCKET, SCM_RIGHTS, &p[1], sizeof(int), 0);
	T("SCM_RIGHTS.dgram", cmsg_recv(sv[1], buf, sizeof buf, CMSG_SPACE(sizeof(int)), 0, fds, &nfds, &cr, &mf));
	say("SCM_RIGHTS.dgram.count", "%d", nfds);
	for (int i = 0; i < nfds; i++)
		close(fds[i]);
	close(p[0]);
	close(p[1]);
	close(sv[0]);
	close(sv[1]);
}

static void creds_cases(void)
{
	int sv[2];
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	int one = 1;
	T("SO_PASSCRED.set", setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &one, sizeof one));
	say("SO_PASSCRED.get", "%d", getint(sv[1], SO_PASSCRED));
	write(sv[0], "c", 1);
	int fds[8], nfds, mf = 0;
	struct ucred cr = { -1, (uid_t)-1, (gid_t)-1 };
	char buf[16];
	T("SCM_CREDENTIALS.implicit", cmsg_recv(sv[1], buf, sizeof buf, CMSG_SPACE(sizeof cr), 0, fds, &nfds, &cr, &mf));
	say("SCM_CREDENTIALS.implicit.effect", "pid %s uid %d gid %d", cr.pid == getpid() ? "self" : "other", cr.uid, cr.gid);
	struct ucred mine = { getpid(), 0, 0 };
	T("SCM_CREDENTIALS.explicit", cmsg_send(sv[0], "d", 1, SOL_SOCKET, SCM_CREDENTIALS, &mine, sizeof mine, 0));
	cr.pid = -1;
	cmsg_recv(sv[1], buf, sizeof buf, CMSG_SPACE(sizeof cr), 0, fds, &nfds, &cr, &mf);
	say("SCM_CREDENTIALS.explicit.effect", "pid %s", cr.pid == getpid() ? "self" : "other");
	struct ucred other = { 1, 5, 5 };
	T("SCM_CREDENTIALS.root-other-ids", cmsg_send(sv[0], "e", 1, SOL_SOCKET, SCM_CREDENTIALS, &other, sizeof other, 0));
	cmsg_recv(sv[1], buf, sizeof buf, CMSG_SPACE(sizeof cr), 0, fds, &nfds, &cr, &mf);
	say("SCM_CREDENTIALS.root-other-ids.effect", "pid %d uid %d gid %d", cr.pid, cr.uid, cr.gid);
	T("SCM_CREDENTIALS.short", cmsg_send(sv[0], "f", 1, SOL_SOCKET, SCM_CREDENTIALS, &other, 8, 0));
	/* Room for nothing: MSG_CTRUNC. */
	write(sv[0], "g", 1);
	T("SCM_CREDENTIALS.no-room", cmsg_recv(sv[1], buf, sizeof buf, 8, 0, fds, &nfds, &cr, &mf));
	say("SCM_CREDENTIALS.no-room.flags", "MSG_CTRUNC %s", yesno(mf & MSG_CTRUNC));
	pid_t p = fork();
	if (p == 0) {
		if (drop_root())
			_exit(1);
		T("SCM_CREDENTIALS.unprivileged-other-pid",
		  cmsg_send(sv[0], "h", 1, SOL_SOCKET, SCM_CREDENTIALS, &other, sizeof other, 0));
		struct ucred own = { getpid(), 1000, 1000 };
		T("SCM_CREDENTIALS.unprivileged-own", cmsg_send(sv[0], "i", 1, SOL_SOCKET, SCM_CREDENTIALS, &own, sizeof own, 0));
		write(sv[0], "j", 1);
		_exit(0);
	}
	waitpid(p, 0, 0);
	/* Different senders are not merged into one read. */
	memset(buf, 0, sizeof buf);
	cmsg_recv(sv[1], buf, sizeof buf, CMSG_SPACE(sizeof cr), 0, fds, &nfds, &cr, &mf);
	say("SCM_CREDENTIALS.child", "data %s uid %d", buf, cr.uid);
	close(sv[0]);
	close(sv[1]);
	/* Datagrams carry credentials too. */
	socketpair(AF_UNIX, SOCK_DGRAM, 0, sv);
	setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &one, sizeof one);
	send(sv[0], "k", 1, 0);
	cr.pid = -1;
	T("SCM_CREDENTIALS.dgram", cmsg_recv(sv[1], buf, sizeof buf, CMSG_SPACE(sizeof cr), 0, fds, &nfds, &cr, &mf));
	say("SCM_CREDENTIALS.dgram.effect", "pid %s", cr.pid == getpid() ? "self" : "other");
	close(sv[0]);
	close(sv[1]);
}

static void option_cases(void)
{
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	say("SO_TYPE", "%d", getint(s, SO_TYPE));
	say("SO_DOMAIN", "%d", getint(s, SO_DOMAIN));
	say("SO_PROTOCOL", "%d", getint(s, SO_PROTOCOL));
	say("SO_ACCEPTCONN", "%d", getint(s, SO_ACCEPTCONN));
	say("SO_ERROR", "%d", getint(s, SO_ERROR));
	say("SO_PASSCRED.default", "%d", getint(s, SO_PASSCRED));
	say("SO_SNDBUF.default", "%d", getint(s, SO_SNDBUF));
	say("SO_RCVBUF.default", "%d", getint(s, SO_RCVBUF));
	say("SO_SNDLOWAT", "%d", getint(s, SO_SNDLOWAT));
	say("SO_RCVLOWAT", "%d", getint(s, SO_RCVLOWAT));
	int v;
	v = 1000;
	T("SO_SNDBUF.set-1000", setsockopt(s, SOL_SOCKET, SO_SNDBUF, &v, sizeof v));
	say("SO_SNDBUF.set-1000.effect", "%d", getint(s, SO_SNDBUF));
	v = 100000;
	setsockopt(s, SOL_SOCKET, SO_SNDBUF, &v, sizeof v);
	say("SO_SNDBUF.set-100000.effect", "%d", getint(s, SO_SNDBUF));
	v = 1 << 20;
	setsockopt(s, SOL_SOCKET, SO_SNDBUF, &v, sizeof v);
	say("SO_SNDBUF.set-1MiB.effect", "%d", getint(s, SO_SNDBUF));
	v = -1;
	setsockopt(s, SOL_SOCKET, SO_SNDBUF, &v, sizeof v);
	say("SO_SNDBUF.set-negative.effect", "%d", getint(s, SO_SNDBUF));
	v = 1000;
	setsockopt(s, SOL_SOCKET, SO_RCVBUF, &v, sizeof v);
	say("SO_RCVBUF.set-1000.effect", "%d", getint(s, SO_RCVBUF));
	v = 1;
	T("SO_KEEPALIVE.set", setsockopt(s, SOL_SOCKET, SO_KEEPALIVE, &v, sizeof v));
	say("SO_KEEPALIVE.get", "%d", getint(s, SO_KEEPALIVE));
	v = 5;
	T("SO_REUSEADDR.set", setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &v, sizeof v));
	say("SO_REUSEADDR.get", "%d", getint(s, SO_REUSEADDR));
	v = 3;
	T("SO_PRIORITY.set", setsockopt(s, SOL_SOCKET, SO_PRIORITY, &v, sizeof v));
	say("SO_PRIORITY.get", "%d", getint(s, SO_PRIORITY));
	v = 10;
	T("SO_RCVLOWAT.set", setsockopt(s, SOL_SOCKET, SO_RCVLOWAT, &v, sizeof v));
	T("SO_SNDLOWAT.set", setsockopt(s, SOL_SOCKET, SO_SNDLOWAT, &v, sizeof v));
	struct linger lg = { 1, 7 }, lg2 = { 0, 0 };
	T("SO_LINGER.set", setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof lg));
	socklen_t l = sizeof lg2;
	T("SO_LINGER.get", getsockopt(s, SOL_SOCKET, SO_LINGER, &lg2, &l));
	say("SO_LINGER.get.effect", "onoff %d linger %d len %d", lg2.l_onoff, lg2.l_linger, (int)l);
	T("SO_LINGER.short", setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, 4));
	T("SO_TYPE.set", setsockopt(s, SOL_SOCKET, SO_TYPE, &v, sizeof v));
	T("SO_PEERCRED.set", setsockopt(s, SOL_SOCKET, SO_PEERCRED, &v, sizeof v));
	T("setsockopt.unknown", setsockopt(s, SOL_SOCKET, 9999, &v, sizeof v));
	T("setsockopt.short", setsockopt(s, SOL_SOCKET, SO_KEEPALIVE, &v, 2));
	T("setsockopt.negative-len", setsockopt(s, SOL_SOCKET, SO_KEEPALIVE, &v, -1));
	T("setsockopt.bad-pointer", setsockopt(s, SOL_SOCKET, SO_KEEPALIVE, (void *)8, 4));
	T("setsockopt.level-tcp", setsockopt(s, 6, 1, &v, sizeof v));
	T("setsockopt.level-ip", setsockopt(s, 0, 1, &v, sizeof v));
	T("setsockopt.bad-fd", setsockopt(999, SOL_SOCKET, SO_KEEPALIVE, &v, sizeof v));
	l = sizeof v;
	T("getsockopt.unknown", getsockopt(s, SOL_SOCKET, 9999, &v, &l));
	T("getsockopt.level-tcp", getsockopt(s, 6, 1, &v, &l));
	int neg = -1;
	T("getsockopt.negative-len", getsockopt(s, SOL_SOCKET, SO_TYPE, &v, (socklen_t *)&neg));
	T("getsockopt.bad-len-pointer", getsockopt(s, SOL_SOCKET, SO_TYPE, &v, (socklen_t *)8));
	l = 2;
	v = 0;
	T("getsockopt.short", getsockopt(s, SOL_SOCKET, SO_TYPE, &v, &l));
	say("getsockopt.short.effect", "len %d value %d", (int)l, v);
	l = 64;
	char big[64];
	T("getsockopt.long", getsockopt(s, SOL_SOCKET, SO_TYPE, big, &l));
	say("getsockopt.long.effect", "len %d", (int)l);
	struct ucred cr;
	l = sizeof cr;
	T("SO_PEERCRED.unconnected", getsockopt(s, SOL_SOCKET, SO_PEERCRED, &cr, &l));
	say("SO_PEERCRED.unconnected.effect", "pid %d uid %d gid %d", cr.pid, (int)cr.uid, (int)cr.gid);
	/* Timeouts. */
	struct timeval tv = { 1, 500000 }, tv2;
	T("SO_RCVTIMEO.set", setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv));
	l = sizeof tv2;
	T("SO_RCVTIMEO.get", getsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv2, &l));
	say("SO_RCVTIMEO.get.effect", "%ld.%06ld len %d", (long)tv2.tv_sec, (long)tv2.tv_usec, (int)l);
	tv.tv_usec = 1000000;
	T("SO_RCVTIMEO.bad-usec", setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv));
	tv.tv_usec = -1;
	T("SO_RCVTIMEO.negative-usec", setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv));
	T("SO_RCVTIMEO.short", setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, 8));
	tv.tv_sec = 0;
	tv.tv_usec = 0;
	setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	l = sizeof tv2;
	getsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv2, &l);
	say("SO_SNDTIMEO.zero", "%ld.%06ld", (long)tv2.tv_sec, (long)tv2.tv_usec);
	listen(s, 1);
	say("SO_ACCEPTCONN.unbound-listen", "%d", getint(s, SO_ACCEPTCONN));
	close(s);
	s = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	say("SO_TYPE.seqpacket", "%d", getint(s, SO_TYPE));
	close(s);
	/* SO_ERROR reads and clears. */
	int sv[2];
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	write(sv[1], "x", 1);
	close(sv[1]);
	say("SO_ERROR.reset", "%d", getint(sv[0], SO_ERROR));
	say("SO_ERROR.reset-cleared", "%d", getint(sv[0], SO_ERROR));
	close(sv[0]);
}

static void poll_cases(void)
{
	int sv[2];
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	struct pollfd p = { sv[1], POLLIN, 0 };
	pid_t c = fork();
	if (c == 0) {
		msleep(50);
		write(sv[0], "w", 1);
		_exit(0);
	}
	T("poll.wakes", poll(&p, 1, 2000));
	say("poll.wakes.revents", "%s", pollmask(p.revents));
	waitpid(c, 0, 0);
	struct timespec ts = { 0, 0 };
	T("ppoll.ready", ppoll(&p, 1, &ts, 0));
	char b;
	read(sv[1], &b, 1);
	T("ppoll.empty", ppoll(&p, 1, &ts, 0));
	fd_set r, w;
	FD_ZERO(&r);
	FD_ZERO(&w);
	FD_SET(sv[1], &r);
	FD_SET(sv[1], &w);
	T("pselect.writable", pselect(sv[1] + 1, &r, &w, 0, &ts, 0));
	say("pselect.writable.sets", "read %s write %s", yesno(FD_ISSET(sv[1], &r)), yesno(FD_ISSET(sv[1], &w)));
	write(sv[0], "x", 1);
	FD_ZERO(&r);
	FD_SET(sv[1], &r);
	T("pselect.readable", pselect(sv[1] + 1, &r, 0, 0, &ts, 0));
	close(sv[0]);
	p.events = POLLIN | POLLRDHUP;
	poll(&p, 1, 0);
	say("poll.rdhup-requested", "%s", pollmask(p.revents));
	p.events = 0;
	poll(&p, 1, 0);
	say("poll.nothing-requested", "%s", pollmask(p.revents));
	close(sv[1]);
	/* An accept wakes poll on the listener. */
	int s = listener(SOCK_STREAM, DIR "/pl", 1);
	p.fd = s;
	p.events = POLLIN;
	c = fork();
	if (c == 0) {
		msleep(50);
		int k = connect_path(SOCK_STREAM, DIR "/pl", 0);
		msleep(200);
		close(k);
		_exit(0);
	}
	T("poll.listener-wakes", poll(&p, 1, 2000));
	close(accept(s, 0, 0));
	waitpid(c, 0, 0);
	close(s);
	unlink(DIR "/pl");
	/* EINTR: a signal without SA_RESTART interrupts a blocked receive. */
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	struct sigaction sa = { 0 };
	sa.sa_handler = on_sigpipe;
	sigaction(SIGALRM, &sa, 0);
	alarm(1);
	T("recv.EINTR", recv(sv[0], &b, 1, 0));
	close(sv[0]);
	close(sv[1]);
}

/* Random socket calls with random arguments (a fixed seed), none blocking:
 * nothing may crash the kernel or this process's later calls. */
static unsigned long long seed = 0x9e3779b97f4a7c15ULL;
static unsigned rnd(void)
{
	seed ^= seed << 13;
	seed ^= seed >> 7;
	seed ^= seed << 17;
	return (unsigned)(seed >> 16);
}

static void hostile_cases(void)
{
	int fds[24];
	for (int i = 0; i < 24; i++)
		fds[i] = -1;
	static const int types[] = { SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET };
	static const char *names[] = { DIR "/h0", DIR "/h1", "\0h2", "\0h3" };
	char buf[4096], cbuf[512];
	const int ops = 20000;
	for (int i = 0; i < ops; i++) {
		int slot = rnd() % 24, fd = fds[slot], other = fds[rnd() % 24];
		struct sockaddr_un a;
		memset(&a, 0, sizeof a);
		a.sun_family = rnd() % 8 ? AF_UNIX : rnd();
		const char *n = names[rnd() % 4];
		socklen_t alen;
		if (n[0]) {
			strcpy(a.sun_path, n);
			alen = offsetof(struct sockaddr_un, sun_path) + strlen(n) + 1;
		} else {
			memcpy(a.sun_path, n, 3);
			alen = offsetof(struct sockaddr_un, sun_path) + 3;
		}
		if (rnd() % 10 == 0)
			alen = rnd() % 130;
		switch (rnd() % 16) {
		case 0:
			if (fd >= 0)
				close(fd);
			fds[slot] = socket(AF_UNIX, types[rnd() % 3] | SOCK_NONBLOCK, 0);
			break;
		case 1: {
			int sv[2];
			if (socketpair(AF_UNIX, types[rnd() % 3] | SOCK_NONBLOCK, 0, sv) == 0) {
				if (fd >= 0)
					close(fd);
				fds[slot] = sv[0];
				int s2 = rnd() % 24;
				if (fds[s2] >= 0)
					close(fds[s2]);
				fds[s2] = sv[1];
			}
			break;
		}
		case 2:
			bind(fd, (struct sockaddr *)&a, alen);
			break;
		case 3:
			listen(fd, (int)(rnd() % 8) - 1);
			break;
		case 4:
			connect(fd, (struct sockaddr *)&a, alen);
			break;
		case 5: {
			int n2 = accept4(fd, 0, 0, SOCK_NONBLOCK);
			if (n2 >= 0) {
				if (fds[slot ^ 1] >= 0)
					close(fds[slot ^ 1]);
				fds[slot ^ 1] = n2;
			}
			break;
		}
		case 6:
			sendto(fd, buf, rnd() % sizeof buf, MSG_DONTWAIT | MSG_NOSIGNAL | (rnd() % 4 ? 0 : MSG_OOB),
			       rnd() % 2 ? (struct sockaddr *)&a : 0, alen);
			break;
		case 7:
			recv(fd, buf, rnd() % sizeof buf, MSG_DONTWAIT | (rnd() % 3 ? 0 : MSG_PEEK) | (rnd() % 3 ? 0 : MSG_TRUNC));
			break;
		case 8: {
			/* A control buffer: random bytes, or SCM_RIGHTS/SCM_CREDENTIALS of random contents. */
			struct iovec iov = { buf, rnd() % 64 };
			struct msghdr m = { 0 };
			m.msg_iov = &iov;
			m.msg_iovlen = 1;
			m.msg_control = cbuf;
			m.msg_controllen = rnd() % sizeof cbuf;
			for (unsigned k = 0; k < sizeof cbuf; k++)
				cbuf[k] = (char)rnd();
			if (rnd() % 2) {
				struct cmsghdr *c = (struct cmsghdr *)cbuf;
				int nf = rnd() % 6;
				c->cmsg_level = SOL_SOCKET;
				c->cmsg_type = rnd() % 3 ? SCM_RIGHTS : SCM_CREDENTIALS;
				c->cmsg_len = CMSG_LEN(c->cmsg_type == SCM_RIGHTS ? nf * sizeof(int) : sizeof(struct ucred));
				m.msg_controllen = CMSG_SPACE(c->cmsg_len - CMSG_LEN(0));
				if (c->cmsg_type == SCM_RIGHTS)
					for (int k = 0; k < nf; k++)
						((int *)CMSG_DATA(c))[k] = fds[rnd() % 24];
			}
			syscall(SYS_sendmsg, fd, &m, (long)(MSG_DONTWAIT | MSG_NOSIGNAL));
			break;
		}
		case 9: {
			struct iovec iov = { buf, rnd() % sizeof buf };
			struct msghdr m = { 0 };
			char name[128];
			m.msg_name = rnd() % 2 ? name : 0;
			m.msg_namelen = rnd() % 130;
			m.msg_iov = &iov;
			m.msg_iovlen = 1;
			m.msg_control = cbuf;
			m.msg_controllen = rnd() % sizeof cbuf;
			if (syscall(SYS_recvmsg, fd, &m, (long)(MSG_DONTWAIT | (rnd() % 2 ? MSG_CMSG_CLOEXEC : 0))) >= 0) {
				/* Close what arrived, as a careful receiver does. */
				for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c))
					if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
						for (unsigned k = 0; k < (c->cmsg_len - CMSG_LEN(0)) / sizeof(int); k++)
							close(((int *)CMSG_DATA(c))[k]);
			}
			break;
		}
		case 10:
			shutdown(fd, rnd() % 4);
			break;
		case 11: {
			int v = rnd() % 3 ? (int)(rnd() % 100000) : -1;
			struct timeval tv = { 0, rnd() % 1000 };
			int opt = rnd() % 45;
			/* SO_TIMESTAMPING makes Linux log a kernel error line. */
			if (opt == 37)
				opt = SO_KEEPALIVE;
			if (opt == SO_RCVTIMEO || opt == SO_SNDTIMEO)
				setsockopt(fd, SOL_SOCKET, opt, &tv, sizeof tv);
			else
				setsockopt(fd, rnd() % 4 ? SOL_SOCKET : (int)(rnd() % 300), opt, &v, rnd() % 8);
			break;
		}
		case 12: {
			char v[64];
			socklen_t l = rnd() % 70;
			getsockopt(fd, rnd() % 4 ? SOL_SOCKET : (int)(rnd() % 300), rnd() % 45, v, &l);
			break;
		}
		case 13: {
			struct pollfd p = { fd, POLLIN | POLLOUT | POLLRDHUP, 0 };
			poll(&p, 1, 0);
			int q;
			ioctl(fd, rnd() % 2 ? FIONREAD : 0x5411, &q);
			break;
		}
		case 14: {
			char nm[128];
			socklen_t l = rnd() % 130;
			if (rnd() % 2)
				getsockname(fd, (struct sockaddr *)nm, &l);
			else
				getpeername(fd, (struct sockaddr *)nm, &l);
			break;
		}
		case 15:
			if (rnd() % 4 == 0)
				unlink(names[rnd() % 2]);
			else if (other >= 0 && fd >= 0)
				write(fd, buf, rnd() % 100);
			break;
		}
	}
	for (int i = 0; i < 24; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	int sv[2];
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	write(sv[0], "alive", 5);
	char b[8] = { 0 };
	read(sv[1], b, sizeof b);
	say("hostile", "%d calls, then a new pair reads %s", ops, b);
}

int main(void)
{
	begin();
	scratch(DIR);
	chdir("/");
	sub("creation", creation_cases, 10);
	sub("stream", stream_cases, 20);
	sub("big", big_transfer_cases, 60);
	sub("path", path_cases, 20);
	sub("abstract", abstract_cases, 10);
	sub("backlog", backlog_cases, 20);
	sub("many", many_cases, 60);
	sub("dgram", dgram_cases, 20);
	sub("seqpacket", seqpacket_cases, 10);
	sub("rights", rights_cases, 10);
	sub("creds", creds_cases, 10);
	sub("options", option_cases, 10);
	sub("poll", poll_cases, 20);
	signal(SIGPIPE, SIG_IGN);
	sub("hostile", hostile_cases, 60);
	printf("conf-socket: done\n");
	return 0;
}
