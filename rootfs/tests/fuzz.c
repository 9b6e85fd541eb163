/*
 * xt-fuzz: a syscall fuzzer. Calls every syscall number 0..450 with random
 * and adversarial arguments (0, -1, small numbers and descriptors, valid
 * pointers into a scratch buffer of random bytes, bad pointers low and in
 * kernel space, huge lengths, random flags and words) in forked children,
 * until N calls were made or T seconds passed. The kernel must survive it:
 * no panic, no hang, init and the shell still there afterwards.
 *
 *   xt-fuzz [CALLS [SECONDS [SEED [SKIP,...]]]]
 *                      defaults: 100000 calls, 300 s, a random seed, skip nothing more
 *
 * SKIP is a comma-separated list of further syscall numbers not to call: to
 * get past a known kernel bug and look for the next one.
 *
 * The seed is printed; the same seed replays the same sequence of calls
 * (batch k uses seed+k), so a crash found once can be found again.
 *
 * Each child runs in its own session, with /dev/null as stdin/stdout/stderr
 * and a scratch directory as its working directory, so it cannot read the
 * console, signal the shell or litter the filesystem. It counts every call
 * in a shared page before making it; the parent replaces a child that died
 * (a random munmap, rt_sigreturn or signal handler is expected to kill it)
 * or made no progress for STALL_MS (pause, a long sleep, a blocking read).
 *
 * Not called, because they end or corrupt the run for reasons that say
 * nothing about the kernel's robustness:
 *   reboot                    powers the machine off or restarts it
 *   clone, clone3 (fork, vfork on x86_64)
 *                             new processes or threads (with a random stack:
 *                             sharing the fuzzer's) outlive the batch and
 *                             multiply; clone is exercised by xt-conf-proc
 *   ptrace, process_vm_writev could write into init's memory
 *   pidfd_send_signal         could signal init or the shell
 *   kexec_load, kexec_file_load  would replace the running kernel
 *   delete_module             would unload the guest's drivers (Linux)
 *   sethostname, setdomainname   would change the shell prompt the harness reads
 * And pinned to the caller: the pid of kill, tkill, tgkill (and its tid),
 * rt_sigqueueinfo, rt_tgsigqueueinfo (and its tid), prlimit64 and setpgid
 * (kill(-1), SIGSTOP to this driver or an rlimit on init would end the
 * run; on the in-tree kernel tgkill ignores the tgid and setpgid moves any
 * process, bugs xt-conf-proc reports, which let a child stop this driver or
 * take the shell out of its terminal's foreground group); every other
 * argument stays random.
 *
 * Output: the seed, the skip list, MemFree before/after from /proc/meminfo,
 * a progress line every 10,000 calls (the last one printed tells where a
 * hang began: replay from that point with the seed), how many calls and
 * children, the numbers of the first calls that stalled, and METRIC lines
 * for the scenario.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_NR 450
#define BATCH 2000
#define STALL_MS 100
#define KILL_GRACE_MS 5000
#define SCRATCH_SIZE 65536
#define DIR0 "/tmp/xt-fuzz"

/*
 * The one word a child shares with the parent: how many calls it has
 * started. It is assigned (never incremented) before each call, so a random
 * call that scribbles on the page costs at most that batch's count, which
 * the parent clamps to BATCH. Which numbers were called the parent learns by
 * replaying the batch's random sequence, not from the child.
 */
struct shared {
	volatile unsigned long started;
};

static uint64_t state;

static uint64_t rnd(void)
{
	/* xorshift64*: small, fast and reproducible from the seed. */
	state ^= state >> 12;
	state ^= state << 25;
	state ^= state >> 27;
	return state * 2685821657736338717ULL;
}

static unsigned char *scratch;

