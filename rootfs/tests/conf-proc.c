/*
 * xt-conf-proc: processes, identities and sessions, checked call by call
 * against what Linux does (see conf.h for the output contract): ids and
 * credentials (set*id, groups), process groups and sessions (setpgid's
 * EINVAL/EPERM/EACCES/ESRCH rules, setsid, getsid), kill/tkill/tgkill,
 * wait4 (exit, stop, continue, WNOHANG, ECHILD), clone flags (exit signal,
 * PARENT_SETTID, CHILD_SETTID, CHILD_CLEARTID, SETTLS, VFORK, invalid
 * combinations), execve errors and scripts, uname/sethostname, affinity,
 * getcpu, sysinfo, getrandom, syslog, reboot's harmless commands, umask.
 */
#include "conf.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/reboot.h>
#include <sys/resource.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>

#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif

/* Raw clone: the argument order differs between the architectures. */
static long raw_clone(unsigned long flags, void *stack, int *ptid, int *ctid, unsigned long tls)
{
#if defined(__x86_64__)
	return syscall(SYS_clone, flags, stack, ptid, ctid, tls);
#else
	return syscall(SYS_clone, flags, stack, ptid, tls, ctid);
#endif
}

/*
 * clone(CLONE_SETTLS | SIGCHLD) whose child exits 0 when its thread pointer
 * is `want`, 1 otherwise. On x86_64 the child may not return through any C
 * function: with the new %fs its stack-protector canary (%fs:0x28) differs
 * from the one saved on entry, so the child reads %fs:0 (the TLS self
 * pointer, which the caller stores at `want`) and exits in the same asm.
 */
static long clone_settls_probe(unsigned long want)
{
#if defined(__x86_64__)
	long ret;
	register unsigned long r8 __asm__("r8") = want;
	register unsigned long r10 __asm__("r10") = 0;
	__asm__ volatile("syscall\n\t"
			 "test %%rax, %%rax\n\t"
			 "jnz 1f\n\t"
			 "xor %%edi, %%edi\n\t"
			 "cmp %%fs:0, %%r8\n\t"
			 "setne %%dil\n\t"
			 "mov $60, %%eax\n\t"
			 "syscall\n\t"
			 "1:"
			 : "=a"(ret)
			 : "a"((long)SYS_clone), "D"((long)(CLONE_SETTLS | SIGCHLD)), "S"(0L), "d"(0L), "r"(r10), "r"(r8)
			 : "rcx", "r11", "memory");
	if (ret < 0) {
		errno = -ret;
		return -1;
	}
	return ret;
#else
	long c = raw_clone(CLONE_SETTLS | SIGCHLD, 0, 0, 0, want);
	if (c == 0) {
		unsigned long v;
		__asm__ volatile("mrs %0, tpidr_el0" : "=r"(v));
		syscall(SYS_exit, v == want ? 0 : 1);
	}
	return c;
#endif
}

static void ids(void)
{
	pid_t pid = getpid();
	say("getpid", "%s", pid > 1 ? ">1" : "<=1");
	say("gettid", "%s", syscall(SYS_gettid) == pid ? "equals pid" : "differs from pid");
	say("set_tid_address", "%s", syscall(SYS_set_tid_address, 0) == pid ? "returns tid" : "other");
	T("getuid", getuid());
	T("geteuid", geteuid());
	T("getgid", getgid());
	T("getegid", getegid());
	uid_t r, e, s;
	T("getresuid", getresuid(&r, &e, &s));
	say("getresuid.values", "%u %u %u", r, e, s);
	T("getresuid.bad-pointer", syscall(SYS_getresuid, (void *)8, (void *)8, (void *)8));
	gid_t gr, ge, gs;
	T("getresgid", getresgid(&gr, &ge, &gs));
	say("getresgid.values", "%u %u %u", gr, ge, gs);
	T("umask.set", umask(077));
	T("umask.get", umask(022));
	pid_t ppid = getpid();
	pid_t c = fork();
	if (c == 0) {
		_exit(getppid() == ppid ? 0 : 1);
	}
	int st;
	waitpid(c, &st, 0);
	say("getppid.in-child", "%s", st == 0 ? "equals parent pid" : "other");
}

