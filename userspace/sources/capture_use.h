/* What became of every packet of a capture: used, or not used and why, in the same words for the
 * replay summary, its --json numbers and the offline commands (docs/postmortem.md). */
#ifndef SIPTRAIL_CAPTURE_USE_H
#define SIPTRAIL_CAPTURE_USE_H

#include <stddef.h>
#include <stdint.h>

#include "capture_source.h"

struct capture_use_reason {
	const char *key;  /* for JSON: "not_sip" */
	const char *text; /* for people: "not SIP" */
	uint64_t count;
};

#define CAPTURE_USE_REASONS 10

/* The reasons packets were not used, every one in a fixed order (counts may be 0). Their sum
 * plus stats->use.used is stats->replay.packets. Returns how many were filled. */
size_t capture_use_reasons(const struct capture_source_stats *stats,
			   struct capture_use_reason out[CAPTURE_USE_REASONS]);

/* "PATH: 40 packets read, 12 used, 28 not used: 20 not SIP, 8 not IP", or, when nothing was
 * used, a sentence that says so first. */
void capture_use_text(const char *path, const struct capture_source_stats *stats, char *buf,
		      size_t len);

#endif
