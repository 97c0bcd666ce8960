/* Journal or capture replay: read all, order by time, feed, retire. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event_load.h"
#include "journal_replay.h"

int journal_replay(const char *who, const char *path, const struct correlator_config *config,
		   const struct capture_source_options *capture, correlator_call_fn done, void *ctx,
		   struct journal_replay_stats *stats)
{
	struct correlator corr;
	struct event_list list;
	int load_rc, rc = 0;

	memset(stats, 0, sizeof(*stats));
	load_rc = event_load(who, path, capture, &list);
	if (load_rc && load_rc != -EIO) {
		event_list_free(&list);
		return load_rc;
	}
	correlator_init(&corr, config, done, ctx, stderr);
	for (size_t i = 0; i < list.count && !rc; i++)
		rc = correlator_feed(&corr, &list.events[i]);
	correlator_finish(&corr);
	stats->events = list.count;
	stats->bad_lines = list.bad_lines;
	stats->sip_undecoded = corr.sip_undecoded;
	stats->sip_lenient = corr.sip_lenient;
	event_list_free(&list);
	if (rc) {
		fprintf(stderr, "siptrail %s: %s: %s\n", who, path, strerror(-rc));
		return rc;
	}
	/* a capture that broke part way was replayed up to the bad packet (reported) */
	return load_rc;
}
