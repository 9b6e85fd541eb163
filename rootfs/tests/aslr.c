/*
 * xt-aslr: prints where this run's stack, anonymous mmap and brk heap landed
 * (phase D). Two runs of the same static binary must differ when ASLR is on.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

int main(void)
{
	int local = 0;
	void *map = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	void *brk = sbrk(0);
	if (map == MAP_FAILED) {
		puts("xt-aslr: mmap failed");
		return 2;
	}
	printf("stack=%p\nmmap=%p\nbrk=%p\n", (void *)&local, map, brk);
	return 0;
}
