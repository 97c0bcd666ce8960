/* Journal replay: read all, order by time, feed, retire. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "journal_read.h"
#include "journal_replay.h"

static int ts_cmp(const void *a, const void *b)
{
	const struct event *ea = a, *eb = b;
	if (ea->ts_ns != eb->ts_ns)
		return ea->ts_ns < eb->ts_ns ? -1 : 1;
	return 0;
}

/* Reads the whole journal; events are sorted by time (stable: lines with the same time keep
 * their order) because sources may write them slightly out of order. */
static int read_journal(const char *who, const char *path, struct event **events_out, size_t *n_out,
			unsigned long *bad_lines)
{
	struct journal_reader reader;
	struct event *events = NULL, ev;
	size_t n = 0, cap = 0;
	int rc = journal_reader_open(&reader, path, stderr);

	if (rc) {
		fprintf(stderr, "siptrail %s: %s: %s\n", who, path, strerror(-rc));
		return rc;
	}
	while ((rc = journal_read_next(&reader, &ev)) == 1) {
		if (n == cap) {
			size_t new_cap = cap ? cap * 2 : 256;
			struct event *grown = realloc(events, new_cap * sizeof(*events));
			if (!grown) {
				event_release(&ev);
				rc = -ENOMEM;
				break;
			}
			events = grown;
			cap = new_cap;
		}
		event_move(&events[n++], &ev);
	}
	*bad_lines = reader.bad_lines;
	journal_reader_close(&reader);
	if (rc < 0) {
		fprintf(stderr, "siptrail %s: %s: %s\n", who, path, strerror(-rc));
		for (size_t i = 0; i < n; i++)
			event_release(&events[i]);
		free(events);
		return rc;
	}
	/* qsort is not stable: sort by (ts, line) through the order they were read */
	for (size_t i = 1; i < n; i++) {
		size_t j = i;
		struct event tmp;
		if (ts_cmp(&events[i - 1], &events[i]) <= 0)
			continue;
		tmp = events[i];
		while (j > 0 && ts_cmp(&events[j - 1], &tmp) > 0) {
			events[j] = events[j - 1];
			j--;
		}
		events[j] = tmp;
	}
	*events_out = events;
	*n_out = n;
	return 0;
}

int journal_replay(const char *who, const char *path, const struct correlator_config *config,
		   correlator_call_fn done, void *ctx, struct journal_replay_stats *stats)
{
	struct correlator corr;
	struct event *events = NULL;
	int rc = 0;

	memset(stats, 0, sizeof(*stats));
	rc = read_journal(who, path, &events, &stats->events, &stats->bad_lines);
	if (rc)
		return rc;
	correlator_init(&corr, config, done, ctx, stderr);
	for (size_t i = 0; i < stats->events; i++) {
		if (!rc)
			rc = correlator_feed(&corr, &events[i]);
		event_release(&events[i]);
	}
	free(events);
	correlator_finish(&corr);
	stats->sip_undecoded = corr.sip_undecoded;
	if (rc)
		fprintf(stderr, "siptrail %s: %s: %s\n", who, path, strerror(-rc));
	return rc;
}