static void creds(void)
{
	gid_t groups[4] = { 7, 8 };
	T("setgroups", setgroups(2, groups));
	memset(groups, 0, sizeof groups);
	T("getgroups", getgroups(4, groups));
	say("getgroups.values", "%u %u", groups[0], groups[1]);
	T("getgroups.count-only", getgroups(0, 0));
	T("getgroups.too-small", getgroups(1, groups));
	T("setgroups.negative", syscall(SYS_setgroups, -1, groups));
	T("setgroups.huge", syscall(SYS_setgroups, 1 << 20, groups));
	T("setgroups.bad-pointer", syscall(SYS_setgroups, 2, (void *)8));
	T("setuid.minus-one", syscall(SYS_setuid, -1));
	T("setresuid.all-minus-one", setresuid(-1, -1, -1));
	T("setresgid", setresgid(100, 101, 102));
	gid_t a, b, c;
	getresgid(&a, &b, &c);
	say("setresgid.effect", "%u %u %u", a, b, c);
	T("setregid", setregid(200, 201));
	getresgid(&a, &b, &c);
	say("setregid.effect", "%u %u %u", a, b, c);
	T("setgid.root", setgid(300));
	getresgid(&a, &b, &c);
	say("setgid.root.effect", "%u %u %u", a, b, c);
	T("setresuid", setresuid(1000, 1001, 1002));
	uid_t ur, ue, us;
	getresuid(&ur, &ue, &us);
	say("setresuid.effect", "%u %u %u", ur, ue, us);
	T("setuid.unprivileged-to-saved", setuid(1002));
	getresuid(&ur, &ue, &us);
	say("setuid.unprivileged.effect", "%u %u %u", ur, ue, us);
	T("setuid.unprivileged-to-root", setuid(0));
	T("setreuid.unprivileged-to-other", setreuid(5, 5));
	T("setresuid.unprivileged-swap", setresuid(1002, 1000, -1));
	getresuid(&ur, &ue, &us);
	say("setresuid.unprivileged.effect", "%u %u %u", ur, ue, us);
	T("setgid.unprivileged-to-other", setgid(999));
}

