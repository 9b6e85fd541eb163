/*
 * xt-conf-file: file and filesystem calls against Linux (output contract
 * in conf.h), on the tmpfs at /tmp (or in the directory argv[1] names): openat flags (O_CREAT/O_EXCL/O_TRUNC/
 * O_APPEND/O_DIRECTORY/O_NOFOLLOW/O_CLOEXEC), read/write/readv/writev,
 * pread/pwrite offsets (and pwrite with O_APPEND), lseek incl. holes and
 * SEEK_DATA/SEEK_HOLE, ftruncate/truncate, dup/dup3/fcntl, pipe2,
 * mkdirat/unlinkat/symlinkat/readlinkat/linkat/renameat/renameat2 rules
 * (a directory into its own subtree, over non-empty directories, across
 * types), faccessat, chdir/fchdir/getcwd, fchmod/fchown and friends,
 * newfstatat/fstat, getdents64, sendfile, sync/fsync/fdatasync,
 * utimensat (atime, mtime, UTIME_NOW/OMIT, bad flags), ppoll/pselect6,
 * mount/umount2 flags.
 */
#include "conf.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/mount.h>
#include <sys/select.h>
#include <sys/sendfile.h>
#include <sys/file.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE 1
#define RENAME_EXCHANGE 2
#endif
#ifndef SEEK_DATA
#define SEEK_DATA 3
#define SEEK_HOLE 4
#endif

/* The scratch directory: on the tmpfs at /tmp, or where argv[1] says
 * (conf-file-ext2 runs it on the ext2 disk). */
static const char *DIR0 = "/tmp/xt-conf-file";

static void put(const char *path, const char *text)
{
	int fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0644);
	write(fd, text, strlen(text));
	close(fd);
}

/* The file's contents (up to 255 bytes), NULs shown as '.', or `-1 ENAME`. */
static const char *get(const char *path)
{
	static char b[256];
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return rtext(-1, errno);
	ssize_t n = read(fd, b, sizeof b - 1);
	close(fd);
	if (n < 0)
		n = 0;
	for (ssize_t i = 0; i < n; i++)
		if (b[i] == 0)
			b[i] = '.';
	b[n] = 0;
	return b;
}

static long size_of(const char *path)
{
	struct stat st;
	return stat(path, &st) ? -1 : (long)st.st_size;
}

static void open_cases(void)
{
	T("openat.create-excl", openat(AT_FDCWD, "a", O_CREAT | O_EXCL | O_WRONLY, 0666));
	T("openat.create-excl-existing", openat(AT_FDCWD, "a", O_CREAT | O_EXCL | O_WRONLY, 0666));
	struct stat st;
	stat("a", &st);
	say("openat.create.mode-with-umask-022", "%o", st.st_mode & 07777);
	T("openat.excl-without-creat-existing", openat(AT_FDCWD, "a", O_EXCL | O_RDONLY));
	T("openat.nonexistent", openat(AT_FDCWD, "nonexistent", O_RDONLY));
	T("openat.nonexistent-parent", openat(AT_FDCWD, "no/such", O_CREAT | O_WRONLY, 0644));
	T("openat.directory-flag-on-file", openat(AT_FDCWD, "a", O_RDONLY | O_DIRECTORY));
	mkdir("d", 0755);
	T("openat.write-directory", openat(AT_FDCWD, "d", O_WRONLY));
	T("openat.read-directory", openat(AT_FDCWD, "d", O_RDONLY));
	T("openat.creat-on-directory", openat(AT_FDCWD, "d", O_CREAT | O_RDONLY, 0644));
	T("openat.file-as-directory", openat(AT_FDCWD, "a/x", O_RDONLY));
	symlink("a", "link-a");
	T("openat.nofollow-symlink", openat(AT_FDCWD, "link-a", O_RDONLY | O_NOFOLLOW));
	T("openat.follow-symlink", openat(AT_FDCWD, "link-a", O_RDONLY));
	symlink("loop2", "loop1");
	symlink("loop1", "loop2");
	T("openat.symlink-loop", openat(AT_FDCWD, "loop1", O_RDONLY));
	symlink("dangling-target", "dangling");
	T("openat.creat-through-dangling-symlink", openat(AT_FDCWD, "dangling", O_CREAT | O_WRONLY, 0644));
	say("openat.creat-through-dangling-symlink.effect", "target %s", access("dangling-target", F_OK) == 0 ? "created" : "absent");
	T("openat.creat-excl-on-symlink", openat(AT_FDCWD, "link-a", O_CREAT | O_EXCL | O_WRONLY, 0644));
	char longname[300];
	memset(longname, 'n', 299);
	longname[299] = 0;
	T("openat.name-too-long", openat(AT_FDCWD, longname, O_CREAT | O_WRONLY, 0644));
	T("openat.empty-path", openat(AT_FDCWD, "", O_RDONLY));
	T("openat.bad-pointer", syscall(SYS_openat, AT_FDCWD, (void *)8, O_RDONLY));
	T("openat.bad-dirfd-relative", openat(12345, "a", O_RDONLY));
	int dfd = open("d", O_RDONLY | O_DIRECTORY);
	T("openat.dirfd-relative-create", openat(dfd, "in-d", O_CREAT | O_WRONLY, 0600));
	say("openat.dirfd-relative-create.effect", "%s", access("d/in-d", F_OK) == 0 ? "created in d" : "absent");
	int afd = open("a", O_RDONLY);
	T("openat.file-as-dirfd", openat(afd, "x", O_RDONLY));
	T("openat.bad-dirfd-absolute", openat(12345, "/tmp", O_RDONLY));
	int fd = open("a", O_RDONLY | O_CLOEXEC);
	T("openat.cloexec.fd-flags", fcntl(fd, F_GETFD));
	put("t", "truncate me");
	T("openat.trunc", openat(AT_FDCWD, "t", O_WRONLY | O_TRUNC));
	say("openat.trunc.effect", "size %ld", size_of("t"));
	put("r", "read only");
	fd = open("r", O_RDONLY | O_TRUNC);
	say("openat.rdonly-trunc.effect", "size %ld", size_of("r"));
	close(fd);
	T("openat.unknown-flags-ignored", openat(AT_FDCWD, "a", O_RDONLY | 0x40000000));
	fd = open("a", O_RDWR | O_NONBLOCK | O_APPEND);
	say("openat.getfl", "%s%s%s", (fcntl(fd, F_GETFL) & O_ACCMODE) == O_RDWR ? "O_RDWR" : "other",
	    fcntl(fd, F_GETFL) & O_NONBLOCK ? " O_NONBLOCK" : "", fcntl(fd, F_GETFL) & O_APPEND ? " O_APPEND" : "");
	T("close", close(fd));
	T("close.again", close(fd));
	T("close.negative", close(-1));
	T("openat.proc-self-fd", openat(AT_FDCWD, "/proc/self/fd/0", O_RDONLY) >= 0 ? 0 : -1);
}

