/*
 * xt-nx: W^X / NX and mprotect checks (phase D).
 *
 *   xt-nx rw       map a page read+write (not exec), write a `ret` into it and
 *                  call it: the kernel must kill us with SIGSEGV (shell: 139).
 *   xt-nx rx       the same page, mprotect'ed to read+exec before the call:
 *                  the call returns and we print `xt-nx: rx call returned`.
 *   xt-nx ro-write map read+write, write, mprotect to read-only, write again:
 *                  SIGSEGV (mprotect removing write takes effect).
 *
 * Output goes through write(2) so nothing is lost in a stdio buffer when the
 * process dies.
 */
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static void say(const char *s)
{
	ssize_t r = write(1, s, strlen(s));
	(void)r;
}

static void put_ret(unsigned char *page)
{
#if defined(__aarch64__)
	const uint32_t ret = 0xd65f03c0; /* ret */
	memcpy(page, &ret, sizeof ret);
#elif defined(__x86_64__)
	page[0] = 0xc3; /* ret */
#else
#error "unsupported architecture"
#endif
}

int main(int argc, char **argv)
{
	long size = sysconf(_SC_PAGESIZE);
	const char *mode = argc > 1 ? argv[1] : "";
	unsigned char *page = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (page == MAP_FAILED) {
		say("xt-nx: mmap failed\n");
		return 2;
	}
	put_ret(page);
	__builtin___clear_cache((char *)page, (char *)page + size);

	if (strcmp(mode, "rw") == 0) {
		say("xt-nx: calling into a RW (non-exec) page\n");
		((void (*)(void))page)();
		say("xt-nx: UNEXPECTED: the call into a non-exec page returned\n");
		return 1;
	}
	if (strcmp(mode, "rx") == 0) {
		if (mprotect(page, size, PROT_READ | PROT_EXEC) != 0) {
			say("xt-nx: mprotect(RX) failed\n");
			return 2;
		}
		say("xt-nx: calling into a page mprotect'ed to RX\n");
		((void (*)(void))page)();
		say("xt-nx: rx call returned\n");
		return 0;
	}
	if (strcmp(mode, "ro-write") == 0) {
		if (mprotect(page, size, PROT_READ) != 0) {
			say("xt-nx: mprotect(R) failed\n");
			return 2;
		}
		say("xt-nx: writing to a page mprotect'ed to read-only\n");
		*(volatile unsigned char *)page = 0;
		say("xt-nx: UNEXPECTED: the write to a read-only page succeeded\n");
		return 1;
	}
	say("usage: xt-nx rw|rx|ro-write\n");
	return 2;
}