/* Process groups and sessions: setpgid's rules one by one. */
static void groups_and_sessions(void)
{
	pid_t me = getpid();
	/* sub() made us a group leader; setsid must refuse. */
	T("setsid.group-leader", setsid());
	T("setpgid.self-zero", setpgid(0, 0));
	say("getpgid.self", "%s", getpgid(0) == me ? "equals pid" : "other");
	T("setpgid.negative-pgid", setpgid(0, -1));
	T("setpgid.nonexistent-pid", setpgid(999999, 0));
	T("setpgid.not-our-child", setpgid(1, 1));
	T("getpgid.nonexistent", getpgid(999999));
	T("getsid.nonexistent", getsid(999999));
	say("getsid.self-equals-parents", "%s", getsid(0) == getsid(getppid()) ? "yes" : "no");

	/* A child that stays: our own group, another group, a nonexistent one. */
	int p[2];
	if (pipe(p))
		return;
	pid_t c = fork();
	if (c == 0) {
		char ch;
		close(p[1]);
		read(p[0], &ch, 1);
		_exit(0);
	}
	T("setpgid.child-own-group", setpgid(c, c));
	say("getpgid.child", "%s", getpgid(c) == c ? "equals child pid" : "other");
	T("setpgid.child-back-to-ours", setpgid(c, me));
	T("setpgid.child-nonexistent-group", setpgid(c, 999999));
	close(p[0]);
	close(p[1]);
	waitpid(c, 0, 0);

	/* A child that became a session leader: EPERM for both of us. */
	int q[2], r2[2];
	pipe(q);
	pipe(r2);
	c = fork();
	if (c == 0) {
		char ch;
		close(q[1]);
		pid_t s = setsid();
		char res[64];
		snprintf(res, sizeof res, "%s %s", s == getpid() ? "equals pid" : rtext(s, errno),
			 rtext(setpgid(0, 0), errno));
		write(r2[1], res, strlen(res));
		close(r2[1]);
		read(q[0], &ch, 1);
		_exit(0);
	}
	close(r2[1]);
	char res[64] = { 0 };
	read(r2[0], res, sizeof res - 1);
	say("setsid.child-then-setpgid-self", "%s", res);
	say("getsid.child", "%s", getsid(c) == c ? "equals child pid" : "other");
	T("setpgid.child-session-leader", setpgid(c, c));
	T("setpgid.child-in-other-session-to-ours", setpgid(c, me));
	close(q[1]);
	waitpid(c, 0, 0);

	/* A child that has called execve: EACCES. */
	c = fork();
	if (c == 0) {
		execl("/bin/sleep", "sleep", "1", (char *)0);
		_exit(127);
	}
	msleep(300);
	T("setpgid.child-after-exec", setpgid(c, c));
	kill(c, SIGKILL);
	waitpid(c, 0, 0);

	/* Another group in our session that is not ours: joining it works, a group of another session does not. */
	pid_t g = fork();
	if (g == 0) {
		setpgid(0, 0);
		pause();
		_exit(0);
	}
	setpgid(g, g);
	c = fork();
	if (c == 0) {
		pause();
		_exit(0);
	}
	T("setpgid.child-into-sibling-group", setpgid(c, g));
	say("getpgid.child-in-sibling-group", "%s", getpgid(c) == g ? "yes" : "no");
	T("setpgid.child-into-group-of-other-session", setpgid(c, 1));
	T("kill.group", kill(-g, SIGKILL));
	T("kill.group-nonexistent", kill(-999999, 0));
	kill(c, SIGKILL);
	waitpid(g, 0, 0);
	waitpid(c, 0, 0);
}

static void killing(void)
{
	T("kill.self-zero", kill(getpid(), 0));
	T("kill.nonexistent", kill(999999, 0));
	T("kill.bad-signal", kill(getpid(), 99));
	T("kill.own-group-zero", kill(0, 0));
	T("tkill.self-zero", syscall(SYS_tkill, syscall(SYS_gettid), 0));
	T("tkill.negative", syscall(SYS_tkill, -1, 0));
	T("tgkill.self-zero", syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), 0));
	T("tgkill.wrong-tid", syscall(SYS_tgkill, getpid(), 999999, 0));
	T("tgkill.negative-tgid", syscall(SYS_tgkill, -1, getpid(), 0));
	T("tgkill.bad-signal", syscall(SYS_tgkill, getpid(), getpid(), 99));
	pid_t c = fork();
	if (c == 0) {
		pause();
		_exit(0);
	}
	/* The tid must belong to the thread group named. */
	T("tgkill.tid-of-other-process", syscall(SYS_tgkill, getpid(), c, 0));
	T("tgkill.tgid-of-other-process", syscall(SYS_tgkill, c, getpid(), 0));
	T("tgkill.child-as-itself", syscall(SYS_tgkill, c, c, 0));
	T("kill.child-term", kill(c, SIGTERM));
	int st = 0;
	waitpid(c, &st, 0);
	say("kill.child-term.effect", "%s", status_text(st));
	c = fork();
	if (c == 0)
		_exit(0);
	msleep(100);
	T("kill.zombie-zero", kill(c, 0));
	waitpid(c, 0, 0);
}

