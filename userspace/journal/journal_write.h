/*
 * Events -> journal lines (JSON, one object per line; docs/journal.md), the inverse of
 * journal_read. Field names follow the journal contract so `siptrail explain` reads what any
 * source wrote.
 */
#ifndef SIPTRAIL_JOURNAL_WRITE_H
#define SIPTRAIL_JOURNAL_WRITE_H

#include <stdio.h>

#include <jansson.h>

#include "event.h"

/* One event as one compact JSON line, '\n' included: in BUF, or on the heap when longer. */
#define JSON_LINE_BYTES 4096
struct json_line {
	char *text;
	size_t len;
	char buf[JSON_LINE_BYTES];
};

/* A SIP event's endpoints as JSON ("laddr" to "rport"), and the endpoints. */
#define JSON_ENDPOINTS_BYTES 208 /* two IPv6 addresses' text, two ports, the keys */
struct json_endpoints_memo {
	struct endpoint local, remote;
	size_t json_len; /* 0: empty */
	char json[JSON_ENDPOINTS_BYTES];
};

/* A SIP event's text as JSON, and the text: the next SIP event with the same bytes copies the
 * JSON instead of escaping the text again (a message between two local sockets is two events,
 * one right after the other, and escaping the text was most of a line's cost). The same for
 * its endpoints, the last two kept (a connection's messages have the same endpoints, the two
 * local sockets of a loopback connection the same swapped; their text and the ports' digits
 * were a sixth of a SIP event's line). Zeroed to start; json_text_memo_free at the end. */
struct json_text_memo {
	char *raw, *json;
	size_t raw_len, json_len, raw_cap, json_cap;
	struct json_endpoints_memo endpoints[2];
	unsigned endpoints_next; /* the entry the next new endpoints replace */
};

void json_text_memo_free(struct json_text_memo *memo);

/* Writes EV into LINE (then json_line_release); MEMO: NULL, or the writer's memo. Returns 0 or
 * -ENOMEM. */
int event_json_line(const struct event *ev, struct json_line *line, struct json_text_memo *memo);
void json_line_release(struct json_line *line);

/* The event as a JSON object (new reference), NULL when out of memory: that line parsed, for
 * the callers that look into it (tests, the fuzzer). */
json_t *event_to_json(const struct event *ev);

/* TLS values as the journal writes them: the IANA name, or "0x0305" (in hex) for a value the
 * tables do not know. */
const char *tls_version_text(uint16_t version, char hex[8]);
const char *tls_cipher_text(uint16_t cipher_suite, char hex[8]);
const char *tls_alert_level_text(const struct ev_tls_alert *alert, char hex[8]);

/* The loss counters of a lost event as the journal names them, in the order they are written:
 * the writer and the reader both go by this table. */
enum lost_counter_group {
	LOST_ALWAYS,   /* every journal */
	LOST_DETAILED, /* `siptrail live` (ev_lost.detailed) */
	LOST_WIRE,     /* its wire path (ev_lost.wire) */
};

struct lost_counter {
	const char *field;
	size_t offset; /* of the uint64_t in struct ev_lost */
	enum lost_counter_group group;
};

extern const struct lost_counter lost_counters[];
extern const size_t lost_counters_count;

/* A sip event's "tunnel" kind by enum packet_encap, "" for none, NULL-terminated: the writer
 * and the reader both go by this table. */
extern const char *const tunnel_kind_names[];

#endif
