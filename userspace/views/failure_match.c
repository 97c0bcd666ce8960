/* Failure report rows -> calls. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "failure_match.h"

#define NS_PER_S 1000000000ull

static size_t digits_of(const char *s, char *out, size_t out_len)
{
	size_t n = 0;
	for (; *s && n + 1 < out_len; s++)
		if (isdigit((unsigned char)*s))
			out[n++] = *s;
	out[n] = '\0';
	return n;
}

bool phone_numbers_match(const char *a, const char *b)
{
	char da[64], db[64];
	size_t na = digits_of(a, da, sizeof(da)), nb = digits_of(b, db, sizeof(db));
	const char *pa = da, *pb = db;
	size_t shorter;

	/* trunk and international prefixes ("0", "00") are leading zeros */
	while (*pa == '0')
		pa++, na--;
	while (*pb == '0')
		pb++, nb--;
	shorter = na < nb ? na : nb;

	if (!na || !nb) /* names, not numbers ("alice") */
		return a[0] && !strcasecmp(a, b);
	if (na == nb)
		return !strcmp(pa, pb);
	return shorter >= 6 && !strcmp(pa + na - shorter, pb + nb - shorter);
}

/* Up to 9 digits after the point as nanoseconds, without floating point rounding. */
static const char *parse_fraction_ns(const char *p, uint64_t *ns)
{
	uint64_t scale = 100000000;

	*ns = 0;
	for (; isdigit((unsigned char)*p); p++, scale /= 10)
		*ns += (uint64_t)(*p - '0') * scale;
	return p;
}

int report_time_parse(const char *text, uint64_t *ts_ns)
{
	struct tm tm = {0};
	const char *rest;
	uint64_t frac_ns = 0;
	char *end;

	while (isspace((unsigned char)*text))
		text++;
	if (!isdigit((unsigned char)*text))
		return -EINVAL;
	unsigned long long secs = strtoull(text, &end, 10);
	if (*end == '.' || !*end) {
		if (*end)
			end = (char *)parse_fraction_ns(end + 1, &frac_ns);
		if (*end)
			return -EINVAL;
		*ts_ns = secs * NS_PER_S + frac_ns;
		return 0;
	}
	rest = strptime(text, "%Y-%m-%d", &tm);
	if (!rest || (*rest != ' ' && *rest != 'T'))
		return -EINVAL;
	rest = strptime(rest + 1, "%H:%M:%S", &tm);
	if (!rest)
		return -EINVAL;
	if (*rest == '.' || *rest == ',')
		rest = parse_fraction_ns(rest + 1, &frac_ns);
	if (*rest == 'Z')
		rest++;
	if (*rest)
		return -EINVAL;
	*ts_ns = (uint64_t)timegm(&tm) * NS_PER_S + frac_ns;
	return 0;
}

static uint64_t distance_ns(const struct call_entry *call, uint64_t ts_ns)
{
	if (ts_ns < call->first_ts_ns)
		return call->first_ts_ns - ts_ns;
	if (ts_ns > call->last_ts_ns)
		return ts_ns - call->last_ts_ns;
	return 0;
}

static bool numbers_fit(const struct call_entry *call, const struct failure_row *row)
{
	bool given = false;

	if (row->caller[0]) {
		if (!phone_numbers_match(row->caller, call->from_user))
			return false;
		given = true;
	}
	if (row->callee[0]) {
		if (!phone_numbers_match(row->callee, call->to_user))
			return false;
		given = true;
	}
	if (row->peer[0]) {
		bool seen = !strcmp(row->peer, call->peer_addr.text);
		for (unsigned l = 0; l < call->n_timers; l++)
			seen |= !strcmp(row->peer, call->timers[l].peer_addr.text);
		if (!seen)
			return false;
		given = true;
	}
	return given; /* time alone is not enough to name a call */
}

void failure_match_row(const struct call_index *index, const struct failure_row *row,
		       uint64_t window_ns, struct failure_match *out)
{
	uint64_t best = UINT64_MAX;

	memset(out, 0, sizeof(*out));
	if (row->call_id[0] && (out->call = call_index_find(index, row->call_id))) {
		out->how = MATCH_CALL_ID;
		return;
	}
	if (!row->has_ts)
		return;
	for (size_t i = 0; i < index->count; i++) {
		const struct call_entry *c = &index->calls[i];
		uint64_t d = distance_ns(c, row->ts_ns);
		if (d <= window_ns && d < best && numbers_fit(c, row)) {
			best = d;
			out->call = c;
			out->how = MATCH_TIME_NUMBERS;
		}
	}
	if (out->call)
		return;
	/* the nearest calls in time, so the reader sees what was there */
	for (size_t i = 0; i < index->count; i++) {
		const struct call_entry *c = &index->calls[i];
		unsigned pos = out->n_nearest;
		while (pos > 0 &&
		       distance_ns(c, row->ts_ns) < distance_ns(out->nearest[pos - 1], row->ts_ns))
			pos--;
		if (pos >= FAILURE_MAX_NEAREST)
			continue;
		if (out->n_nearest < FAILURE_MAX_NEAREST)
			out->n_nearest++;
		memmove(&out->nearest[pos + 1], &out->nearest[pos],
			(out->n_nearest - 1 - pos) * sizeof(out->nearest[0]));
		out->nearest[pos] = c;
	}
}
