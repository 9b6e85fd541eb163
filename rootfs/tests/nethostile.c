/*
 * xt-nethostile: hostile traffic at the guest's own network stack, then
 * proof it still works. Raw IP packets (IP_HDRINCL) to 127.0.0.1 go round
 * lo as given: truncated headers, bad TCP/UDP checksums, bogus lengths and
 * options, a bounded SYN flood (2000 SYNs from random ports); oversized
 * and flooding UDP datagrams; sockets opened until the kernel refuses.
 * Prints one line per stage with counts (they differ between kernels:
 * this program is not an oracle test), then `alive: yes` when a TCP
 * exchange over lo still works afterwards.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static unsigned rnd = 12345;
static unsigned next(void)
{
	rnd = rnd * 1103515245 + 12345;
	return rnd >> 8;
}

static unsigned short csum(const void *p, int n)
{
	const unsigned char *b = p;
	unsigned s = 0;
	for (int i = 0; i + 1 < n; i += 2)
		s += (b[i] << 8) | b[i + 1];
	if (n & 1)
		s += b[n - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return ~s;
}

static long memfree_kb(void)
{
	FILE *f = fopen("/proc/meminfo", "r");
	char line[128];
	long v = -1;
	while (f && fgets(line, sizeof line, f))
		if (sscanf(line, "MemFree: %ld", &v) == 1)
			break;
	if (f)
		fclose(f);
	return v;
}

/* An IPv4 header for `len` bytes of `proto` from 127.0.0.1 to 127.0.0.1. */
static void iphdr(unsigned char *p, int len, int proto)
{
	memset(p, 0, 20);
	p[0] = 0x45;
	p[2] = len >> 8;
	p[3] = len;
	p[8] = 64;
	p[9] = proto;
	p[12] = 127, p[15] = 1;
	p[16] = 127, p[19] = 1;
}