static void rw_cases(void)
{
	int fd = open("rw", O_CREAT | O_TRUNC | O_RDWR, 0644);
	T("write", write(fd, "hello world", 11));
	T("lseek.set", lseek(fd, 0, SEEK_SET));
	char b[64] = { 0 };
	T("read", read(fd, b, 5));
	say("read.effect", "%s", b);
	T("read.zero-length", read(fd, b, 0));
	T("lseek.cur", lseek(fd, 0, SEEK_CUR));
	T("lseek.end", lseek(fd, 0, SEEK_END));
	T("read.at-eof", read(fd, b, 5));
	T("lseek.negative-result", lseek(fd, -100, SEEK_SET));
	T("lseek.bad-whence", lseek(fd, 0, 17));
	T("lseek.after-errors", lseek(fd, 0, SEEK_CUR));
	lseek(fd, 0, SEEK_SET);
	T("read.bad-pointer", read(fd, (void *)8, 5));
	T("write.bad-pointer", write(fd, (void *)8, 5));
	T("read.bad-fd", read(999, b, 1));
	int ro = open("rw", O_RDONLY);
	T("write.readonly-fd", write(ro, "x", 1));
	int wo = open("rw", O_WRONLY);
	T("read.writeonly-fd", read(wo, b, 1));
	int d = open(".", O_RDONLY | O_DIRECTORY);
	T("read.directory", read(d, b, 1));
	T("lseek.directory", lseek(d, 0, SEEK_SET));

	/* O_APPEND: every write goes to the end, whatever the offset. */
	int ap = open("rw", O_WRONLY | O_APPEND);
	lseek(ap, 0, SEEK_SET);
	T("write.append", write(ap, "!", 1));
	say("write.append.effect", "%s", get("rw"));
	T("lseek.append-offset-after-write", lseek(ap, 0, SEEK_CUR));
	T("fcntl.setfl-clear-append", fcntl(ap, F_SETFL, 0));
	lseek(ap, 0, SEEK_SET);
	write(ap, "H", 1);
	say("fcntl.setfl-clear-append.effect", "%s", get("rw"));

	/* pread/pwrite: at the given offset, the file position untouched. */
	lseek(fd, 2, SEEK_SET);
	memset(b, 0, sizeof b);
	T("pread64", pread(fd, b, 4, 6));
	say("pread64.effect", "%s, position %ld", b, (long)lseek(fd, 0, SEEK_CUR));
	T("pwrite64", pwrite(fd, "W", 1, 0));
	say("pwrite64.effect", "%s, position %ld", get("rw"), (long)lseek(fd, 0, SEEK_CUR));
	T("pwrite64.append-fd", pwrite(ap, "+", 1, 0));
	fcntl(ap, F_SETFL, O_APPEND);
	T("pwrite64.append-flag", pwrite(ap, "#", 1, 0));
	say("pwrite64.append-flag.effect", "%s", get("rw"));
	T("pread64.negative-offset", pread(fd, b, 1, -1));
	T("pread64.beyond-eof", pread(fd, b, 4, 1000));
	int p[2];
	pipe(p);
	T("pread64.pipe", pread(p[0], b, 1, 0));
	T("pwrite64.pipe", pwrite(p[1], b, 1, 0));
	T("lseek.pipe", lseek(p[0], 0, SEEK_CUR));
	T("pread64.directory", pread(d, b, 1, 0));

	/* Vectors. */
	struct iovec iov[3] = { { "ab", 2 }, { "", 0 }, { "cde", 3 } };
	int v = open("vec", O_CREAT | O_TRUNC | O_RDWR, 0644);
	T("writev", writev(v, iov, 3));
	say("writev.effect", "%s", get("vec"));
	char x1[2], x2[8] = { 0 };
	struct iovec in[2] = { { x1, 2 }, { x2, 7 } };
	lseek(v, 0, SEEK_SET);
	T("readv", readv(v, in, 2));
	say("readv.effect", "%.2s|%s", x1, x2);
	T("readv.negative-count", readv(v, in, -1));
	T("readv.count-1025", syscall(SYS_readv, v, in, 1025));
	T("writev.count-zero", writev(v, iov, 0));
	struct iovec badv[1] = { { (void *)8, 4 } };
	T("writev.bad-buffer", writev(v, badv, 1));
	T("writev.bad-iovec-pointer", syscall(SYS_writev, v, (void *)8, 1));
	struct iovec neg[1] = { { x2, (size_t)-1 } };
	T("readv.huge-length", readv(v, neg, 1));
	T("preadv", preadv(v, in, 2, 1));
	say("preadv.effect", "%.2s|%s", x1, x2);
	T("pwritev", pwritev(v, iov, 3, 10));
	say("pwritev.effect", "size %ld, %s", size_of("vec"), get("vec"));

	/* Holes, SEEK_DATA/SEEK_HOLE. */
	int h = open("holes", O_CREAT | O_TRUNC | O_RDWR, 0644);
	T("lseek.past-end", lseek(h, 1 << 20, SEEK_SET));
	T("write.after-hole", write(h, "end", 3));
	T("lseek.end-after-hole", lseek(h, 0, SEEK_END));
	memset(b, 'x', 8);
	T("pread64.in-hole", pread(h, b, 8, 4096));
	say("pread64.in-hole.effect", "%s", b[0] == 0 && b[7] == 0 ? "zeros" : "other");
	T("lseek.seek-data-from-0", lseek(h, 0, SEEK_DATA));
	T("lseek.seek-hole-from-0", lseek(h, 0, SEEK_HOLE));
	T("lseek.seek-hole-in-data", lseek(h, (1 << 20) + 1, SEEK_HOLE));
	T("lseek.seek-data-beyond-eof", lseek(h, 2 << 20, SEEK_DATA));
	T("lseek.seek-hole-beyond-eof", lseek(h, 2 << 20, SEEK_HOLE));
	T("lseek.seek-data-negative", lseek(h, -1, SEEK_DATA));

	/* Truncation. */
	T("ftruncate.grow", ftruncate(fd, 100));
	pread(fd, b, 4, 96);
	say("ftruncate.grow.effect", "size %ld, tail %s", size_of("rw"), b[0] == 0 && b[3] == 0 ? "zeros" : "other");
	T("ftruncate.shrink", ftruncate(fd, 3));
	say("ftruncate.shrink.effect", "%s", get("rw"));
	T("ftruncate.position-kept", lseek(fd, 0, SEEK_CUR));
	T("ftruncate.negative", ftruncate(fd, -1));
	T("ftruncate.readonly-fd", ftruncate(ro, 0));
	T("ftruncate.directory", ftruncate(d, 0));
	T("ftruncate.pipe", ftruncate(p[0], 0));
	T("ftruncate.bad-fd", ftruncate(999, 0));
	T("truncate.path", truncate("rw", 1));
	say("truncate.path.effect", "%s", get("rw"));
	T("truncate.directory", truncate(".", 0));
	T("truncate.nonexistent", truncate("nonexistent", 0));
	T("fallocate", syscall(SYS_fallocate, fd, 0, 0, 8192));
	say("fallocate.effect", "size %ld", size_of("rw"));
	T("fallocate.bad-mode", syscall(SYS_fallocate, fd, 0x100, 0, 10));

	/* Pipes. */
	T("pipe2.bad-flags", syscall(SYS_pipe2, p, 0x4));
	T("pipe2.bad-pointer", syscall(SYS_pipe2, (void *)8, 0));
	int np[2];
	T("pipe2.nonblock", pipe2(np, O_NONBLOCK | O_CLOEXEC));
	T("pipe2.nonblock.empty-read", read(np[0], b, 1));
	T("pipe2.cloexec.fd-flags", fcntl(np[0], F_GETFD));
	T("pipe.write", write(np[1], "pipe", 4));
	T("pipe.fionread-after-write", read(np[0], b, 64));
	T("pipe.write-to-read-end", write(np[0], "x", 1));
	close(np[1]);
	T("pipe.read-writer-closed", read(np[0], b, 1));

	/* sendfile. */
	put("src", "0123456789");
	int s = open("src", O_RDONLY), o = open("dst", O_CREAT | O_TRUNC | O_WRONLY, 0644);
	off_t off = 2;
	T("sendfile.with-offset", sendfile(o, s, &off, 5));
	say("sendfile.with-offset.effect", "%s, offset %ld, position %ld", get("dst"), (long)off, (long)lseek(s, 0, SEEK_CUR));
	T("sendfile.no-offset", sendfile(o, s, 0, 3));
	say("sendfile.no-offset.effect", "%s, position %ld", get("dst"), (long)lseek(s, 0, SEEK_CUR));
	T("sendfile.bad-fd", sendfile(o, 999, 0, 3));
	T("sendfile.to-readonly", sendfile(s, s, 0, 3));
	T("sendfile.from-writeonly", sendfile(o, o, 0, 3));

	/* sync family. */
	T("sync", (sync(), 0));
	T("fsync", fsync(fd));
	T("fdatasync", fdatasync(fd));
	T("fsync.pipe", fsync(p[0]));
	T("fsync.bad-fd", fsync(999));
	T("fsync.directory", fsync(d));
}