static void waiting(void)
{
	int st = 0;
	T("wait4.no-children", wait4(-1, &st, 0, 0));
	pid_t c = fork();
	if (c == 0)
		_exit(3);
	say("wait4.exit", "%s", wait4(c, &st, 0, 0) == c ? "returns pid" : "other");
	say("wait4.exit.status", "%s", status_text(st));
	c = fork();
	if (c == 0) {
		pause();
		_exit(0);
	}
	T("wait4.wnohang-running", wait4(c, &st, WNOHANG, 0));
	T("wait4.bad-options", wait4(c, &st, 0x00100000, 0));
	T("wait4.bad-status-pointer", wait4(c, (int *)8, WNOHANG, 0));
	kill(c, SIGSTOP);
	say("wait4.wuntraced", "%s", wait4(c, &st, WUNTRACED, 0) == c ? "returns pid" : "other");
	say("wait4.wuntraced.status", "%s %s", WIFSTOPPED(st) ? "stopped" : "not-stopped",
	    signame(WIFSTOPPED(st) ? WSTOPSIG(st) : 0));
	kill(c, SIGCONT);
	say("wait4.wcontinued", "%s", wait4(c, &st, WCONTINUED, 0) == c ? "returns pid" : "other");
	say("wait4.wcontinued.status", "%s", WIFCONTINUED(st) ? "continued" : "not-continued");
	kill(c, SIGKILL);
	wait4(c, &st, 0, 0);
	say("wait4.killed.status", "%s", status_text(st));
	T("wait4.other-pid", wait4(1, &st, 0, 0));
	struct rusage ru;
	memset(&ru, 0xff, sizeof ru);
	c = fork();
	if (c == 0)
		_exit(0);
	T("wait4.rusage", wait4(c, &st, 0, &ru) == c);
	say("wait4.rusage.filled", "%s", ru.ru_maxrss != -1 ? "yes" : "no");
	/* A blocking wait right after SIGKILL, many times: a lost wake-up hangs here (last, for that reason). */
	int reaped = 0;
	for (int i = 0; i < 200; i++) {
		c = fork();
		if (c == 0) {
			pause();
			_exit(0);
		}
		if (i & 1)
			sched_yield();
		kill(c, SIGKILL);
		if (waitpid(c, &st, 0) == c && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL)
			reaped++;
	}
	say("wait4.blocking-right-after-sigkill", "%d of 200 reaped", reaped);
}

static volatile sig_atomic_t got_usr1;
static void on_usr1(int s) { (void)s; got_usr1++; }

/* A clone Linux refuses: `-1 ENAME`, or `child` when a child was made (it exits at once). */
static void clone_refused(const char *name, unsigned long flags, int *ptid)
{
	errno = 0;
	long c = raw_clone(flags, 0, ptid, 0, 0);
	if (c == 0)
		syscall(SYS_exit, 0);
	say(name, "%s", c > 0 ? "child" : rtext(c, errno));
	if (c > 0)
		waitpid(c, 0, __WALL);
}

static volatile int vm_flag;
static int vm_child(void *arg)
{
	(void)arg;
	vm_flag = 1;
	return 0;
}

