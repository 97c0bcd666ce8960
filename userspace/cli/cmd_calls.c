/*
 * siptrail calls JOURNAL|CAPTURE... [--json] [--t1-ms N]: one line per call (start, end, who hung
 * up, the connections and session timers of each leg, the verdict ids), in order of start.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "command.h"
#include "explain.h"
#include "explain_print.h"
#include "journal_cmd.h"
#include "journal_replay.h"
#include "line_sort.h"

/* Calls are retired in about the order they end, and printed in order of start: each line is
 * written to a temporary file as its call retires and only this index is kept in memory, so a
 * day of calls needs 24 bytes each, not the lines. */
/* The text line of a call, built in one buffer reused from call to call (a memory stream
 * opened per call was a third of `calls`' instructions). */
struct line_text {
	char *text;
	size_t len, cap;
	int rc; /* the first error: -ENOMEM */
};

struct calls_run {
	bool json;
	struct line_text line;
	struct call_verdict *verdict; /* scratch, one call at a time */
	struct line_sort *lines;      /* one per call, printed in order of start at the end */
	unsigned long failed;
	int rc;
};

static const char *side_words(enum side side)
{
	return side == SIDE_LOCAL ? "this host" : side == SIDE_PEER ? "peer" : "none";
}

static const char *transport_name(enum transport transport)
{
	static const char *const names[] = {"?", "udp", "tcp", "tls"};
	return (unsigned)transport < 4 ? names[transport] : "?";
}

static bool verdict_failed(const struct call_verdict *verdict)
{
	for (unsigned i = 0; i < verdict->n_diags; i++)
		if (diag_is_failure(verdict->diags[i].id))
			return true;
	return false;
}

/* PEER holds the text when the peer hung up. */
static const char *hung_up_by(const struct call *call, struct ip_addr_text *peer)
{
	if (!call->bye_ts_ns)
		return "-";
	if (call->hung_up_by == SIDE_LOCAL)
		return "this host";
	*peer = ip_addr_text(&call->legs[call->bye_leg].peer_addr);
	return peer->text;
}

/* Room for N more bytes and a NUL at line->text + line->len, or NULL (line->rc set). */
static char *line_room(struct line_text *line, size_t n)
{
	if (line->rc)
		return NULL;
	if (n >= line->cap - line->len) {
		size_t cap = 2 * (line->len + n + 1);
		char *grown = realloc(line->text, cap);
		if (!grown) {
			line->rc = -ENOMEM;
			return NULL;
		}
		line->text = grown;
		line->cap = cap;
	}
	return line->text + line->len;
}

/* Pieces are appended as they are: a printf per piece was most of `calls`' own time. */
static void line_puts(struct line_text *line, const char *text)
{
	size_t len = strlen(text);
	char *at = line_room(line, len);

	if (!at)
		return;
	memcpy(at, text, len + 1);
	line->len += len;
}

static void line_put_u64(struct line_text *line, uint64_t value)
{
	char digits[20];
	size_t n = 0;
	char *at = line_room(line, sizeof(digits));

	if (!at)
		return;
	do
		digits[n++] = (char)('0' + value % 10);
	while ((value /= 10));
	line->len += n;
	while (n)
		*at++ = digits[--n];
	*at = '\0';
}

/* The call's length in seconds, as printf's %7.1f of ns_to_s(NS) writes it. */
static void line_put_seconds(struct line_text *line, uint64_t ns)
{
	const uint64_t tenth_ns = 100000000ull;
	char *at = line_room(line, 64);
	int n;

	if (!at)
		return;
	/* From the integer when the double cannot round otherwise: not a tie, and short enough
	 * that the double is within 1 ns (snprintf of a double was 3 % of calls' instructions) */
	if (ns % tenth_ns != tenth_ns / 2 && ns < 1000000ull * 1000000000ull) {
		uint64_t tenths = (ns + tenth_ns / 2) / tenth_ns, whole = tenths / 10;
		char text[16], *p = text + sizeof(text);

		*--p = (char)('0' + tenths % 10);
		*--p = '.';
		do
			*--p = (char)('0' + whole % 10);
		while ((whole /= 10));
		while (text + sizeof(text) - p < 7)
			*--p = ' ';
		n = (int)(text + sizeof(text) - p);
		memcpy(at, p, (size_t)n);
		at[n] = '\0';
	} else {
		n = snprintf(at, 64, "%7.1f", ns_to_s(ns));
	}
	if (n < 0 || n >= 64) {
		line->rc = -EINVAL;
		return;
	}
	line->len += (size_t)n;
}

