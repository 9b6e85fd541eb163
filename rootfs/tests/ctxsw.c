/*
 * xt-ctxsw [ROUNDS]: context-switch latency (phase E). Two processes pinned to
 * the same CPU bounce one byte over two pipes; each round trip is two
 * switches. Prints `METRIC ctx_switch_ns=<n>` (ns per switch).
 */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	long rounds = argc > 1 ? atol(argv[1]) : 20000;
	int ping[2], pong[2];
	char c = 'x';
	cpu_set_t set;

	if (rounds <= 0 || pipe(ping) != 0 || pipe(pong) != 0) {
		puts("xt-ctxsw: setup failed");
		return 2;
	}
	/* Both ends on the CPU we started on: a real switch, not a cross-CPU wakeup. */
	CPU_ZERO(&set);
	CPU_SET(sched_getcpu() < 0 ? 0 : sched_getcpu(), &set);
	if (sched_setaffinity(0, sizeof set, &set) != 0) {
		puts("xt-ctxsw: sched_setaffinity failed");
		return 2;
	}
	pid_t pid = fork();
	if (pid < 0) {
		puts("xt-ctxsw: fork failed");
		return 2;
	}
	if (pid == 0) {
		for (long i = 0; i < rounds; i++) {
			if (read(ping[0], &c, 1) != 1 || write(pong[1], &c, 1) != 1)
				_exit(3);
		}
		_exit(0);
	}
	double t0 = now_ns();
	for (long i = 0; i < rounds; i++) {
		if (write(ping[1], &c, 1) != 1 || read(pong[0], &c, 1) != 1) {
			puts("xt-ctxsw: pipe I/O failed");
			return 2;
		}
	}
	double t1 = now_ns();
	int status;
	waitpid(pid, &status, 0);
	printf("xt-ctxsw: %ld round trips in %.0f us\n", rounds, (t1 - t0) / 1e3);
	printf("METRIC ctx_switch_ns=%.0f\n", (t1 - t0) / (2.0 * rounds));
	return 0;
}