static void clone_flags(void)
{
	int st = 0;
	/* A plain fork through clone. */
	long c = raw_clone(SIGCHLD, 0, 0, 0, 0);
	if (c == 0)
		syscall(SYS_exit, 5);
	say("clone.sigchld", "%s", c > 0 ? "child" : rtext(c, errno));
	waitpid(c, &st, 0);
	say("clone.sigchld.status", "%s", status_text(st));

	/* Exit signal SIGUSR1: delivered to us, and the child is a "clone" child for wait. */
	signal(SIGUSR1, on_usr1);
	c = raw_clone(SIGUSR1, 0, 0, 0, 0);
	if (c == 0)
		syscall(SYS_exit, 0);
	msleep(200);
	say("clone.exit-signal.delivered", "%s", got_usr1 ? "SIGUSR1" : "none");
	T("clone.exit-signal.wait-without-wclone", waitpid(c, &st, WNOHANG));
	say("clone.exit-signal.wait-wall", "%s", waitpid(c, &st, __WALL) == c ? "returns pid" : "other");

	/* PARENT_SETTID: the parent's variable gets the child's tid. */
	int ptid = 0;
	c = raw_clone(CLONE_PARENT_SETTID | SIGCHLD, 0, &ptid, 0, 0);
	if (c == 0)
		syscall(SYS_exit, 0);
	say("clone.parent-settid", "%s", ptid == c ? "equals child pid" : ptid == 0 ? "not written" : "other");
	waitpid(c, 0, 0);

	/* CHILD_SETTID and CHILD_CLEARTID on a shared page: set in the child, cleared at its exit. */
	int *shared = mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shared == MAP_FAILED) {
		say("clone.shared-page", "-1 %s", ename(errno));
	} else {
		c = raw_clone(CLONE_CHILD_SETTID | SIGCHLD, 0, 0, &shared[0], 0);
		if (c == 0) {
			shared[1] = shared[0] == (int)syscall(SYS_getpid);
			syscall(SYS_exit, 0);
		}
		waitpid(c, 0, 0);
		say("clone.child-settid", "%s", shared[1] ? "equals pid in child" : "not written");
		shared[0] = 12345;
		c = raw_clone(CLONE_CHILD_CLEARTID | SIGCHLD, 0, 0, &shared[0], 0);
		if (c == 0)
			syscall(SYS_exit, 0);
		waitpid(c, 0, 0);
		say("clone.child-cleartid-without-vm", "%s", shared[0] == 0 ? "cleared at exit" : "not cleared");
	}

	/* SETTLS: the child's thread pointer is the value passed. */
	static unsigned long tls_block[64];
	unsigned long want = (unsigned long)&tls_block[32];
	tls_block[32] = want;
	c = clone_settls_probe(want);
	waitpid(c, &st, 0);
	say("clone.settls", "%s", WIFEXITED(st) && WEXITSTATUS(st) == 0 ? "thread pointer set" : "not set");

	/* VFORK: the parent resumes only after the child exits. */
	if (shared != MAP_FAILED) {
		shared[2] = 0;
		c = raw_clone(CLONE_VFORK | SIGCHLD, 0, 0, 0, 0);
		if (c == 0) {
			struct timespec ts = { 0, 200 * 1000 * 1000 };
			syscall(SYS_nanosleep, &ts, 0);
			shared[2] = 1;
			syscall(SYS_exit, 0);
		}
		say("clone.vfork", "%s", shared[2] ? "parent waited for the child" : "parent ran first");
		waitpid(c, 0, 0);
	}

	/* Combinations Linux refuses (a child made anyway exits at once). */
	clone_refused("clone.thread-without-sighand", CLONE_THREAD | SIGCHLD, 0);
	clone_refused("clone.sighand-without-vm", CLONE_SIGHAND | SIGCHLD, 0);
	clone_refused("clone.newns-with-fs", CLONE_NEWNS | CLONE_FS | SIGCHLD, 0);
	clone_refused("clone.pidfd-with-parent-settid", CLONE_PIDFD | CLONE_PARENT_SETTID | SIGCHLD, &ptid);
	clone_refused("clone.exit-signal-99", 99, 0);

	/* CLONE_VM: the child writes our memory; CHILD_CLEARTID clears and wakes at its exit. */
	static char vm_stack[64 * 1024] __attribute__((aligned(16)));
	static int vm_tid = 12345;
	vm_flag = 0;
	errno = 0;
	c = clone(vm_child, vm_stack + sizeof vm_stack, CLONE_VM | CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID | SIGCHLD, 0, 0, 0, &vm_tid);
	say("clone.vm", "%s", c > 0 ? "child" : rtext(c, errno));
	if (c > 0) {
		waitpid(c, &st, 0);
		say("clone.vm.child-wrote-our-memory", "%s", yesno(vm_flag == 1));
		say("clone.vm.child-cleartid", "%s", vm_tid == 0 ? "cleared at exit" : vm_tid == c ? "still the tid" : "other");
	}
}

