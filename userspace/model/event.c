/* Ownership and names of the normalized event. */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "event.h"

static void cert_release(struct ev_cert *cert)
{
	free(cert->subject);
	free(cert->issuer);
	free(cert->sans);
	free(cert->not_before);
	free(cert->not_after);
	free(cert->sha256);
}

#define SIZE_WITH(member) (offsetof(struct event, member) + sizeof(((struct event *)0)->member))

size_t event_size(const struct event *ev)
{
	switch (ev->kind) {
	case EV_CONN_OPEN:
	case EV_CONN_CLOSE:
	case EV_CONN_END:
		return SIZE_WITH(conn_ev);
	case EV_TLS_HANDSHAKE:
		return SIZE_WITH(handshake);
	case EV_TLS_ALERT:
		return SIZE_WITH(alert);
	case EV_TLS_CHAIN:
		return SIZE_WITH(chain);
	case EV_SIP:
		return SIZE_WITH(sip);
	case EV_LOST:
		return SIZE_WITH(lost);
	case EV_TLS_HELLO:
		return SIZE_WITH(hello);
	case EV_TLS_LEAF_CHANGED:
		return SIZE_WITH(leaf);
	}
	return sizeof(*ev);
}

/* Empty: a kind that owns nothing, on no connection. Its fields are not cleared: an event is
 * moved and released several times on its way, and nothing reads an empty one's fields (a
 * SIP event's 296 bytes cleared at each step cost more than the moves). */
static void event_clear(struct event *ev)
{
	ev->kind = EV_CONN_OPEN;
	ev->ts_ns = 0;
	ev->conn = 0;
}

void event_release(struct event *ev)
{
	if (ev->kind == EV_SIP) {
		free(ev->sip.raw);
	} else if (ev->kind == EV_TLS_CHAIN) {
		for (size_t i = 0; i < ev->chain.n_certs; i++)
			cert_release(&ev->chain.certs[i]);
		free(ev->chain.certs);
	} else if (ev->kind == EV_TLS_LEAF_CHANGED) {
		free(ev->leaf.old_subject);
		free(ev->leaf.new_subject);
	}
	event_clear(ev);
}

void event_move(struct event *dst, struct event *src)
{
	memcpy(dst, src, event_size(src));
	event_clear(src);
}

/* *dst: a copy of src, or NULL for NULL. Returns false when out of memory. */
static bool dup_text(char **dst, const char *src)
{
	*dst = src ? strdup(src) : NULL;
	return !src || *dst;
}

static bool copy_certs(struct ev_tls_chain *dst, const struct ev_tls_chain *src)
{
	bool ok = true;

	dst->certs = NULL;
	dst->n_certs = 0;
	if (!src->certs)
		return true;
	dst->certs = calloc(src->n_certs ? src->n_certs : 1, sizeof(*dst->certs));
	for (size_t i = 0; dst->certs && ok && i < src->n_certs; i++) {
		const struct ev_cert *from = &src->certs[i];
		struct ev_cert *cert = &dst->certs[i];

		dst->n_certs = i + 1; /* so event_release frees what was copied */
		ok = dup_text(&cert->subject, from->subject) &&
		     dup_text(&cert->issuer, from->issuer) && dup_text(&cert->sans, from->sans) &&
		     dup_text(&cert->not_before, from->not_before) &&
		     dup_text(&cert->not_after, from->not_after) &&
		     dup_text(&cert->sha256, from->sha256);
	}
	return dst->certs && ok;
}

int event_copy(struct event *dst, const struct event *src)
{
	bool ok = true;

	memcpy(dst, src, event_size(src)); /* as a move: the union's other bytes are not read */
	if (src->kind == EV_SIP) {
		dst->sip.raw = src->sip.raw ? malloc(src->sip.raw_len + 1) : NULL;
		ok = !src->sip.raw || dst->sip.raw;
		if (dst->sip.raw) {
			memcpy(dst->sip.raw, src->sip.raw, src->sip.raw_len);
			dst->sip.raw[src->sip.raw_len] = '\0';
		}
	} else if (src->kind == EV_TLS_CHAIN) {
		ok = copy_certs(&dst->chain, &src->chain);
	} else if (src->kind == EV_TLS_LEAF_CHANGED) {
		dst->leaf.new_subject = NULL;
		ok = dup_text(&dst->leaf.old_subject, src->leaf.old_subject) &&
		     dup_text(&dst->leaf.new_subject, src->leaf.new_subject);
	}
	if (!ok) {
		event_release(dst);
		return -ENOMEM;
	}
	return 0;
}