static void fd_cases(void)
{
	int fd = open("a", O_RDONLY);
	close(5);
	T("dup", dup(fd));
	T("dup.bad-fd", dup(999));
	T("dup3", dup3(fd, 20, O_CLOEXEC));
	T("dup3.cloexec.fd-flags", fcntl(20, F_GETFD));
	T("dup3.same-fd", syscall(SYS_dup3, fd, fd, 0));
	T("dup3.bad-flags", syscall(SYS_dup3, fd, 21, 0x4));
	T("dup3.bad-oldfd", dup3(999, 21, 0));
	T("dup3.newfd-negative", dup3(fd, -1, 0));
	T("dup2.same-fd", dup2(fd, fd));
	T("fcntl.dupfd-min-10", fcntl(fd, F_DUPFD, 10));
	T("fcntl.dupfd-cloexec", fcntl(fd, F_DUPFD_CLOEXEC, 30));
	T("fcntl.dupfd-cloexec.fd-flags", fcntl(30, F_GETFD));
	T("fcntl.dupfd-negative", fcntl(fd, F_DUPFD, -1));
	T("fcntl.getfd", fcntl(fd, F_GETFD));
	T("fcntl.setfd", fcntl(fd, F_SETFD, FD_CLOEXEC));
	T("fcntl.setfd.effect", fcntl(fd, F_GETFD));
	T("fcntl.getfl-bad-fd", fcntl(999, F_GETFL));
	T("fcntl.bad-cmd", fcntl(fd, 9999));
	T("fcntl.setfl-nonblock", fcntl(fd, F_SETFL, O_NONBLOCK));
	T("fcntl.setfl-nonblock.effect", fcntl(fd, F_GETFL) & (O_NONBLOCK | O_ACCMODE));
	T("fcntl.setfl-ignores-access-mode", fcntl(fd, F_SETFL, O_RDWR));
	T("fcntl.setfl-ignores-access-mode.effect", fcntl(fd, F_GETFL) & O_ACCMODE);
	T("fcntl.getown", fcntl(fd, F_GETOWN));
	int w = open("a", O_RDWR);
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 10 };
	T("fcntl.setlk", fcntl(w, F_SETLK, &fl));
	pid_t c = fork();
	if (c == 0) {
		int w2 = open("a", O_RDWR);
		struct flock q = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 5, .l_len = 1 };
		errno = 0;
		long r = fcntl(w2, F_SETLK, &q);
		say("fcntl.setlk-conflict-in-child", "%s", rtext(r, errno));
		q.l_type = F_WRLCK;
		fcntl(w2, F_GETLK, &q);
		say("fcntl.getlk-in-child", "%s, start %ld len %ld, pid %s", q.l_type == F_WRLCK ? "F_WRLCK" : "other",
		    (long)q.l_start, (long)q.l_len, q.l_pid == getppid() ? "parent" : "other");
		_exit(0);
	}
	waitpid(c, 0, 0);
	fl.l_type = 99;
	T("fcntl.setlk-bad-type", fcntl(w, F_SETLK, &fl));
	int ro = open("a", O_RDONLY);
	fl.l_type = F_WRLCK;
	T("fcntl.setlk-write-lock-on-readonly", fcntl(ro, F_SETLK, &fl));
	T("fcntl.ofd-getlk", fcntl(w, 36 /* F_OFD_GETLK */, &fl));
	T("flock", flock(w, LOCK_EX));
	T("flock.bad-op", flock(w, 0x80));
}