static int echo_ok(void)
{
	int l = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t al = sizeof a;
	if (bind(l, (struct sockaddr *)&a, sizeof a) < 0 || listen(l, 4) < 0 || getsockname(l, (struct sockaddr *)&a, &al) < 0)
		return 0;
	int c = socket(AF_INET, SOCK_STREAM, 0);
	if (connect(c, (struct sockaddr *)&a, sizeof a) < 0)
		return 0;
	int s = accept(l, NULL, NULL);
	char b[8] = "";
	int ok = s >= 0 && write(c, "ping", 4) == 4 && read(s, b, 4) == 4 && memcmp(b, "ping", 4) == 0;
	close(s);
	close(c);
	close(l);
	return ok;
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	long before = memfree_kb();
	int r = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
	if (r < 0) {
		perror("raw socket");
		return 1;
	}
	struct sockaddr_in lo = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	unsigned char p[2048];
	int sent = 0, refused = 0;
	/* Truncated and malformed packets of every length up to 64 bytes. */
	for (int len = 1; len <= 64; len++) {
		for (int proto = 0; proto < 3; proto++) {
			int pr = proto == 0 ? IPPROTO_TCP : proto == 1 ? IPPROTO_UDP : IPPROTO_ICMP;
			for (int i = 0; i < len; i++)
				p[i] = next();
			if (len >= 20)
				iphdr(p, len, pr);
			if (len >= 20 && (next() & 1))
				p[0] = 0x40 | (5 + next() % 11); /* bogus IHL with options */
			if (sendto(r, p, len, 0, (struct sockaddr *)&lo, sizeof lo) < 0)
				refused++;
			else
				sent++;
		}
	}
	printf("malformed: %d sent, %d refused\n", sent, refused);
	/* Bad checksums: well-formed TCP and UDP headers with wrong sums. */
	sent = refused = 0;
	for (int i = 0; i < 200; i++) {
		int tcp = i & 1, len = 20 + (tcp ? 20 : 8) + (int)(next() % 64);
		iphdr(p, len, tcp ? IPPROTO_TCP : IPPROTO_UDP);
		for (int k = 20; k < len; k++)
			p[k] = next();
		if (tcp)
			p[32] = 0x50; /* data offset 5 */
		else
			p[24] = (len - 20) >> 8, p[25] = len - 20;
		if (sendto(r, p, len, 0, (struct sockaddr *)&lo, sizeof lo) < 0)
			refused++;
		else
			sent++;
	}
	printf("bad-checksums: %d sent, %d refused\n", sent, refused);
	/* A bounded SYN flood at a listening port (correct checksums). */
	int l = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in la = lo;
	socklen_t ll = sizeof la;
	bind(l, (struct sockaddr *)&la, sizeof la);
	listen(l, 16);
	getsockname(l, (struct sockaddr *)&la, &ll);
	sent = refused = 0;
	for (int i = 0; i < 2000; i++) {
		unsigned char *t = p + 20;
		iphdr(p, 40, IPPROTO_TCP);
		memset(t, 0, 20);
		unsigned short sport = 1024 + next() % 60000;
		t[0] = sport >> 8, t[1] = sport;
		memcpy(t + 2, &la.sin_port, 2);
		unsigned seq = next();
		memcpy(t + 4, &seq, 4);
		t[12] = 0x50;
		t[13] = 0x02; /* SYN */
		t[14] = 0xff, t[15] = 0xff;
		unsigned char pseudo[12 + 20] = { 127, 0, 0, 1, 127, 0, 0, 1, 0, IPPROTO_TCP, 0, 20 };
		memcpy(pseudo + 12, t, 20);
		unsigned short c = csum(pseudo, sizeof pseudo);
		t[16] = c >> 8, t[17] = c;
		if (sendto(r, p, 40, 0, (struct sockaddr *)&lo, sizeof lo) < 0)
			refused++;
		else
			sent++;
		if (i % 100 == 99)
			usleep(10000);
	}
	printf("syn-flood: %d sent, %d refused\n", sent, refused);
	close(l);
	/* Oversized and flooding datagrams, never read. */
	int u = socket(AF_INET, SOCK_DGRAM, 0), v = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in ua = lo;
	socklen_t ul = sizeof ua;
	bind(u, (struct sockaddr *)&ua, sizeof ua);
	getsockname(u, (struct sockaddr *)&ua, &ul);
	static char big[65536];
	int ok = 0, big_err = 0;
	for (int i = 0; i < 20; i++)
		if (sendto(v, big, 65507, 0, (struct sockaddr *)&ua, sizeof ua) < 0)
			big_err = errno;
		else
			ok++;
	printf("oversized-udp: %d sent, last error %s\n", ok, big_err ? strerror(big_err) : "none");
	ok = 0;
	for (int i = 0; i < 5000; i++)
		ok += sendto(v, big, 1000, MSG_DONTWAIT, (struct sockaddr *)&ua, sizeof ua) > 0;
	printf("udp-flood: %d of 5000 sent\n", ok);
	close(u);
	close(v);
	/* Sockets until the kernel says no (descriptors or buffer memory). */
	int fds[1024], n = 0, err = 0;
	while (n < 1024) {
		int s = socket(AF_INET, SOCK_DGRAM, 0);
		struct sockaddr_in a = lo;
		if (s < 0) {
			err = errno;
			break;
		}
		fds[n++] = s;
		if (bind(s, (struct sockaddr *)&a, sizeof a) < 0) {
			err = errno;
			break;
		}
	}
	printf("socket-exhaustion: stopped after %d sockets: %s\n", n, err ? strerror(err) : "none");
	while (n > 0)
		close(fds[--n]);
	close(r);
	sleep(1);
	long after = memfree_kb();
	printf("METRIC hostile_memfree_lost_kib=%ld\n", before - after);
	printf("alive: %s\n", echo_ok() ? "yes" : "no");
	return 0;
}
