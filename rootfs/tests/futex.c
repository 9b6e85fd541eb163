/*
 * xt-futex: futex(2) wait and wake. A wait on a word that holds another
 * value is EAGAIN; a wait times out (ETIMEDOUT) or is interrupted by a
 * signal (EINTR); across fork, a word in MAP_SHARED memory is where a
 * waiter and a waker meet, while FUTEX_PRIVATE_FLAG keeps them apart;
 * bitsets select waiters; bad arguments are EINVAL, unknown operations
 * ENOSYS. One `name: ok` line per check; exit 0 only when all held.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* <linux/futex.h>: the musl toolchain carries no kernel headers. */
#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_CMP_REQUEUE 4
#define FUTEX_WAIT_BITSET 9
#define FUTEX_WAKE_BITSET 10
#define FUTEX_PRIVATE_FLAG 128
#define FUTEX_WAIT_PRIVATE (FUTEX_WAIT | FUTEX_PRIVATE_FLAG)
#define FUTEX_WAKE_PRIVATE (FUTEX_WAKE | FUTEX_PRIVATE_FLAG)
#define FUTEX_CMP_REQUEUE_PRIVATE (FUTEX_CMP_REQUEUE | FUTEX_PRIVATE_FLAG)
#define FUTEX_WAIT_BITSET_PRIVATE (FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG)

static int failures;

static void check(const char *what, int ok, const char *detail)
{
	if (ok)
		printf("xt-futex: %s: ok\n", what);
	else
		printf("xt-futex: %s: FAILED (%s)\n", what, detail ? detail : "");
	if (!ok)
		failures++;
}

static long futex(volatile uint32_t *uaddr, int op, uint32_t val, const struct timespec *ts, volatile uint32_t *uaddr2,
		  uint32_t val3)
{
	return syscall(SYS_futex, uaddr, op, val, ts, uaddr2, val3);
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void on_alarm(int sig)
{
	(void)sig;
}

/* The child's result through its exit status: 0 woken, 1 timed out, 2 other. */
static int child_wait(volatile uint32_t *word, int op, uint32_t bitset)
{
	/* FUTEX_WAIT's timeout is relative, FUTEX_WAIT_BITSET's an absolute
	 * CLOCK_MONOTONIC time. */
	struct timespec two = { 2, 0 };
	if ((op & 127) == FUTEX_WAIT_BITSET) {
		clock_gettime(CLOCK_MONOTONIC, &two);
		two.tv_sec += 2;
	}
	long r = futex(word, op, 0, &two, 0, bitset);
	if (r == 0)
		return 0;
	return errno == ETIMEDOUT ? 1 : 2;
}

static int status_of(pid_t pid)
{
	int st = 0;
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 100;
}

int main(void)
{
	setvbuf(stdout, 0, _IOLBF, 0);
	char d[96];
	static uint32_t word = 1;
	struct timespec tenth = { 0, 100 * 1000 * 1000 };

	errno = 0;
	check("FUTEX_WAIT on a word that holds another value: EAGAIN",
	      futex(&word, FUTEX_WAIT_PRIVATE, 0, 0, 0, 0) == -1 && errno == EAGAIN, strerror(errno));
	double t0 = now();
	errno = 0;
	long r = futex(&word, FUTEX_WAIT_PRIVATE, 1, &tenth, 0, 0);
	double took = now() - t0;
	snprintf(d, sizeof d, "r=%ld %s after %.3f s", r, strerror(errno), took);
	check("FUTEX_WAIT with a 0.1 s timeout: ETIMEDOUT after it", r == -1 && errno == ETIMEDOUT && took >= 0.09 && took < 1, d);
	check("FUTEX_WAKE with nobody waiting wakes 0", futex(&word, FUTEX_WAKE_PRIVATE, 1, 0, 0, 0) == 0, strerror(errno));
	errno = 0;
	check("an unaligned word: EINVAL",
	      futex((uint32_t *)((char *)&word + 1), FUTEX_WAKE_PRIVATE, 1, 0, 0, 0) == -1 && errno == EINVAL, strerror(errno));
	errno = 0;
	check("FUTEX_WAIT_BITSET with bitset 0: EINVAL",
	      futex(&word, FUTEX_WAIT_BITSET_PRIVATE, 1, 0, 0, 0) == -1 && errno == EINVAL, strerror(errno));
	errno = 0;
	check("an unknown operation: ENOSYS", futex(&word, 99, 0, 0, 0, 0) == -1 && errno == ENOSYS, strerror(errno));
	errno = 0;
	check("FUTEX_CMP_REQUEUE when the word differs: EAGAIN",
	      futex(&word, FUTEX_CMP_REQUEUE_PRIVATE, 1, (struct timespec *)1, &word, 7) == -1 && errno == EAGAIN,
	      strerror(errno));

	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, 0);
	struct itimerval it = { { 0, 0 }, { 0, 100000 } };
	setitimer(ITIMER_REAL, &it, 0);
	errno = 0;
	r = futex(&word, FUTEX_WAIT_PRIVATE, 1, 0, 0, 0);
	check("a signal interrupts FUTEX_WAIT: EINTR", r == -1 && errno == EINTR, strerror(errno));

	volatile uint32_t *shared = mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	*shared = 0;
	pid_t pid = fork();
	if (pid == 0)
		_exit(child_wait(shared, FUTEX_WAIT, 0));
	usleep(300 * 1000);
	*shared = 1;
	r = futex(shared, FUTEX_WAKE, 1, 0, 0, 0);
	int st = status_of(pid);
	snprintf(d, sizeof d, "woke %ld, child %d", r, st);
	check("across fork, a wake on a MAP_SHARED word reaches the waiter", r == 1 && st == 0, d);

	*shared = 0;
	pid = fork();
	if (pid == 0)
		_exit(child_wait(shared, FUTEX_WAIT_PRIVATE, 0));
	usleep(300 * 1000);
	r = futex(shared, FUTEX_WAKE_PRIVATE, 1, 0, 0, 0);
	st = status_of(pid);
	snprintf(d, sizeof d, "woke %ld, child %d", r, st);
	check("FUTEX_PRIVATE_FLAG keeps the processes apart (the waiter times out)", r == 0 && st == 1, d);

	*shared = 0;
	pid = fork();
	if (pid == 0)
		_exit(child_wait(shared, FUTEX_WAIT_BITSET, 1));
	usleep(300 * 1000);
	long other = futex(shared, FUTEX_WAKE_BITSET, 1, 0, 0, 2);
	r = futex(shared, FUTEX_WAKE_BITSET, 1, 0, 0, 1);
	st = status_of(pid);
	snprintf(d, sizeof d, "other bits woke %ld, own woke %ld, child %d", other, r, st);
	check("FUTEX_WAKE_BITSET wakes only waiters whose bitset meets its own", other == 0 && r == 1 && st == 0, d);

	if (failures) {
		printf("xt-futex: %d checks FAILED\n", failures);
		return 1;
	}
	puts("xt-futex: all checks passed");
	return 0;
}