static void name_cases(void)
{
	T("mkdirat", mkdirat(AT_FDCWD, "m", 0777));
	struct stat st;
	stat("m", &st);
	say("mkdirat.mode-with-umask", "%o, nlink %ld", st.st_mode & 07777, (long)st.st_nlink);
	stat(".", &st);
	long parent_links = st.st_nlink;
	mkdirat(AT_FDCWD, "m2", 0755);
	stat(".", &st);
	say("mkdirat.parent-nlink", "%s", (long)st.st_nlink == parent_links + 1 ? "incremented" : "unchanged");
	T("mkdirat.existing", mkdirat(AT_FDCWD, "m", 0755));
	T("mkdirat.existing-file", mkdirat(AT_FDCWD, "a", 0755));
	T("mkdirat.missing-parent", mkdirat(AT_FDCWD, "no/such", 0755));
	T("mkdirat.under-file", mkdirat(AT_FDCWD, "a/sub", 0755));
	symlink("x", "dl");
	T("mkdirat.over-dangling-symlink", mkdirat(AT_FDCWD, "dl", 0755));
	T("mkdirat.trailing-slash", mkdirat(AT_FDCWD, "m3/", 0755));

	put("f1", "one");
	T("unlinkat.file", unlinkat(AT_FDCWD, "f1", 0));
	T("unlinkat.file.effect", access("f1", F_OK));
	T("unlinkat.directory-without-removedir", unlinkat(AT_FDCWD, "m", 0));
	put("m/inside", "x");
	T("unlinkat.removedir-nonempty", unlinkat(AT_FDCWD, "m", AT_REMOVEDIR));
	T("unlinkat.removedir-file", unlinkat(AT_FDCWD, "a", AT_REMOVEDIR));
	T("unlinkat.bad-flags", unlinkat(AT_FDCWD, "a", 0x1));
	T("unlinkat.removedir-dot", unlinkat(AT_FDCWD, "m/.", AT_REMOVEDIR));
	T("unlinkat.removedir-dotdot", unlinkat(AT_FDCWD, "m/..", AT_REMOVEDIR));
	T("unlinkat.nonexistent", unlinkat(AT_FDCWD, "nonexistent", 0));
	T("unlinkat.removedir-empty", unlinkat(AT_FDCWD, "m2", AT_REMOVEDIR));
	T("unlinkat.removedir-cwd", unlinkat(AT_FDCWD, "/", AT_REMOVEDIR));
	/* An open file survives its last name. */
	put("f2", "still here");
	int fd = open("f2", O_RDONLY);
	unlink("f2");
	char b[64] = { 0 };
	read(fd, b, sizeof b - 1);
	say("unlinkat.open-file-readable", "%s", b);
	fstat(fd, &st);
	say("unlinkat.open-file-nlink", "%ld", (long)st.st_nlink);

	T("symlinkat", symlinkat("target/path", AT_FDCWD, "sl"));
	memset(b, 0, sizeof b);
	T("readlinkat", readlinkat(AT_FDCWD, "sl", b, sizeof b));
	say("readlinkat.effect", "%s", b);
	T("readlinkat.short-buffer", readlinkat(AT_FDCWD, "sl", b, 3));
	T("readlinkat.not-a-symlink", readlinkat(AT_FDCWD, "a", b, sizeof b));
	T("readlinkat.zero-buffer", readlinkat(AT_FDCWD, "sl", b, 0));
	T("readlinkat.nonexistent", readlinkat(AT_FDCWD, "nonexistent", b, sizeof b));
	T("symlinkat.existing", symlinkat("x", AT_FDCWD, "sl"));
	T("symlinkat.empty-target", symlinkat("", AT_FDCWD, "sl-empty"));
	lstat("sl", &st);
	say("symlinkat.lstat", "%s, size %ld", S_ISLNK(st.st_mode) ? "S_IFLNK" : "other", (long)st.st_size);

	put("l1", "linked");
	T("linkat", linkat(AT_FDCWD, "l1", AT_FDCWD, "l2", 0));
	stat("l1", &st);
	say("linkat.nlink", "%ld, content %s", (long)st.st_nlink, get("l2"));
	T("linkat.existing", linkat(AT_FDCWD, "l1", AT_FDCWD, "l2", 0));
	T("linkat.directory", linkat(AT_FDCWD, "m", AT_FDCWD, "m-link", 0));
	T("linkat.nonexistent", linkat(AT_FDCWD, "nonexistent", AT_FDCWD, "x", 0));
	T("linkat.bad-flags", linkat(AT_FDCWD, "l1", AT_FDCWD, "l3", 0x1));
	symlink("l1", "sl1");
	T("linkat.symlink-nofollow", linkat(AT_FDCWD, "sl1", AT_FDCWD, "l4", 0));
	lstat("l4", &st);
	say("linkat.symlink-nofollow.effect", "%s", S_ISLNK(st.st_mode) ? "link to the symlink" : "link to the file");
	T("linkat.symlink-follow", linkat(AT_FDCWD, "sl1", AT_FDCWD, "l5", AT_SYMLINK_FOLLOW));
	lstat("l5", &st);
	say("linkat.symlink-follow.effect", "%s", S_ISLNK(st.st_mode) ? "link to the symlink" : "link to the file");
	T("linkat.across-filesystems", linkat(AT_FDCWD, "l1", AT_FDCWD, "/proc/xt-link", 0));
}