static void exec_cases(void)
{
	char *argv[] = { "x", 0 };
	char *envp[] = { 0 };
	T("execve.nonexistent", execve("/nonexistent/prog", argv, envp));
	T("execve.directory", execve("/tmp", argv, envp));
	int fd = open("/tmp/conf-proc-noexec", O_CREAT | O_TRUNC | O_WRONLY, 0644);
	write(fd, "#!/bin/sh\necho hi\n", 18);
	close(fd);
	T("execve.no-x-bit", execve("/tmp/conf-proc-noexec", argv, envp));
	fd = open("/tmp/conf-proc-junk", O_CREAT | O_TRUNC | O_WRONLY, 0755);
	write(fd, "\177ELF junk junk junk junk junk junk junk junk junk junk junk", 60);
	close(fd);
	T("execve.malformed-elf", execve("/tmp/conf-proc-junk", argv, envp));
	T("execve.bad-path-pointer", syscall(SYS_execve, (void *)8, argv, envp));
	T("execve.bad-argv-pointer", syscall(SYS_execve, "/bin/true", (void *)8, envp));
	T("execve.empty-path", execve("", argv, envp));
	fd = open("/tmp/conf-proc-script", O_CREAT | O_TRUNC | O_WRONLY, 0755);
	write(fd, "#!/bin/sh\necho script ran with \"$1\"\n", 36);
	close(fd);
	fflush(stdout);
	pid_t c = fork();
	if (c == 0) {
		printf("execve.script: ");
		fflush(stdout);
		char *a[] = { "script", "arg1", 0 };
		execve("/tmp/conf-proc-script", a, envp);
		printf("-1 %s\n", ename(errno));
		_exit(1);
	}
	int st;
	waitpid(c, &st, 0);
	say("execve.script.status", "%s", status_text(st));
	c = fork();
	if (c == 0) {
		char *a[] = { "sh", "-c", "exit 42", 0 };
		execve("/bin/sh", a, envp);
		_exit(1);
	}
	waitpid(c, &st, 0);
	say("execve.shell-exit-status", "%s", status_text(st));
	c = fork();
	if (c == 0)
		syscall(SYS_exit_group, 9);
	waitpid(c, &st, 0);
	say("exit_group.status", "%s", status_text(st));
	c = fork();
	if (c == 0)
		syscall(SYS_exit, 300);
	waitpid(c, &st, 0);
	say("exit.status-low-byte", "%s", status_text(st));
}

