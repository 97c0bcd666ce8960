/* A progress bar on stderr for long reads: shown only on a terminal, and only once the work
 * has taken more than a second, so short runs and pipes stay quiet. */
#ifndef SIPTRAIL_PROGRESS_H
#define SIPTRAIL_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>

struct progress {
	const char *label;
	uint64_t total_bytes;
	uint64_t start_ns, last_draw_ns;
	unsigned long updates;
	const unsigned long *calls; /* calls explained so far, shown when set */
	bool enabled, drawn;
};

/* TOTAL_BYTES 0 (unknown size, a pipe) disables the bar. */
void progress_start(struct progress *p, const char *label, uint64_t total_bytes);
void progress_update(struct progress *p, uint64_t done_bytes);
/* Clears the bar line if one was drawn. */
void progress_end(struct progress *p);

#endif
