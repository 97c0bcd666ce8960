/* Redraws at most 10 times a second; the clock is read every 1024 updates only. */
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "progress.h"

#define NS_PER_S 1000000000ull

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec;
}

void progress_start(struct progress *p, const char *label, uint64_t total_bytes)
{
	*p = (struct progress){.label = label, .total_bytes = total_bytes};
	p->enabled = total_bytes && isatty(STDERR_FILENO);
	if (p->enabled)
		p->start_ns = now_ns();
}

void progress_update(struct progress *p, uint64_t done_bytes)
{
	uint64_t t;
	unsigned pct, width = 40, filled;
	char bar[41];

	if (!p->enabled || (++p->updates & 1023))
		return;
	t = now_ns();
	if (t < p->start_ns + NS_PER_S || t < p->last_draw_ns + NS_PER_S / 10)
		return;
	p->last_draw_ns = t;
	if (done_bytes > p->total_bytes)
		done_bytes = p->total_bytes;
	pct = (unsigned)(done_bytes * 100 / p->total_bytes);
	filled = pct * width / 100;
	for (unsigned i = 0; i < width; i++)
		bar[i] = i < filled ? '#' : '.';
	bar[width] = '\0';
	fprintf(stderr, "\r%s [%s] %3u%% %llu/%llu MB %.1f s %.0f MB/s", p->label, bar, pct,
		(unsigned long long)(done_bytes >> 20), (unsigned long long)(p->total_bytes >> 20),
		(double)(t - p->start_ns) / NS_PER_S,
		(double)done_bytes / (1 << 20) / ((double)(t - p->start_ns) / NS_PER_S));
	if (p->calls)
		fprintf(stderr, " %lu calls", *p->calls);
	p->drawn = true;
}

void progress_end(struct progress *p)
{
	if (p->drawn)
		fprintf(stderr, "\r\033[K");
	p->drawn = false;
}