static void leg_text(struct line_text *out, const struct leg *leg)
{
	const struct session_timer *st = &leg->timer;

	line_puts(out, "; leg ");
	line_puts(out, ip_addr_text(&leg->peer_addr).text);
	line_puts(out, " ");
	line_puts(out, transport_name(leg->transport));
	if (leg->first_conn) {
		line_puts(out, " conn ");
		line_put_u64(out, leg->first_conn);
	}
	if (leg->conns_used > 1) {
		line_puts(out, "..");
		line_put_u64(out, leg->conn);
		line_puts(out, " (");
		line_put_u64(out, leg->conns_used);
		line_puts(out, " conns)");
	}
	for (unsigned i = 0; i < leg->n_attempts; i++) {
		line_puts(out, i ? "," : ", failed conn ");
		line_put_u64(out, leg->attempts[i].conn);
	}
	if (st->se_s) {
		line_puts(out, " SE ");
		line_put_u64(out, st->se_s);
		line_puts(out, " s refresher ");
		line_puts(out, side_words(st->refresher));
		line_puts(out, ", ");
		line_put_u64(out, st->refreshes);
		line_puts(out, " refresh(es)");
	} else {
		line_puts(out, " no session timer");
	}
}

/* OUT: emptied, then the call's line (out->rc set on failure). */
static void call_text(struct line_text *out, const struct call *call,
		      const struct call_verdict *verdict)
{
	char start[48], end[48];
	struct ip_addr_text peer;
	uint64_t end_ns = call->ended ? call->end_ts_ns : call->last_ts_ns;

	out->len = 0;
	line_puts(out, format_ts(call->first_ts_ns, start, sizeof(start)));
	line_puts(out, call->ended ? "  end " : "  last ");
	line_puts(out, format_ts(end_ns, end, sizeof(end)));
	line_puts(out, "  ");
	line_put_seconds(out, end_ns - call->first_ts_ns);
	line_puts(out, " s  ");
	line_puts(out, call->call_id);
	line_puts(out, "  hung up by ");
	line_puts(out, hung_up_by(call, &peer));
	for (unsigned l = 0; l < call->n_legs; l++)
		leg_text(out, &call->legs[l]);
	line_puts(out, "; verdict");
	if (!verdict->n_diags)
		line_puts(out, " ok");
	for (unsigned i = 0; i < verdict->n_diags; i++) {
		line_puts(out, " ");
		line_puts(out, diag_id_name(verdict->diags[i].id));
		if (!diag_is_failure(verdict->diags[i].id))
			line_puts(out, "(warning)");
	}
}

static json_t *leg_json(const struct leg *leg)
{
	const struct session_timer *st = &leg->timer;
	json_t *timer = json_null(), *failed = json_array();

	if (st->se_s)
		timer = json_pack("{s:I, s:s, s:I, s:I}", "session_expires_s", (json_int_t)st->se_s,
				  "refresher", side_words(st->refresher), "min_se_s",
				  (json_int_t)st->min_se_s, "refreshes", (json_int_t)st->refreshes);
	for (unsigned i = 0; i < leg->n_attempts; i++)
		json_array_append_new(failed, json_integer((json_int_t)leg->attempts[i].conn));
	return json_pack(
	    "{s:s, s:s, s:I, s:I, s:I, s:o, s:o}", "peer", ip_addr_text(&leg->peer_addr).text,
	    "transport", transport_name(leg->transport), "first_conn", (json_int_t)leg->first_conn,
	    "last_conn", (json_int_t)leg->conn, "conns_used", (json_int_t)leg->conns_used,
	    "failed_conns", failed, "session_timer", timer);
}