static void system_info(void)
{
	struct utsname u;
	T("uname", uname(&u));
#if defined(__aarch64__)
	say("uname.machine", "%s", strcmp(u.machine, "aarch64") == 0 ? "matches arch" : u.machine);
#else
	say("uname.machine", "%s", strcmp(u.machine, "x86_64") == 0 ? "matches arch" : u.machine);
#endif
	T("uname.bad-pointer", syscall(SYS_uname, (void *)8));
	char old[65] = { 0 };
	gethostname(old, 64);
	T("sethostname", sethostname("conftest", 8));
	uname(&u);
	say("sethostname.effect", "%s", u.nodename);
	T("sethostname.too-long", sethostname("x", 65));
	T("sethostname.bad-pointer", syscall(SYS_sethostname, (void *)8, 4));
	sethostname(old, strlen(old));

	cpu_set_t set;
	CPU_ZERO(&set);
	long n = syscall(SYS_sched_getaffinity, 0, sizeof set, &set);
	say("sched_getaffinity", "%s", n > 0 ? ">0" : rtext(n, errno));
	say("sched_getaffinity.cpu0", "%s", CPU_ISSET(0, &set) ? "set" : "clear");
	T("sched_getaffinity.size-one", syscall(SYS_sched_getaffinity, 0, 1, &set));
	T("sched_getaffinity.nonexistent", syscall(SYS_sched_getaffinity, 999999, sizeof set, &set));
	CPU_ZERO(&set);
	CPU_SET(0, &set);
	T("sched_setaffinity.cpu0", sched_setaffinity(0, sizeof set, &set));
	CPU_ZERO(&set);
	T("sched_setaffinity.empty", sched_setaffinity(0, sizeof set, &set));
	T("sched_yield", sched_yield());
	unsigned cpu = 77, node = 77;
	T("getcpu", syscall(SYS_getcpu, &cpu, &node, 0));
	say("getcpu.values", "cpu %u node %u", cpu, node);
	T("getcpu.bad-pointer", syscall(SYS_getcpu, (void *)8, 0, 0));

	struct sysinfo si;
	memset(&si, 0, sizeof si);
	T("sysinfo", sysinfo(&si));
	say("sysinfo.values", "uptime %s totalram %s freeram<=totalram %s procs %s unit %lu",
	    si.uptime > 0 ? ">0" : "0", si.totalram > 0 ? ">0" : "0", yesno(si.freeram <= si.totalram),
	    si.procs > 1 ? ">1" : "<=1", (unsigned long)si.mem_unit);
	T("sysinfo.bad-pointer", syscall(SYS_sysinfo, (void *)8));

	unsigned char buf[64];
	T("getrandom", syscall(SYS_getrandom, buf, 16, 0));
	T("getrandom.nonblock", syscall(SYS_getrandom, buf, 16, 1));
	T("getrandom.bad-flags", syscall(SYS_getrandom, buf, 16, 0x100));
	T("getrandom.bad-pointer", syscall(SYS_getrandom, (void *)8, 16, 0));
	T("getrandom.zero", syscall(SYS_getrandom, buf, 0, 0));

	/* syslog: 10 = SIZE_BUFFER, 9 = SIZE_UNREAD, 3 = READ_ALL. */
	long sz = syscall(SYS_syslog, 10, 0, 0);
	say("syslog.size-buffer", "%s", sz > 0 ? ">0" : rtext(sz, errno));
	long ra = syscall(SYS_syslog, 3, (char[256]){ 0 }, 256);
	say("syslog.read-all", "%s", ra > 0 ? ">0" : rtext(ra, errno));
	T("syslog.bad-type", syscall(SYS_syslog, 99, 0, 0));
	T("syslog.read-all-negative-len", syscall(SYS_syslog, 3, buf, -1));
	T("syslog.read-all-bad-pointer", syscall(SYS_syslog, 3, 0, 16));

	/* reboot: only the harmless commands (Ctrl-Alt-Del on/off); bad magic EINVAL. */
	T("reboot.cad-on", syscall(SYS_reboot, 0xfee1dead, 672274793, 0x89abcdef, 0));
	T("reboot.cad-off", syscall(SYS_reboot, 0xfee1dead, 672274793, 0, 0));
	T("reboot.bad-magic", syscall(SYS_reboot, 0x12345678, 672274793, 0, 0));
	T("reboot.bad-command", syscall(SYS_reboot, 0xfee1dead, 672274793, 0x7777, 0));
}

static void unprivileged(void)
{
	if (drop_root() == 0) {
		T("unprivileged.setuid-back", setuid(0));
		T("unprivileged.setgroups", setgroups(0, 0));
		T("unprivileged.sethostname", sethostname("x", 1));
		T("unprivileged.kill-init", kill(1, SIGCONT));
		T("unprivileged.sched_setaffinity-init", syscall(SYS_sched_setaffinity, 1, 8, (unsigned long[1]){ 1 }));
		T("unprivileged.reboot", syscall(SYS_reboot, 0xfee1dead, 672274793, 0, 0));
		T("unprivileged.syslog-read-all", syscall(SYS_syslog, 3, (char[64]){ 0 }, 64));
	}
}

int main(void)
{
	begin();
	sub("ids", ids, 10);
	sub("creds", creds, 10);
	sub("groups-and-sessions", groups_and_sessions, 20);
	sub("kill", killing, 10);
	sub("wait4", waiting, 10);
	sub("clone", clone_flags, 10);
	sub("execve", exec_cases, 10);
	sub("system", system_info, 10);
	sub("unprivileged", unprivileged, 10);
	return 0;
}