static unsigned long arg(void)
{
	switch (rnd() % 14) {
	case 0: return 0;
	case 1: return 1;
	case 2: return (unsigned long)-1;
	case 3: return rnd() % 16;                                      /* descriptors, small counts */
	case 4: return (unsigned long)(scratch + (rnd() % SCRATCH_SIZE & ~7UL)); /* a valid pointer */
	case 5: return (unsigned long)scratch;
	case 6: return 8;                                               /* unmapped, low */
	case 7: return 0xffff000000000000UL | (rnd() & 0xfffffffffff8UL); /* kernel space */
	case 8: return 0x7fffffff;                                      /* huge lengths */
	case 9: return (unsigned long)-4096 + rnd() % 4096;             /* looks like -errno */
	case 10: return rnd() & 0xffffffffUL;                           /* random flags */
	case 11: return 1UL << (rnd() % 64);                            /* one flag bit */
	case 12: return (unsigned long)(scratch + SCRATCH_SIZE - (rnd() % 16)); /* straddles the end */
	default: return rnd();
	}
}

static long extra_skip[32];
static int extra_skips;

static int skipped(long nr)
{
	for (int i = 0; i < extra_skips; i++)
		if (extra_skip[i] == nr)
			return 1;
	static const long skip[] = {
		SYS_reboot, SYS_clone,
#ifdef SYS_clone3
		SYS_clone3,
#endif
#ifdef SYS_fork
		SYS_fork,
#endif
#ifdef SYS_vfork
		SYS_vfork,
#endif
		SYS_ptrace, SYS_process_vm_writev,
#ifdef SYS_pidfd_send_signal
		SYS_pidfd_send_signal,
#endif
		SYS_kexec_load,
#ifdef SYS_kexec_file_load
		SYS_kexec_file_load,
#endif
		SYS_delete_module, SYS_sethostname, SYS_setdomainname,
	};
	for (unsigned i = 0; i < sizeof skip / sizeof skip[0]; i++)
		if (skip[i] == nr)
			return 1;
	return 0;
}

/* The calls whose first argument names a process: pinned to the caller. */
static int pinned(long nr)
{
	return nr == SYS_kill || nr == SYS_tkill || nr == SYS_tgkill || nr == SYS_rt_sigqueueinfo ||
	       nr == SYS_rt_tgsigqueueinfo || nr == SYS_prlimit64 || nr == SYS_setpgid;
}

/* Call i of a batch: refills the scratch buffer every 64 calls, picks the number and arguments. */
static long next_call(int i, unsigned long a[6], pid_t me)
{
	if (i % 64 == 0)
		for (int j = 0; j < SCRATCH_SIZE; j += 8)
			*(uint64_t *)(scratch + j) = rnd() & rnd();
	long nr;
	do
		nr = rnd() % (MAX_NR + 1);
	while (skipped(nr));
	for (int k = 0; k < 6; k++)
		a[k] = arg();
	if (pinned(nr))
		a[0] = nr == SYS_prlimit64 || nr == SYS_setpgid ? 0 : (unsigned long)me;
	/* tgkill's tid too: the in-tree kernel signals the tid whatever the tgid (xt-conf-proc tgkill.*). */
	if (nr == SYS_tgkill || nr == SYS_rt_tgsigqueueinfo)
		a[1] = (unsigned long)me;
	return nr;
}

static void seed_batch(uint64_t seed)
{
	state = seed * 0x9e3779b97f4a7c15ULL + 1;
}

static void child(struct shared *sh, uint64_t seed)
{
	seed_batch(seed);
	int null = open("/dev/null", O_RDWR);
	dup2(null, 0);
	dup2(null, 1);
	dup2(null, 2);
	if (null > 2)
		close(null);
	setsid();
	if (chdir(DIR0) != 0)
		_exit(1);
	pid_t me = getpid();
	for (int i = 0; i < BATCH; i++) {
		unsigned long a[6];
		long nr = next_call(i, a, me);
		sh->started = i + 1;
		syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
		/* An exec that succeeded or a stray new process: not ours to continue. */
		if (syscall(SYS_getpid) != me)
			syscall(SYS_exit, 0);
	}
	syscall(SYS_exit_group, 0);
}