static char *call_json(const struct call *call, const struct call_verdict *verdict)
{
	json_t *legs = json_array(), *ids = json_array(), *obj;
	char start[48], end[48], *line;
	struct ip_addr_text peer;

	for (unsigned l = 0; l < call->n_legs; l++)
		json_array_append_new(legs, leg_json(&call->legs[l]));
	for (unsigned i = 0; i < verdict->n_diags; i++)
		json_array_append_new(ids, json_string(diag_id_name(verdict->diags[i].id)));
	obj = json_pack(
	    "{s:s, s:I, s:s, s:b, s:I, s:s, s:s, s:s, s:o, s:b, s:o}", "call_id", call->call_id,
	    "start_ts_ns", (json_int_t)call->first_ts_ns, "start",
	    format_ts(call->first_ts_ns, start, sizeof(start)), "ended", call->ended, "end_ts_ns",
	    (json_int_t)(call->ended ? call->end_ts_ns : call->last_ts_ns), "end",
	    format_ts(call->ended ? call->end_ts_ns : call->last_ts_ns, end, sizeof(end)),
	    "hung_up_by", call->bye_ts_ns ? side_words(call->hung_up_by) : "none", "hung_up_from",
	    call->bye_ts_ns ? hung_up_by(call, &peer) : "", "legs", legs, "failed",
	    verdict_failed(verdict), "verdict", ids);
	line = obj ? json_dumps(obj, JSON_COMPACT) : NULL;
	json_decref(obj);
	return line;
}

static void on_call(const struct correlator *corr, const struct call *call, void *ctx)
{
	struct calls_run *run = ctx;
	char *text;

	if (run->rc)
		return;
	explain_call(corr, call, run->verdict);
	if (verdict_failed(run->verdict))
		run->failed++;
	if (!run->json) {
		call_text(&run->line, call, run->verdict);
		run->rc = run->line.rc ? run->line.rc
				       : line_sort_add(run->lines, call->first_ts_ns,
						       run->line.text, run->line.len);
		return;
	}
	text = call_json(call, run->verdict);
	if (!text) {
		run->rc = -ENOMEM;
		return;
	}
	run->rc = line_sort_add(run->lines, call->first_ts_ns, text, strlen(text));
	free(text);
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: siptrail calls JOURNAL|CAPTURE... [--json] [--t1-ms N]\n"
		"  Reads a siptrail journal (JSON lines, '-' for stdin) or pcap/pcapng captures\n"
		"  (gzip, zstd or plain; several files are read as one capture in order of their\n"
		"  first packets) and prints one line per\n"
		"  call in order of start: start, end, length, Call-ID, who hung up, per leg the\n"
		"  peer, transport, connections used and session timer, and the verdict ids.\n"
		"  --json        one JSON object per call\n"
		"  --t1-ms N     RFC 3261 T1 (default 500); transactions time out at "
		"64*T1\n" CAPTURE_OPTIONS_HELP
		"exit: 0 no failed call, 1 at least one failed call, 2 usage or I/O\n");
}

int cmd_calls(int argc, char **argv)
{
	struct journal_cmd cmd = {.name = "calls", .usage = usage};
	struct calls_run run = {0};
	struct journal_replay_stats stats;
	size_t n_calls;
	int rc = journal_cmd_parse(&cmd, argc, argv);

	if (rc >= 0)
		return rc;
	run.json = cmd.json;
	run.verdict = malloc(sizeof(*run.verdict));
	run.lines = line_sort_new(LINE_SORT_RUN_LINES);
	run.line.cap = 512;
	run.line.text = malloc(run.line.cap);
	if (!run.verdict || !run.lines || !run.line.text) {
		fprintf(stderr, "siptrail calls: %s\n",
			run.verdict && run.line.text ? "no temporary file for the lines"
						     : "out of memory");
		free(run.verdict);
		free(run.line.text);
		line_sort_free(run.lines);
		return EXIT_USAGE;
	}
	rc = journal_replay(cmd.name, cmd.paths, cmd.n_paths, &cmd.config, &cmd.capture, on_call,
			    &run, &stats);
	if (!rc && !run.rc)
		run.rc = line_sort_write(run.lines, stdout);
	if (!rc && run.rc)
		fprintf(stderr, "siptrail calls: the lines of the calls: %s\n", strerror(-run.rc));
	n_calls = line_sort_count(run.lines);
	free(run.verdict);
	free(run.line.text);
	line_sort_free(run.lines);
	if (rc || run.rc)
		return EXIT_USAGE;
	if (!run.json)
		printf("%zu call(s), %lu failed; %zu events, %lu bad line(s), %lu undecodable SIP "
		       "message(s)\n",
		       n_calls, run.failed, stats.events, stats.bad_lines, stats.sip_undecoded);
	return run.failed ? EXIT_FINDINGS : EXIT_OK;
}
