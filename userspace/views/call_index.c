/* Calls and verdicts of an input: one streamed correlator pass plus a look at initial INVITEs. */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "call_index.h"
#include "ordered_feed.h"
#include "session_timer.h"
#include "sip_event_fields.h"

static uint64_t call_id_key(const char *call_id)
{
	return hash_bytes(call_id, strlen(call_id));
}

static struct call_entry *entry_get(struct call_index *index, const char *call_id)
{
	struct call_entry *e = call_index_find(index, call_id);

	if (e)
		return e;
	if (index->count == index->cap) {
		size_t cap = index->cap ? index->cap * 2 : 64;
		struct call_entry *grown = realloc(index->calls, cap * sizeof(*grown));
		if (!grown)
			return NULL;
		index->calls = grown;
		index->cap = cap;
	}
	e = &index->calls[index->count];
	memset(e, 0, sizeof(*e));
	e->call_id = strndup(call_id, SIP_CALL_ID_LEN - 1);
	if (!e->call_id || hash_map_put(&index->by_call_id, call_id_key(e->call_id),
					(void *)(uintptr_t)(index->count + 1))) {
		free(e->call_id);
		return NULL;
	}
	index->count++;
	return e;
}

struct call_entry *call_index_find(const struct call_index *index, const char *call_id)
{
	uint64_t key = call_id_key(call_id);
	size_t pos = 0;
	void *found;

	while ((found = hash_map_find(&index->by_call_id, key, &pos))) {
		struct call_entry *e = &index->calls[(uintptr_t)found - 1];
		if (!strcmp(e->call_id, call_id))
			return e;
	}
	return NULL;
}

void sip_uri_user(const char *uri, size_t len, char *out, size_t out_len)
{
	const char *colon = memchr(uri, ':', len), *at;
	size_t n;

	out[0] = '\0';
	if (!colon)
		return;
	colon++;
	at = memchr(colon, '@', len - (size_t)(colon - uri));
	if (!at)
		return;
	n = (size_t)(at - colon);
	if (n >= out_len)
		n = out_len - 1;
	memcpy(out, colon, n);
	out[n] = '\0';
}

/* Caller and callee of each call from its first INVITE without a To tag (RFC 3261 §12.1). A
 * message that came without its parse is parsed here and the parse kept with the event, so the
 * correlator does not parse it again; the URIs need the whole parse, made again only for such
 * an INVITE when its source carried its parse. */
static int note_invite(struct call_index *index, struct event *ev,
		       struct sip_decode_scratch *scratch)
{
	const struct sip_parsed *parsed = &ev->sip.parsed;
	struct sip_message *msg = &scratch->msg;
	bool parsed_now = sip_event_keep_parse(ev, scratch);
	struct call_entry *e;

	if (!parsed->values.decoded || !parsed->values.is_request ||
	    parsed->values.method != SIP_METHOD_INVITE || parsed->to_tag.len)
		return 0;
	if (!parsed_now &&
	    sip_message_parse(ev->sip.raw, ev->sip.raw_len,
			      transport_is_message_based(ev->sip.transport) ? SIP_PARSE_DATAGRAM
									    : SIP_PARSE_STREAM,
			      msg) != SIP_PARSE_OK)
		return 0;
	if (!msg->has_from || !msg->has_to)
		return 0;
	e = entry_get(index, sip_event_fields(ev, scratch)->call_id);
	if (!e)
		return -ENOMEM;
	if (e->from_user[0] || e->to_user[0])
		return 0;
	sip_uri_user(msg->from.uri.ptr, msg->from.uri.len, e->from_user, sizeof(e->from_user));
	sip_uri_user(msg->to.uri.ptr, msg->to.uri.len, e->to_user, sizeof(e->to_user));
	e->peer_addr = ip_addr_text(&ev->sip.remote.addr);
	return 0;
}

struct build_ctx {
	struct call_index *index;
	struct sip_decode_scratch *sip; /* scratch for note_invite */
	struct call_verdict *verdict;	/* scratch for explain_call */
	struct ordered_feed feed;
	unsigned long calls; /* retired so far, for the progress bar */
	int rc;
};

/* Whether VERDICT has a failure diagnosis. */
static bool verdict_failed(const struct call_verdict *verdict)
{
	for (unsigned i = 0; i < verdict->n_diags; i++)
		if (diag_is_failure(verdict->diags[i].id))
			return true;
	return false;
}

/* The entry's verdict after a call of its Call-ID was explained into B's: a Call-ID seen again
 * after its call retired has the later call's verdict, unless only the earlier one failed. */
static void keep_verdict(struct build_ctx *b, struct call_entry *e)
{
	bool failed = verdict_failed(b->verdict);
	struct call_verdict *kept;
	size_t size;

	if (!b->verdict->n_diags || (e->failed && !failed))
		return;
	e->failed |= failed;
	/* the diagnoses it has, not room for all of them (39 KB a call) */
	size = offsetof(struct call_verdict, diags) +
	       b->verdict->n_diags * sizeof(b->verdict->diags[0]);
	kept = malloc(size);
	if (!kept) {
		b->rc = -ENOMEM;
		return;
	}
	memcpy(kept, b->verdict, size);
	free(e->verdict);
	e->verdict = kept;
}