static long memfree_kib(void)
{
	char buf[4096];
	int fd = open("/proc/meminfo", O_RDONLY);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	char *p = strstr(buf, "MemFree:");
	return p ? strtol(p + 8, 0, 10) : -1;
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, 0);
}

/* Whether `pid` could be reaped within `ms` (polling: a blocking wait could hang us too). */
static int reaped_within(pid_t pid, int ms)
{
	for (int waited = 0; waited <= ms; waited += 10) {
		if (waitpid(pid, 0, WNOHANG) == pid)
			return 1;
		sleep_ms(10);
	}
	return 0;
}

/*
 * A child that SIGKILL did not end: a kernel bug (a sleep that ignores
 * fatal signals). Names the call it was in, by replaying its batch, and
 * stops the run with the replay command.
 */
static void unkillable(pid_t pid, uint64_t seed, uint64_t batch, unsigned long started)
{
	unsigned long a[6] = { 0 };
	long nr = -1;
	seed_batch(seed + batch);
	for (unsigned long i = 0; i < started && i < BATCH; i++)
		nr = next_call(i, a, pid);
	printf("xt-fuzz: child %d still there %d ms after SIGKILL, in syscall %ld (0x%lx, 0x%lx, 0x%lx, 0x%lx, 0x%lx, "
	       "0x%lx), call %lu of batch %llu\n",
	       pid, KILL_GRACE_MS, nr, a[0], a[1], a[2], a[3], a[4], a[5], started, (unsigned long long)batch);
	printf("xt-fuzz: FAILED: a process that SIGKILL cannot end\n");
}