const char *event_kind_name(enum event_kind kind)
{
	static const char *const names[] = {
	    [EV_CONN_OPEN] = "conn_open",
	    [EV_CONN_CLOSE] = "conn_close",
	    [EV_CONN_END] = "conn_end",
	    [EV_TLS_HANDSHAKE] = "tls_handshake",
	    [EV_TLS_ALERT] = "tls_alert",
	    [EV_TLS_CHAIN] = "tls_chain",
	    [EV_SIP] = "sip",
	    [EV_LOST] = "lost",
	    [EV_TLS_HELLO] = "tls_hello",
	    [EV_TLS_LEAF_CHANGED] = "tls_leaf_changed",
	};
	return (unsigned)kind < sizeof(names) / sizeof(names[0]) ? names[kind] : "?";
}

const char *direction_name(enum direction dir)
{
	return dir == DIR_OUT ? "out" : dir == DIR_IN ? "in" : "?";
}

const char *side_name(enum side side)
{
	return side == SIDE_LOCAL ? "local" : side == SIDE_PEER ? "peer" : "?";
}

const char *close_how_name(enum close_how how)
{
	static const char *const names[] = {
	    [CLOSE_UNKNOWN] = "?",	 [CLOSE_FIN] = "fin",	      [CLOSE_RST_IN] = "rst_in",
	    [CLOSE_RST_OUT] = "rst_out", [CLOSE_REFUSED] = "refused", [CLOSE_TIMEOUT] = "timeout",
	};
	return (unsigned)how < sizeof(names) / sizeof(names[0]) ? names[how] : "?";
}

const char *chain_verdict_name(enum chain_verdict verdict)
{
	static const char *const names[] = {
	    [CHAIN_UNKNOWN] = "?",
	    [CHAIN_OK] = "ok",
	    [CHAIN_INCOMPLETE] = "incomplete",
	    [CHAIN_UNTRUSTED] = "untrusted",
	    [CHAIN_EXPIRED] = "expired",
	    [CHAIN_NOT_YET_VALID] = "not_yet_valid",
	    [CHAIN_NAME_MISMATCH] = "name_mismatch",
	};
	return (unsigned)verdict < sizeof(names) / sizeof(names[0]) ? names[verdict] : "?";
}

const char *event_transport_name(enum transport transport)
{
	static const char *const names[] = {
	    [TRANSPORT_UNKNOWN] = NULL, [TRANSPORT_UDP] = "udp",   [TRANSPORT_TCP] = "tcp",
	    [TRANSPORT_TLS] = "tls",	[TRANSPORT_SCTP] = "sctp", [TRANSPORT_WS] = "ws",
	};
	return (unsigned)transport < sizeof(names) / sizeof(names[0]) ? names[transport] : NULL;
}

bool transport_is_message_based(enum transport transport)
{
	return transport == TRANSPORT_UDP || transport == TRANSPORT_SCTP ||
	       transport == TRANSPORT_WS;
}

bool event_has_conn(const struct event *ev)
{
	return ev->conn || (ev->kind == EV_TLS_HANDSHAKE && ev->handshake.libssl.given) ||
	       (ev->kind == EV_SIP && ev->sip.libssl.given);
}

#define RFC3339_UTC "%Y-%m-%dT%H:%M:%SZ"

bool epoch_rfc3339(int64_t epoch_s, char *text, size_t len)
{
	time_t seconds = (time_t)epoch_s;
	struct tm tm;

	return gmtime_r(&seconds, &tm) && strftime(text, len, RFC3339_UTC, &tm);
}

bool rfc3339_epoch(const char *text, int64_t *epoch_s)
{
	struct tm tm = {0};
	const char *end = strptime(text, RFC3339_UTC, &tm);

	if (!end || *end)
		return false;
	*epoch_s = (int64_t)timegm(&tm);
	return true;
}
