/* Counts of correlated report rows by diagnosis, by peer and by hour. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "correlate_view.h"

static struct count_entry *count_get(struct count_entry **entries, size_t *n, const char *key)
{
	struct count_entry *grown;

	for (size_t i = 0; i < *n; i++)
		if (!strcmp((*entries)[i].key, key))
			return &(*entries)[i];
	grown = realloc(*entries, (*n + 1) * sizeof(*grown));
	if (!grown)
		return NULL;
	*entries = grown;
	memset(&grown[*n], 0, sizeof(grown[*n]));
	snprintf(grown[*n].key, sizeof(grown[*n].key), "%s", key);
	return &grown[(*n)++];
}

static void hour_key(const struct failure_row *row, char *out, size_t len)
{
	time_t secs = (time_t)(row->ts_ns / 1000000000ull);
	struct tm tm;

	if (!row->has_ts) {
		snprintf(out, len, "(no time)");
		return;
	}
	gmtime_r(&secs, &tm);
	strftime(out, len, "%Y-%m-%d %H:00", &tm);
}

static int hour_cmp(const void *a, const void *b)
{
	return strcmp(((const struct count_entry *)a)->key, ((const struct count_entry *)b)->key);
}

static void count_row(struct count_entry *e, const struct call_entry *call)
{
	e->rows++;
	e->matched += call != NULL;
	e->failed += call && call->failed;
}

/* A report read in the wrong zone has many rows off by the same shift. */
static void zone_shift_most_common(const struct correlate_result *result,
				   struct correlate_summary *summary)
{
	for (size_t i = 0; i < result->n_rows; i++) {
		const struct failure_match *m = &result->rows[i].match;
		unsigned long same = 0;

		if (!m->zone_call)
			continue;
		for (size_t k = 0; k < result->n_rows; k++)
			same += result->rows[k].match.zone_call &&
				result->rows[k].match.zone_shift_s == m->zone_shift_s;
		if (same > summary->zone_rows) {
			summary->zone_rows = same;
			summary->zone_shift_s = m->zone_shift_s;
		}
	}
}

int correlate_summary_build(const struct correlate_result *result,
			    struct correlate_summary *summary)
{
	memset(summary, 0, sizeof(*summary));
	for (size_t i = 0; i < result->n_rows; i++) {
		const struct correlated_row *r = &result->rows[i];
		const struct call_entry *call = r->match.call;
		const struct diagnosis *cause = call ? call_entry_cause(call) : NULL;
		struct count_entry *peer, *hour;
		char key[32];

		summary->rows++;
		if (call && cause)
			summary->by_diag[cause->id]++;
		summary->matched += call != NULL;
		summary->no_diag += call && !cause;
		summary->several += r->match.how == MATCH_SEVERAL;
		summary->no_call += r->match.how == MATCH_NONE;
		peer = count_get(&summary->peers, &summary->n_peers,
				 call && call->peer_addr.text[0] ? call->peer_addr.text
				 : r->row.peer[0]		 ? r->row.peer
								 : "(unknown)");
		hour_key(&r->row, key, sizeof(key));
		hour = peer ? count_get(&summary->hours, &summary->n_hours, key) : NULL;
		if (!hour) {
			correlate_summary_free(summary);
			return -ENOMEM;
		}
		count_row(peer, call);
		count_row(hour, call);
	}
	zone_shift_most_common(result, summary);
	if (summary->n_hours)
		qsort(summary->hours, summary->n_hours, sizeof(summary->hours[0]), hour_cmp);
	return 0;
}

void correlate_summary_free(struct correlate_summary *summary)
{
	free(summary->peers);
	free(summary->hours);
	memset(summary, 0, sizeof(*summary));
}