int main(int argc, char **argv)
{
	unsigned long want = argc > 1 ? strtoul(argv[1], 0, 10) : 100000;
	long seconds = argc > 2 ? strtol(argv[2], 0, 10) : 300;
	uint64_t seed;
	if (argc > 3) {
		seed = strtoull(argv[3], 0, 10);
	} else {
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		seed = (uint64_t)ts.tv_nsec ^ ((uint64_t)getpid() << 32) ^ (uint64_t)ts.tv_sec;
		seed %= 1000000000;
	}
	if (argc > 4)
		for (char *p = argv[4]; *p && extra_skips < 32;) {
			extra_skip[extra_skips++] = strtol(p, &p, 10);
			if (*p == ',')
				p++;
			else
				break;
		}
	setvbuf(stdout, 0, _IOLBF, 0);
	printf("xt-fuzz: seed %llu (replay: xt-fuzz %lu %ld %llu%s%s)\n", (unsigned long long)seed, want, seconds,
	       (unsigned long long)seed, argc > 4 ? " " : "", argc > 4 ? argv[4] : "");
	if (extra_skips) {
		printf("xt-fuzz: also not called:");
		for (int i = 0; i < extra_skips; i++)
			printf(" %ld", extra_skip[i]);
		printf("\n");
	}
	printf("xt-fuzz: not called: reboot clone clone3 fork vfork ptrace process_vm_writev pidfd_send_signal "
	       "kexec_load kexec_file_load delete_module sethostname setdomainname; pid pinned to the caller: kill "
	       "tkill tgkill rt_sigqueueinfo rt_tgsigqueueinfo prlimit64 setpgid\n");

	struct shared *sh = mmap(0, sizeof *sh, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	scratch = mmap(0, SCRATCH_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED || scratch == MAP_FAILED) {
		printf("xt-fuzz: cannot map: %s\n", strerror(errno));
		return 1;
	}
	if (system("rm -rf " DIR0) != 0 || mkdir(DIR0, 0777) != 0) {
		printf("xt-fuzz: cannot make %s: %s\n", DIR0, strerror(errno));
		return 1;
	}
	/* The children must not stop us, whatever they do to their session. */
	signal(SIGPIPE, SIG_IGN);
	signal(SIGTTOU, SIG_IGN);
	signal(SIGTTIN, SIG_IGN);

	sleep_ms(200);
	long before = memfree_kib();
	printf("xt-fuzz: MemFree before: %ld kB\n", before);

	long long start = now_ms(), deadline = start + seconds * 1000LL;
	unsigned long children = 0, signalled = 0, stalled = 0, exited = 0;
	uint64_t batch = 0;
	unsigned long calls = 0, clamped = 0;
	static unsigned long per_nr[MAX_NR + 1];
	long stalled_nr[16];
	int stalled_seen = 0;
	while (calls < want && now_ms() < deadline) {
		sh->started = 0;
		pid_t c = fork();
		if (c < 0) {
			printf("xt-fuzz: fork: %s\n", strerror(errno));
			sleep_ms(100);
			continue;
		}
		if (c == 0)
			child(sh, seed + batch);
		children++;
		unsigned long last = sh->started;
		long long last_progress = now_ms();
		int st = 0;
		for (;;) {
			pid_t r = waitpid(c, &st, WNOHANG);
			if (r == c)
				break;
			if (r < 0) {
				printf("xt-fuzz: waitpid: %s\n", strerror(errno));
				break;
			}
			sleep_ms(5);
			if (sh->started != last) {
				last = sh->started;
				last_progress = now_ms();
			} else if (now_ms() - last_progress > STALL_MS) {
				kill(c, SIGKILL);
				if (!reaped_within(c, KILL_GRACE_MS)) {
					unkillable(c, seed, batch, sh->started);
					return 1;
				}
				stalled++;
				st = -1;
				break;
			}
		}
		if (st != -1) {
			if (WIFSIGNALED(st))
				signalled++;
			else
				exited++;
		}
		unsigned long n = sh->started;
		if (n > BATCH) {
			n = BATCH;
			clamped++;
		}
		/* Replay the batch's sequence to learn which numbers it called. */
		seed_batch(seed + batch);
		for (unsigned long i = 0; i < n; i++) {
			unsigned long a[6];
			per_nr[next_call(i, a, c)]++;
		}
		/* Which call stalled: replayed above, it is the last one started. */
		if (st == -1 && n > 0 && stalled_seen < 16) {
			seed_batch(seed + batch);
			long nr = -1;
			for (unsigned long i = 0; i < n; i++) {
				unsigned long a[6];
				nr = next_call(i, a, c);
			}
			stalled_nr[stalled_seen++] = nr;
		}
		calls += n;
		batch++;
		if (calls / 10000 != (calls - n) / 10000)
			printf("xt-fuzz: %lu calls, %lu children, %lld ms\n", calls, children, now_ms() - start);
	}
	long long took = now_ms() - start;
	int covered = 0;
	for (int i = 0; i <= MAX_NR; i++)
		covered += per_nr[i] > 0;
	sleep_ms(500);
	system("rm -rf " DIR0);
	long after = memfree_kib();
	printf("xt-fuzz: calls %lu in %lld ms, %d syscall numbers, %lu children (%lu exited, %lu killed by a signal, "
	       "%lu stalled and killed, %lu scribbled on the counter)\n",
	       calls, took, covered, children, exited, signalled, stalled, clamped);
	if (stalled_seen) {
		printf("xt-fuzz: stalled in syscall numbers");
		for (int i = 0; i < stalled_seen; i++)
			printf(" %ld", stalled_nr[i]);
		printf("%s\n", stalled > 16 ? " ..." : "");
	}
	printf("xt-fuzz: MemFree after: %ld kB (lost %ld kB)\n", after, before - after);
	printf("METRIC fuzz_calls=%lu\n", calls);
	printf("METRIC fuzz_memfree_lost_kib=%ld\n", before - after);
	printf("xt-fuzz: done\n");
	return 0;
}