static void on_call(const struct correlator *corr, const struct call *call, void *ctx)
{
	struct build_ctx *b = ctx;
	struct call_entry *e = entry_get(b->index, call->call_id);
	unsigned n_legs = call->n_legs < CALL_MAX_LEGS ? call->n_legs : CALL_MAX_LEGS;
	struct leg_timer *timers;

	b->calls++;
	if (!e) {
		b->rc = -ENOMEM;
		return;
	}
	/* a Call-ID seen again after its call retired adds its legs */
	timers = n_legs ? realloc(e->timers, (e->n_timers + n_legs) * sizeof(*timers)) : e->timers;
	if (!timers) {
		b->rc = -ENOMEM;
		return;
	}
	e->timers = timers;
	if (!e->first_ts_ns || call->first_ts_ns < e->first_ts_ns)
		e->first_ts_ns = call->first_ts_ns; /* its first call's start */
	e->last_ts_ns = call->last_ts_ns;
	for (unsigned l = 0; l < n_legs; l++) {
		const struct session_timer *st = &call->legs[l].timer;
		struct leg_timer *t = &e->timers[e->n_timers++];

		memset(t, 0, sizeof(*t));
		uint64_t start =
		    st->problem ? st->problem_interval_start_ns : st->interval_start_ns;
		uint32_t se_s = st->problem ? st->problem_se_s : st->se_s;

		t->peer_addr = ip_addr_text(&call->legs[l].peer_addr);
		t->active = st->se_s > 0;
		t->se_s = se_s;
		t->refresher = st->problem ? st->problem_refresher : st->refresher;
		if (t->active && se_s) {
			t->refresh_due_ns = session_timer_refresh_due_ns(start, se_s);
			t->expiry_ns = session_timer_expiry_ns(start, se_s);
		}
	}
	explain_call(corr, call, b->verdict);
	keep_verdict(b, e);
}

static int index_event(void *ctx, struct event *ev)
{
	struct build_ctx *b = ctx;
	int rc = ev->kind == EV_SIP ? note_invite(b->index, ev, b->sip) : 0;

	if (!rc)
		rc = ordered_feed_push(&b->feed, ev);
	event_release(ev); /* left as it was when not fed */
	return rc ? rc : b->rc;
}

int call_index_read(struct call_index *index, const char *cmd, const char *const *paths,
		    size_t n_paths, const struct capture_source_options *options,
		    const struct correlator_config *config)
{
	struct build_ctx b = {index};
	struct event_input_stats input;
	int rc, finish_rc;

	memset(index, 0, sizeof(*index));
	b.sip = malloc(sizeof(*b.sip)); /* large: off the stack */
	b.verdict = malloc(sizeof(*b.verdict));
	if (!b.sip || !b.verdict ||
	    ordered_feed_init(&b.feed, config, EVENT_ORDER_WINDOW_NS,
			      JOURNAL_REPLAY_WINDOW_CAPACITY, on_call, &b, NULL)) {
		free(b.sip);
		free(b.verdict);
		fprintf(stderr, "siptrail %s: out of memory\n", cmd);
		return -ENOMEM;
	}
	if (n_paths == 1)
		reorder_window_hold(&b.feed.window, EVENT_ORDER_HOLD_NS);
	rc = event_read_files(cmd, paths, n_paths, options, index_event, &b, &b.calls, &input);
	finish_rc = ordered_feed_finish(&b.feed);
	index->sip_undecoded = b.feed.corr.sip_undecoded;
	free(b.sip);
	free(b.verdict);
	if (!rc || rc == -EIO) {
		rc = finish_rc ? finish_rc : b.rc ? b.rc : rc;
		if (rc && rc != -EIO)
			fprintf(stderr, "siptrail %s: %s: %s\n", cmd, paths[0], strerror(-rc));
	}
	return rc;
}

void call_index_free(struct call_index *index)
{
	for (size_t i = 0; i < index->count; i++) {
		free(index->calls[i].call_id);
		free(index->calls[i].timers);
		free(index->calls[i].verdict);
	}
	free(index->calls);
	hash_map_free(&index->by_call_id);
	memset(index, 0, sizeof(*index));
}

static unsigned chain_depth(const struct call_verdict *v, const struct diagnosis *d)
{
	unsigned depth = 0;
	for (; d && depth < DIAG_COUNT; depth++)
		d = d->n_causes ? verdict_find(v, d->causes[0]) : NULL;
	return depth;
}

/* The failure with the longest chain explains the most (a SESSION_EXPIRED that goes back to
 * an idle close says more than a BYE_FAILED without a cause); else the first warning. */
static const struct diagnosis *headline(const struct call_verdict *v)
{
	const struct diagnosis *best = NULL;
	unsigned best_depth = 0;

	for (unsigned i = 0; i < v->n_diags; i++) {
		unsigned depth = chain_depth(v, &v->diags[i]);
		if (diag_is_failure(v->diags[i].id) && depth > best_depth) {
			best = &v->diags[i];
			best_depth = depth;
		}
	}
	return best ? best : v->n_diags ? &v->diags[0] : NULL;
}

/* Symptoms come first in enum diag_id (explain.h), causes after them. */
static bool is_symptom(enum diag_id id)
{
	return id < DIAG_IDLE_CLOSE_REVERSE;
}

const struct diagnosis *call_entry_cause(const struct call_entry *call)
{
	const struct diagnosis *top = call->verdict ? headline(call->verdict) : NULL;

	for (const struct diagnosis *d = top; d && is_symptom(d->id);) {
		d = d->n_causes ? verdict_find(call->verdict, d->causes[0]) : NULL;
		if (d && !is_symptom(d->id))
			return d;
	}
	return top;
}

void call_entry_chain(const struct call_entry *call, char *out, size_t out_len)
{
	const struct diagnosis *d = call->verdict ? headline(call->verdict) : NULL;
	size_t len = 0;

	out[0] = '\0';
	for (unsigned depth = 0; d && depth < DIAG_COUNT && len < out_len; depth++) {
		len += (size_t)snprintf(out + len, out_len - len, "%s%s", depth ? " <- " : "",
					diag_id_name(d->id));
		d = d->n_causes ? verdict_find(call->verdict, d->causes[0]) : NULL;
	}
}
