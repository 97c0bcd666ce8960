/* Ownership and names of the normalized event. */
#include <stdlib.h>
#include <string.h>

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

void event_release(struct event *ev)
{
	if (ev->kind == EV_SIP) {
		free(ev->sip.raw);
	} else if (ev->kind == EV_TLS_CHAIN) {
		for (size_t i = 0; i < ev->chain.n_certs; i++)
			cert_release(&ev->chain.certs[i]);
		free(ev->chain.certs);
	}
	memset(ev, 0, sizeof(*ev));
}

void event_move(struct event *dst, struct event *src)
{
	*dst = *src;
	memset(src, 0, sizeof(*src));
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
