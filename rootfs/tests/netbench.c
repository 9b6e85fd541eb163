/*
 * xt-netbench: network figures for `cargo xtask bench phase-c`, printed as
 * METRIC lines.
 *   xt-netbench get HOST PORT PATH   HTTP/1.0 GET, body discarded:
 *                                    METRIC tcp_download_mib_per_s
 *   xt-netbench rtt HOST PORT N      N one-byte-ish request/reply round
 *                                    trips on one connection to an echo
 *                                    server: METRIC tcp_rtt_us (median)
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static int dial(const char *host, int port)
{
	int s = socket(AF_INET, SOCK_STREAM, 0), one = 1;
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	a.sin_addr.s_addr = inet_addr(host);
	setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if (s < 0 || connect(s, (struct sockaddr *)&a, sizeof a) < 0) {
		perror("xt-netbench: connect");
		exit(1);
	}
	return s;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	if (argc != 5) {
		fprintf(stderr, "usage: xt-netbench get HOST PORT PATH | rtt HOST PORT N\n");
		return 2;
	}
	int port = atoi(argv[3]);
	if (strcmp(argv[1], "get") == 0) {
		int s = dial(argv[2], port);
		char req[256];
		int n = snprintf(req, sizeof req, "GET %s HTTP/1.0\r\nHost: %s\r\n\r\n", argv[4], argv[2]);
		double t0 = now();
		if (write(s, req, n) != n)
			return 1;
		static char buf[65536];
		long total = 0;
		ssize_t r;
		while ((r = read(s, buf, sizeof buf)) > 0)
			total += r;
		double dt = now() - t0;
		printf("received %ld bytes in %.3f s\n", total, dt);
		printf("METRIC tcp_download_mib_per_s=%.2f\n", total / 1048576.0 / dt);
		return total > 0 ? 0 : 1;
	}
	if (strcmp(argv[1], "rtt") == 0) {
		int count = atoi(argv[4]);
		if (count < 1 || count > 100000)
			return 2;
		int s = dial(argv[2], port);
		double *t = calloc(count, sizeof *t);
		for (int i = 0; i < count; i++) {
			char c = 'a' + i % 26, back;
			double t0 = now();
			if (write(s, &c, 1) != 1 || read(s, &back, 1) != 1 || back != c) {
				fprintf(stderr, "xt-netbench: round trip %d failed\n", i);
				return 1;
			}
			t[i] = now() - t0;
		}
		qsort(t, count, sizeof *t, cmp);
		printf("METRIC tcp_rtt_us=%.0f\n", t[count / 2] * 1e6);
		return 0;
	}
	return 2;
}