static void rename_cases(void)
{
	put("r1", "one");
	put("r2", "two");
	T("renameat.file-over-file", renameat(AT_FDCWD, "r1", AT_FDCWD, "r2"));
	say("renameat.file-over-file.effect", "r1 %s, r2 %s", access("r1", F_OK) ? "gone" : "present", get("r2"));
	mkdir("rd", 0755);
	mkdir("rd/sub", 0755);
	T("renameat.dir-into-own-subtree", renameat(AT_FDCWD, "rd", AT_FDCWD, "rd/sub/inner"));
	T("renameat.dir-onto-own-child", renameat(AT_FDCWD, "rd", AT_FDCWD, "rd/sub"));
	T("renameat.file-over-dir", renameat(AT_FDCWD, "r2", AT_FDCWD, "rd"));
	put("r3", "three");
	T("renameat.dir-over-file", renameat(AT_FDCWD, "rd", AT_FDCWD, "r3"));
	mkdir("full", 0755);
	put("full/x", "x");
	mkdir("empty", 0755);
	T("renameat.dir-over-nonempty-dir", renameat(AT_FDCWD, "empty", AT_FDCWD, "full"));
	mkdir("empty2", 0755);
	T("renameat.dir-over-empty-dir", renameat(AT_FDCWD, "empty", AT_FDCWD, "empty2"));
	say("renameat.dir-over-empty-dir.effect", "empty %s, empty2 %s", access("empty", F_OK) ? "gone" : "present",
	    access("empty2", F_OK) ? "gone" : "present");
	link("r3", "r3-hard");
	T("renameat.hard-links-of-same-file", renameat(AT_FDCWD, "r3", AT_FDCWD, "r3-hard"));
	say("renameat.hard-links-of-same-file.effect", "r3 %s, r3-hard %s", access("r3", F_OK) ? "gone" : "present",
	    access("r3-hard", F_OK) ? "gone" : "present");
	T("renameat.to-itself", renameat(AT_FDCWD, "r2", AT_FDCWD, "r2"));
	T("renameat.nonexistent", renameat(AT_FDCWD, "nonexistent", AT_FDCWD, "x"));
	T("renameat.dot", renameat(AT_FDCWD, ".", AT_FDCWD, "x"));
	T("renameat.into-missing-dir", renameat(AT_FDCWD, "r2", AT_FDCWD, "no/such"));
	T("renameat.across-filesystems", renameat(AT_FDCWD, "r2", AT_FDCWD, "/proc/xt-x"));
	mkdir("mv", 0755);
	put("mv/f", "moved");
	int dfd = open("mv", O_RDONLY | O_DIRECTORY);
	T("renameat.dir-with-open-fd", renameat(AT_FDCWD, "mv", AT_FDCWD, "mv-new"));
	say("renameat.dir-with-open-fd.dirfd-still-valid", "%s", yesno(faccessat(dfd, "f", F_OK, 0) == 0));
	chdir("mv-new");
	rename("../mv-new", "../mv-newer");
	char cwd[256] = { 0 };
	getcwd(cwd, sizeof cwd);
	say("renameat.cwd-renamed-above.getcwd", "%s", strstr(cwd, "mv-newer") ? "new name" : "old name");
	say("renameat.cwd-renamed-above.relative-open", "%s", get("f"));
	chdir(DIR0);
	put("n1", "n1");
	put("n2", "n2");
	T("renameat2.noreplace-existing", syscall(SYS_renameat2, AT_FDCWD, "n1", AT_FDCWD, "n2", RENAME_NOREPLACE));
	T("renameat2.noreplace-new", syscall(SYS_renameat2, AT_FDCWD, "n1", AT_FDCWD, "n3", RENAME_NOREPLACE));
	T("renameat2.exchange", syscall(SYS_renameat2, AT_FDCWD, "n2", AT_FDCWD, "n3", RENAME_EXCHANGE));
	say("renameat2.exchange.effect", "n2 %s", get("n2"));
	say("renameat2.exchange.effect-other", "n3 %s", get("n3"));
	T("renameat2.exchange-missing", syscall(SYS_renameat2, AT_FDCWD, "n2", AT_FDCWD, "n9", RENAME_EXCHANGE));
	T("renameat2.bad-flags", syscall(SYS_renameat2, AT_FDCWD, "n2", AT_FDCWD, "n4", 0x100));
	T("renameat2.noreplace-and-exchange", syscall(SYS_renameat2, AT_FDCWD, "n2", AT_FDCWD, "n3", 3));
	T("renameat2.flags-zero", syscall(SYS_renameat2, AT_FDCWD, "n2", AT_FDCWD, "n5", 0));
}

static void attr_cases(void)
{
	put("p", "perm");
	T("faccessat.f_ok", faccessat(AT_FDCWD, "p", F_OK, 0));
	T("faccessat.missing", faccessat(AT_FDCWD, "nonexistent", F_OK, 0));
	T("faccessat.x-ok-no-x-bit-root", faccessat(AT_FDCWD, "p", X_OK, 0));
	T("faccessat.bad-mode", syscall(SYS_faccessat, AT_FDCWD, "p", 0x10));
	T("faccessat.w-ok-root", faccessat(AT_FDCWD, "p", W_OK, 0));
	T("fchmodat", fchmodat(AT_FDCWD, "p", 0600, 0));
	struct stat st;
	stat("p", &st);
	say("fchmodat.effect", "%o", st.st_mode & 07777);
	int fd = open("p", O_RDONLY);
	T("fchmod", fchmod(fd, 04755));
	fstat(fd, &st);
	say("fchmod.effect", "%o", st.st_mode & 07777);
	T("fchmod.bad-fd", fchmod(999, 0644));
	T("fchmodat.missing", fchmodat(AT_FDCWD, "nonexistent", 0644, 0));
	T("fchown", fchown(fd, 1000, 1000));
	fstat(fd, &st);
	say("fchown.effect", "%u:%u mode %o", st.st_uid, st.st_gid, st.st_mode & 07777);
	T("fchownat", fchownat(AT_FDCWD, "p", 0, -1, 0));
	stat("p", &st);
	say("fchownat.effect", "%u:%u", st.st_uid, st.st_gid);
	symlink("p", "p-link");
	T("fchownat.nofollow", fchownat(AT_FDCWD, "p-link", 7, 7, AT_SYMLINK_NOFOLLOW));
	lstat("p-link", &st);
	struct stat tgt;
	stat("p", &tgt);
	say("fchownat.nofollow.effect", "link %u:%u, target %u:%u", st.st_uid, st.st_gid, tgt.st_uid, tgt.st_gid);
	T("fchownat.bad-flags", fchownat(AT_FDCWD, "p", 0, 0, 0x1));
	T("fchownat.empty-path", fchownat(fd, "", 3, 3, AT_EMPTY_PATH));
	fstat(fd, &st);
	say("fchownat.empty-path.effect", "%u:%u", st.st_uid, st.st_gid);
	T("fchown.bad-fd", fchown(999, 0, 0));

	T("newfstatat", fstatat(AT_FDCWD, "p", &st, 0));
	say("newfstatat.effect", "%s size %ld nlink %ld", S_ISREG(st.st_mode) ? "S_IFREG" : "other", (long)st.st_size, (long)st.st_nlink);
	T("newfstatat.nofollow", fstatat(AT_FDCWD, "p-link", &st, AT_SYMLINK_NOFOLLOW));
	say("newfstatat.nofollow.effect", "%s", S_ISLNK(st.st_mode) ? "S_IFLNK" : "other");
	T("newfstatat.bad-flags", fstatat(AT_FDCWD, "p", &st, 0x1));
	T("newfstatat.missing", fstatat(AT_FDCWD, "nonexistent", &st, 0));
	T("newfstatat.empty-path-without-flag", fstatat(fd, "", &st, 0));
	T("newfstatat.empty-path", fstatat(fd, "", &st, AT_EMPTY_PATH));
	T("newfstatat.bad-pointer", syscall(SYS_newfstatat, AT_FDCWD, "p", (void *)8, 0));
	T("fstat", fstat(fd, &st));
	T("fstat.bad-fd", fstat(999, &st));
	int p[2];
	pipe(p);
	fstat(p[0], &st);
	say("fstat.pipe", "%s", S_ISFIFO(st.st_mode) ? "S_IFIFO" : "other");
	stat("/dev/null", &st);
	say("stat.dev-null", "%s, rdev %u:%u", S_ISCHR(st.st_mode) ? "S_IFCHR" : "other", major(st.st_rdev), minor(st.st_rdev));

	/* utimensat. */
	struct timespec ts[2] = { { 1000000000, 111 }, { 1200000000, 222 } };
	T("utimensat.explicit", utimensat(AT_FDCWD, "p", ts, 0));
	stat("p", &st);
	say("utimensat.explicit.effect", "atime %ld.%ld mtime %ld.%ld", (long)st.st_atim.tv_sec, st.st_atim.tv_nsec,
	    (long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
	struct timespec omit[2] = { { 0, UTIME_OMIT }, { 1300000000, 0 } };
	T("utimensat.omit-atime", utimensat(AT_FDCWD, "p", omit, 0));
	stat("p", &st);
	say("utimensat.omit-atime.effect", "atime %ld mtime %ld", (long)st.st_atim.tv_sec, (long)st.st_mtim.tv_sec);
	struct timespec now[2] = { { 0, UTIME_NOW }, { 0, UTIME_OMIT } };
	T("utimensat.now-atime", utimensat(AT_FDCWD, "p", now, 0));
	stat("p", &st);
	say("utimensat.now-atime.effect", "atime %s, mtime %ld", st.st_atim.tv_sec > 1300000000 || st.st_atim.tv_sec < 1000000000 ? "changed" : "unchanged", (long)st.st_mtim.tv_sec);
	T("utimensat.null-times", utimensat(AT_FDCWD, "p", 0, 0));
	T("utimensat.bad-flags", utimensat(AT_FDCWD, "p", ts, 0x4));
	struct timespec badns[2] = { { 0, 1000000000 }, { 0, 0 } };
	T("utimensat.bad-nsec", utimensat(AT_FDCWD, "p", badns, 0));
	T("utimensat.missing", utimensat(AT_FDCWD, "nonexistent", ts, 0));
	T("utimensat.nofollow-symlink", utimensat(AT_FDCWD, "p-link", ts, AT_SYMLINK_NOFOLLOW));
	lstat("p-link", &st);
	say("utimensat.nofollow-symlink.effect", "link mtime %ld", (long)st.st_mtim.tv_sec);
	T("utimensat.fd", syscall(SYS_utimensat, fd, 0, ts, 0));
	T("utimensat.bad-fd", syscall(SYS_utimensat, 999, 0, ts, 0));
	struct stat before;
	stat("p", &before);
	int w = open("p", O_WRONLY);
	msleep(20);
	write(w, "x", 1);
	stat("p", &st);
	say("write.updates-mtime", "%s", yesno(st.st_mtim.tv_sec != before.st_mtim.tv_sec || st.st_mtim.tv_nsec != before.st_mtim.tv_nsec));
	if (fork() == 0) {
		drop_root();
		T("unprivileged.utimensat-explicit-not-owner", utimensat(AT_FDCWD, "p", ts, 0));
		T("unprivileged.fchmod-not-owner", fchmodat(AT_FDCWD, "p", 0777, 0));
		T("unprivileged.fchown", fchownat(AT_FDCWD, "p", 1000, 1000, 0));
		T("unprivileged.faccessat-w", faccessat(AT_FDCWD, "p", W_OK, 0));
		T("unprivileged.open-for-write", open("p", O_WRONLY));
		T("unprivileged.create-in-root-dir", open("/xt-conf-file-x", O_CREAT | O_WRONLY, 0644));
		T("unprivileged.mount", mount("none", DIR0, "tmpfs", 0, 0));
		T("unprivileged.umount2", umount2("/tmp", 0));
		_exit(0);
	}
	wait(0);
}

/* Access times under the default mount policy (relatime): a read moves
 * atime when it is not later than mtime or ctime, and keeps an atime later
 * than both; O_NOATIME keeps it; reading a directory is an access too. */
static void atime_cases(void)
{
	struct stat st;
	char b[8];
	time_t now = time(0);
	struct timespec older[2] = { { 1000000000, 0 }, { 1100000000, 0 } };
	struct timespec future[2] = { { now + 3600, 0 }, { 1100000000, 0 } };
	put("at", "data");
	utimensat(AT_FDCWD, "at", older, 0);
	int fd = open("at", O_RDONLY);
	read(fd, b, sizeof b);
	fstat(fd, &st);
	say("atime.read-after-mtime", "%s", st.st_atim.tv_sec >= now ? "updated" : "kept");
	close(fd);
	utimensat(AT_FDCWD, "at", future, 0);
	fd = open("at", O_RDONLY);
	read(fd, b, sizeof b);
	fstat(fd, &st);
	say("atime.read-recent-atime", "%s", st.st_atim.tv_sec == now + 3600 ? "kept" : "updated");
	close(fd);
	utimensat(AT_FDCWD, "at", older, 0);
	fd = open("at", O_RDONLY | O_NOATIME);
	read(fd, b, sizeof b);
	fstat(fd, &st);
	say("atime.read-noatime", "%s", st.st_atim.tv_sec == 1000000000 ? "kept" : "updated");
	close(fd);
	mkdir("ad", 0755);
	utimensat(AT_FDCWD, "ad", older, 0);
	DIR *d = opendir("ad");
	while (d && readdir(d))
		;
	stat("ad", &st);
	say("atime.readdir", "%s", st.st_atim.tv_sec >= now ? "updated" : "kept");
	if (d)
		closedir(d);
	symlink("at", "al");
	struct timespec lt[2] = { { 1000000000, 0 }, { 1100000000, 0 } };
	utimensat(AT_FDCWD, "al", lt, AT_SYMLINK_NOFOLLOW);
	readlink("al", b, sizeof b);
	lstat("al", &st);
	say("atime.readlink", "%s", st.st_atim.tv_sec >= now ? "updated" : "kept");
}

static void dir_cases(void)
{
	mkdir("g", 0755);
	put("g/c", "");
	put("g/a", "");
	put("g/b", "");
	int d = open("g", O_RDONLY | O_DIRECTORY);
	char buf[4096];
	long n = syscall(SYS_getdents64, d, buf, sizeof buf);
	char names[8][16];
	int count = 0;
	for (long off = 0; off < n && count < 8;) {
		struct dirent *e = (struct dirent *)(buf + off);
		snprintf(names[count++], 16, "%.15s", e->d_name);
		off += e->d_reclen;
	}
	qsort(names, count, 16, (int (*)(const void *, const void *))strcmp);
	printf("getdents64: %s, entries", n > 0 ? ">0" : rtext(n, errno));
	for (int i = 0; i < count; i++)
		printf(" %s", names[i]);
	printf("\n");
	T("getdents64.at-end", syscall(SYS_getdents64, d, buf, sizeof buf));
	lseek(d, 0, SEEK_SET);
	T("getdents64.rewound", syscall(SYS_getdents64, d, buf, sizeof buf) > 0);
	lseek(d, 0, SEEK_SET);
	T("getdents64.tiny-buffer", syscall(SYS_getdents64, d, buf, 8));
	int f = open("g/a", O_RDONLY);
	T("getdents64.file", syscall(SYS_getdents64, f, buf, sizeof buf));
	T("getdents64.bad-fd", syscall(SYS_getdents64, 999, buf, sizeof buf));
	lseek(d, 0, SEEK_SET);
	T("getdents64.bad-pointer", syscall(SYS_getdents64, d, (void *)8, sizeof buf));

	char cwd[256];
	T("chdir", chdir("g"));
	T("getcwd", syscall(SYS_getcwd, cwd, sizeof cwd) > 0);
	say("getcwd.effect", "%s", cwd);
	T("getcwd.small-buffer", syscall(SYS_getcwd, cwd, 4));
	T("getcwd.bad-pointer", syscall(SYS_getcwd, (void *)8, sizeof cwd));
	T("chdir.file", chdir("a"));
	T("chdir.missing", chdir("nonexistent"));
	int top = open(DIR0, O_RDONLY | O_DIRECTORY);
	T("fchdir", fchdir(top));
	getcwd(cwd, sizeof cwd);
	say("fchdir.effect", "%s", cwd);
	T("fchdir.file", fchdir(f));
	T("fchdir.bad-fd", fchdir(999));
	mkdir("gone", 0755);
	chdir("gone");
	rmdir("../gone");
	errno = 0;
	char *r = getcwd(cwd, sizeof cwd);
	say("getcwd.removed-directory", "%s", r ? cwd : rtext(-1, errno));
	T("openat.in-removed-cwd", open("new", O_CREAT | O_WRONLY, 0644));
	chdir(DIR0);
	if (fork() == 0) {
		mkdir("/tmp/xt-conf-locked", 0700);
		drop_root();
		T("unprivileged.chdir-no-search", chdir("/tmp/xt-conf-locked"));
		T("unprivileged.stat-in-no-search", access("/tmp/xt-conf-locked/x", F_OK));
		_exit(0);
	}
	wait(0);
}

static void poll_cases(void)
{
	int p[2];
	pipe(p);
	struct pollfd pf[2] = { { p[0], POLLIN, 0 }, { p[1], POLLOUT, 0 } };
	T("ppoll.write-end-ready", poll(pf, 2, 0));
	say("ppoll.revents", "read %s, write %s", pf[0].revents ? "ready" : "none", pf[1].revents & POLLOUT ? "POLLOUT" : "none");
	write(p[1], "x", 1);
	T("ppoll.read-end-ready", poll(pf, 1, 0));
	struct pollfd bad = { 999, POLLIN, 0 };
	T("ppoll.bad-fd", poll(&bad, 1, 0));
	say("ppoll.bad-fd.revents", "%s", bad.revents == POLLNVAL ? "POLLNVAL" : "other");
	struct pollfd neg = { -1, POLLIN, 0 };
	T("ppoll.negative-fd-ignored", poll(&neg, 1, 0));
	T("ppoll.bad-pointer", syscall(SYS_ppoll, (void *)8, 1, &(struct timespec){ 0, 0 }, 0, 8));
	T("ppoll.too-many-fds", syscall(SYS_ppoll, pf, 1 << 20, &(struct timespec){ 0, 0 }, 0, 8));
	T("ppoll.bad-timeout", syscall(SYS_ppoll, pf, 1, &(struct timespec){ 0, 2000000000 }, 0, 8));
	close(p[1]);
	char c;
	read(p[0], &c, 1);
	pf[0].revents = 0;
	poll(pf, 1, 0);
	say("ppoll.writer-closed", "%s", pf[0].revents & POLLHUP ? "POLLHUP" : "none");
	int q[2];
	pipe(q);
	close(q[0]);
	struct pollfd w = { q[1], POLLOUT, 0 };
	poll(&w, 1, 0);
	say("ppoll.reader-closed", "%s", w.revents & POLLERR ? "POLLERR" : "none");
	pipe(p);
	fd_set r;
	FD_ZERO(&r);
	FD_SET(p[0], &r);
	struct timespec z = { 0, 0 };
	T("pselect6.nothing-ready", pselect(p[0] + 1, &r, 0, 0, &z, 0));
	write(p[1], "x", 1);
	FD_SET(p[0], &r);
	T("pselect6.ready", pselect(p[0] + 1, &r, 0, 0, &z, 0));
	say("pselect6.ready.set", "%s", FD_ISSET(p[0], &r) ? "set" : "clear");
	FD_ZERO(&r);
	FD_SET(p[0], &r);
	close(p[0]);
	T("pselect6.closed-fd", pselect(p[0] + 1, &r, 0, 0, &z, 0));
	T("pselect6.negative-nfds", syscall(SYS_pselect6, -1, 0, 0, 0, &z, 0));
	struct timespec badt = { -1, 0 };
	T("pselect6.negative-timeout", pselect(1, 0, 0, 0, &badt, 0));
	struct timespec t50 = { 0, 50000000 };
	T("pselect6.timeout-only", pselect(0, 0, 0, 0, &t50, 0));
}

static void mount_cases(void)
{
	mkdir("mnt", 0755);
	T("mount.tmpfs", mount("none", "mnt", "tmpfs", 0, "mode=700"));
	struct stat st;
	stat("mnt", &st);
	say("mount.tmpfs.root-mode", "%o", st.st_mode & 07777);
	put("mnt/f", "on tmpfs");
	T("mount.unknown-type", mount("none", "mnt", "no-such-fs", 0, 0));
	T("mount.unknown-option", mount("none", "mnt", "tmpfs", 0, "no_such_option=1"));
	T("mount.missing-target", mount("none", "no-such-dir", "tmpfs", 0, 0));
	T("mount.bad-type-pointer", syscall(SYS_mount, "none", "mnt", (void *)8, 0, 0));
	T("umount2.not-a-mountpoint", umount2(DIR0, 0));
	T("umount2.missing", umount2("no-such-dir", 0));
	T("umount2.bad-flags", umount2("mnt", 0x80000000));
	T("umount2.expire-with-force", umount2("mnt", MNT_EXPIRE | MNT_FORCE));
	T("umount2.expire-first-call", umount2("mnt", MNT_EXPIRE));
	say("umount2.expire-first-call.effect", "%s", access("mnt/f", F_OK) == 0 ? "still mounted" : "unmounted");
	chdir("mnt");
	char inner[512];
	snprintf(inner, sizeof inner, "%s/mnt", DIR0);
	T("umount2.busy-cwd", umount2(inner, 0));
	chdir(DIR0);
	int fd = open("mnt/f", O_RDONLY);
	T("umount2.busy-open-file", umount2("mnt", 0));
	T("umount2.detach-busy", umount2("mnt", MNT_DETACH));
	say("umount2.detach.effect", "mountpoint %s, open file %s", access("mnt/f", F_OK) == 0 ? "still mounted" : "unmounted",
	    fd >= 0 ? (read(fd, (char[16]){ 0 }, 8) == 8 ? "readable" : "unreadable") : "none");
	close(fd);
	mount("none", "mnt", "tmpfs", 0, 0);
	symlink("mnt", "mnt-link");
	T("umount2.nofollow-symlink", umount2("mnt-link", UMOUNT_NOFOLLOW));
	T("umount2.follow-symlink", umount2("mnt-link", 0));
	say("umount2.follow-symlink.effect", "%s", access("mnt/f", F_OK) == 0 ? "other" : "unmounted");
	mount("none", "mnt", "tmpfs", 0, 0);
	T("umount2.force", umount2("mnt", MNT_FORCE));
	T("mount.proc", mount("proc", "mnt", "proc", 0, 0));
	say("mount.proc.effect", "%s", access("mnt/self", F_OK) == 0 ? "mnt/self present" : "absent");
	T("umount2.proc", umount2("mnt", 0));
	T("mount.readonly-flag", mount("none", "mnt", "tmpfs", MS_RDONLY, 0));
	T("mount.readonly.create", open("mnt/x", O_CREAT | O_WRONLY, 0644));
	umount2("mnt", MNT_DETACH);
}

int main(int argc, char **argv)
{
	if (argc > 1)
		DIR0 = argv[1];
	begin();
	scratch(DIR0);
	sub("open", open_cases, 10);
	sub("read-write", rw_cases, 10);
	sub("descriptors", fd_cases, 10);
	sub("names", name_cases, 10);
	sub("rename", rename_cases, 10);
	sub("attributes", attr_cases, 10);
	sub("atime", atime_cases, 10);
	sub("directories", dir_cases, 10);
	sub("poll", poll_cases, 10);
	if (!getenv("XT_CONF_NO_MOUNT"))
		sub("mount", mount_cases, 10);
	return 0;
}
