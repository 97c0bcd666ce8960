/* Connection and TLS cause rules: why a new connection failed, why a written request got no
 * answer, and whether the connection was needed because an idle one had been closed. */
#include <stdio.h>
#include <string.h>

#include "explain.h"

static const char *side_words(enum side side)
{
	return side == SIDE_LOCAL  ? "this host"
	       : side == SIDE_PEER ? "the peer"
				   : "an unknown side";
}

static const char *opener_words(enum direction dir)
{
	return dir == DIR_OUT ? "this host" : dir == DIR_IN ? "the peer" : "an unknown side";
}

static bool has(const char *haystack, const char *needle)
{
	return haystack[0] && strcasestr(haystack, needle);
}

static bool any_of(const char *text, const char *const *needles)
{
	for (; *needles; needles++)
		if (has(text, *needles))
			return true;
	return false;
}

/* The dialog's connection as it was when the failed attempt was made. */
struct conn_snapshot {
	uint64_t id;
	enum direction direction;
	bool ended;
	enum side closed_by;
	enum close_how how;
	uint64_t close_ts_ns, idle_ns;
};

/* The dialog connection before CONN was closed as idle, and CONN was opened the other way. */
static enum diag_id idle_close_reverse(struct call_verdict *verdict, const struct leg *leg,
				       const struct conn *conn,
				       const struct conn_snapshot *dialog_conn)
{
	struct diagnosis *diag;

	/* closed is enough (conn_close): its socket may outlive the close by long */
	if (dialog_conn->how != CLOSE_FIN || dialog_conn->closed_by == SIDE_UNKNOWN ||
	    dialog_conn->direction == DIR_UNKNOWN || conn->direction == dialog_conn->direction)
		return DIAG_COUNT;
	diag = verdict_add(verdict, DIAG_IDLE_CLOSE_REVERSE,
			   "the dialog's connection to %s (opened by %s) was closed by %s after "
			   "%.0f s idle; the next in-dialog request needed a new connection opened "
			   "by %s, so the TLS client and server roles swapped",
			   ip_addr_text(&leg->peer_addr).text, opener_words(dialog_conn->direction),
			   side_words(dialog_conn->closed_by), ns_to_s(dialog_conn->idle_ns),
			   opener_words(conn->direction));
	diag_evidence(diag, dialog_conn->close_ts_ns, dialog_conn->id,
		      "conn %llu (opened by %s) closed by %s with FIN after %.1f s without data",
		      (unsigned long long)dialog_conn->id, opener_words(dialog_conn->direction),
		      side_words(dialog_conn->closed_by), ns_to_s(dialog_conn->idle_ns));
	diag_evidence(diag, conn->open_ts_ns, conn->id, "new conn %llu %s %s:%u (opened by %s)",
		      (unsigned long long)conn->id, conn->direction == DIR_OUT ? "to" : "from",
		      ip_addr_text(&conn->remote.addr).text, conn->remote.port,
		      opener_words(conn->direction));
	return DIAG_IDLE_CLOSE_REVERSE;
}

static void snapshot(const struct conn *c, struct conn_snapshot *snap)
{
	memset(snap, 0, sizeof(*snap));
	if (!c)
		return;
	snap->id = c->id;
	snap->direction = c->direction;
	snap->ended = c->ended;
	snap->closed_by = c->closed_by;
	snap->how = c->how;
	snap->close_ts_ns = c->first_close_ts_ns;
	snap->idle_ns = c->idle_ns;
}

static const char *const version_errors[] = {"unsupported protocol",
					     "wrong version number",
					     "no protocols available",
					     "no shared cipher",
					     "version too low",
					     "protocol version",
					     "insufficient security",
					     "no cipher",
					     NULL};
static const char *const client_cert_errors[] = {
    "peer did not return a certificate", "certificate required", "certificate_required", NULL};
static const char *const name_errors[] = {"hostname mismatch", "ip address mismatch",
					  "name mismatch", NULL};
static const char *const incomplete_errors[] = {"unable to get local issuer certificate",
						"unable to verify the first certificate", NULL};
/* OpenSSL's reasons for those alerts received from the peer ("tlsv1 alert unknown ca") */
static const char *const received_trust_alerts[] = {
    "alert unknown ca",		 "alert bad certificate",
    "alert certificate unknown", "alert unsupported certificate",
    "alert certificate expired", "alert certificate revoked",
    "alert access denied",	 NULL};
static const char *const trust_alerts[] = {"unknown_ca",
					   "bad_certificate",
					   "certificate_unknown",
					   "unsupported_certificate",
					   "certificate_expired",
					   "access_denied",
					   NULL};

static void tls_evidence(struct diagnosis *diag, const struct conn *conn)
{
	diag_evidence(diag, conn->tls_ts_ns, conn->id,
		      "conn %llu %s %s:%u: TLS handshake (this host %s) failed%s: %s%s%s",
		      (unsigned long long)conn->id, conn->direction == DIR_OUT ? "to" : "from",
		      ip_addr_text(&conn->remote.addr).text, conn->remote.port,
		      conn_local_is_tls_client(conn) ? "client" : "server",
		      conn->tls_after_handshake ? " after the handshake call had returned success"
						: "",
		      conn->tls_error[0] ? conn->tls_error : "no reason given",
		      conn->verify_error[0] ? "; verify: " : "", conn->verify_error);
	if (conn->alert_seen)
		diag_evidence(diag, conn->tls_ts_ns, conn->id, "alert %s sent by %s", conn->alert,
			      side_words(conn->alert_from));
	if (conn->chain_len)
		diag_evidence(diag, conn->tls_ts_ns, conn->id,
			      "chain sent by %s: %u cert(s), leaf %s (SANs %s, sha256 %.16s...), "
			      "verdict %s%s%s",
			      side_words(conn->chain_from), conn->chain_len, conn->leaf_subject,
			      conn->leaf_sans[0] ? conn->leaf_sans : "none", conn->leaf_sha256,
			      chain_verdict_name(conn->chain_verdict),
			      conn->missing_issuer[0] ? ", missing issuer " : "",
			      conn->missing_issuer);
}

/* Which TLS failure this is; order matters: the most specific reading first. */
static enum diag_id classify_tls(const struct conn *conn)
{
	bool client = conn_local_is_tls_client(conn);
	bool chain_from_server_leaf_only = conn->chain_len == 1;

	if (any_of(conn->tls_error, version_errors) || any_of(conn->alert, version_errors) ||
	    has(conn->alert, "protocol_version"))
		return DIAG_TLS_VERSION_MISMATCH;
	if (any_of(conn->tls_error, client_cert_errors) || any_of(conn->alert, client_cert_errors))
		return DIAG_TLS_CLIENT_CERT;
	/* the TLS server refused the client's certificate: alert from the server side after
	 * the client sent one (mutual TLS) */
	if (conn->client_chain_sent && conn->alert_seen && any_of(conn->alert, trust_alerts) &&
	    (conn->alert_from == SIDE_PEER) == client)
		return DIAG_TLS_CLIENT_CERT;
	/* the same seen by the client's TLS library: a trust alert received from the server,
	 * late in TLS 1.3, where the server checks the client's certificate after the client's
	 * handshake call returned (RFC 8446 §4.4.2.4) */
	if (client && any_of(conn->tls_error, received_trust_alerts))
		return DIAG_TLS_CLIENT_CERT;
	if (conn->chain_verdict == CHAIN_NAME_MISMATCH || any_of(conn->verify_error, name_errors))
		return DIAG_TLS_NAME_MISMATCH;
	if (conn->chain_verdict == CHAIN_INCOMPLETE ||
	    (chain_from_server_leaf_only && any_of(conn->verify_error, incomplete_errors)))
		return DIAG_TLS_INCOMPLETE_CHAIN;
	if (conn->earlier_leaf_sha256[0] && conn->leaf_sha256[0] &&
	    strcmp(conn->earlier_leaf_sha256, conn->leaf_sha256))
		return DIAG_TLS_LEAF_CHANGED;
	if (conn->chain_verdict == CHAIN_UNTRUSTED || conn->chain_verdict == CHAIN_EXPIRED ||
	    conn->chain_verdict == CHAIN_NOT_YET_VALID || conn->verify_error[0] ||
	    any_of(conn->alert, trust_alerts) ||
	    has(conn->tls_error, "certificate verify failed") ||
	    any_of(conn->tls_error, trust_alerts) || any_of(conn->tls_error, received_trust_alerts))
		return DIAG_TLS_UNTRUSTED;
	return DIAG_COUNT;
}

static void tls_summary(struct call_verdict *verdict, enum diag_id id, const struct conn *conn)
{
	const char *client = conn_local_is_tls_client(conn) ? "this host" : "the peer";
	const char *server = conn_local_is_tls_client(conn) ? "the peer" : "this host";
	struct diagnosis *diag = NULL;

	switch (id) {
	case DIAG_TLS_VERSION_MISMATCH:
		diag = verdict_add(verdict, id,
				   "TLS to %s failed: the two sides have no protocol version or "
				   "cipher in common",
				   ip_addr_text(&conn->remote.addr).text);
		break;
	case DIAG_TLS_CLIENT_CERT:
		diag =
		    verdict_add(verdict, id,
				"TLS to %s failed: %s (server) demanded a client certificate that "
				"%s (client) did not send or that was not trusted",
				ip_addr_text(&conn->remote.addr).text, server, client);
		break;
	case DIAG_TLS_NAME_MISMATCH:
		diag =
		    verdict_add(verdict, id,
				"TLS to %s failed: the certificate of %s does not match the name "
				"or address %s connected to (SNI '%s'; an IP address in Contact or "
				"Record-Route needs the IP in the certificate, RFC 5922)",
				ip_addr_text(&conn->remote.addr).text, server, client, conn->sni);
		break;
	case DIAG_TLS_INCOMPLETE_CHAIN:
		diag =
		    verdict_add(verdict, id,
				"TLS to %s failed: %s (server) sent its certificate chain without "
				"the intermediate %s (client) needs%s%s",
				ip_addr_text(&conn->remote.addr).text, server, client,
				conn->missing_issuer[0] ? ": missing " : "", conn->missing_issuer);
		break;
	case DIAG_TLS_LEAF_CHANGED:
		diag = verdict_add(verdict, id,
				   "TLS to %s failed: the leaf certificate of %s changed since the "
				   "last good handshake and %s no longer trusts it (a pinned leaf "
				   "instead of its root CA)",
				   ip_addr_text(&conn->remote.addr).text, server, client);
		break;
	default:
		diag = verdict_add(verdict, DIAG_TLS_UNTRUSTED,
				   "TLS to %s failed: %s (client) does not trust the chain of %s "
				   "(server)",
				   ip_addr_text(&conn->remote.addr).text, client, server);
		break;
	}
	tls_evidence(diag, conn);
	if (id == DIAG_TLS_LEAF_CHANGED)
		diag_evidence(diag, conn->earlier_leaf_ts_ns, conn->earlier_leaf_conn,
			      "earlier good handshake on conn %llu with leaf sha256 %.16s..., now "
			      "%.16s...",
			      (unsigned long long)conn->earlier_leaf_conn,
			      conn->earlier_leaf_sha256, conn->leaf_sha256);
}

static enum diag_id connect_failed(struct call_verdict *verdict, const struct conn *conn)
{
	struct diagnosis *diag = verdict_add(
	    verdict, DIAG_CONNECT_FAILED, "the new connection %s %s:%u could not be made (%s%s%s)",
	    conn->direction == DIR_IN ? "from" : "to", ip_addr_text(&conn->remote.addr).text,
	    conn->remote.port,
	    conn->how == CLOSE_REFUSED	 ? "refused"
	    : conn->how == CLOSE_TIMEOUT ? "timed out"
	    : conn->tls_seen		 ? "TLS handshake failed"
					 : "reset before any SIP",
	    conn->sk_error[0] ? ", " : "", conn->sk_error);

	diag_evidence(diag, conn->open_ts_ns, conn->id, "conn %llu opened by %s to %s:%u",
		      (unsigned long long)conn->id, opener_words(conn->direction),
		      ip_addr_text(&conn->remote.addr).text, conn->remote.port);
	diag_evidence(diag, conn->end_ts_ns, conn->id, "ended: %s%s%s after %.3f s",
		      close_how_name(conn->how), conn->sk_error[0] ? " " : "", conn->sk_error,
		      ns_to_s(conn->end_ts_ns - conn->open_ts_ns));
	if (conn->tls_seen)
		tls_evidence(diag, conn);
	return DIAG_CONNECT_FAILED;
}

enum diag_id explain_failed_conn(struct call_verdict *verdict, const struct leg *leg,
				 const struct conn *conn, const struct conn *dialog_conn)
{
	enum diag_id id = conn->tls_seen && !conn->tls_ok ? classify_tls(conn) : DIAG_COUNT;
	struct conn_snapshot snap;
	enum diag_id reverse;

	if (id == DIAG_COUNT) {
		id = connect_failed(verdict, conn);
	} else {
		tls_summary(verdict, id, conn);
	}
	/* the root cause: the dialog's own connection had been closed as idle */
	snapshot(dialog_conn, &snap);
	reverse = idle_close_reverse(verdict, leg, conn, &snap);
	diag_cause((struct diagnosis *)verdict_find(verdict, id), reverse);
	return id;
}

enum diag_id explain_unanswered(struct call_verdict *verdict, const struct txn *txn,
				const struct conn *conn)
{
	struct diagnosis *diag;

	/* written into a connection the peer had closed: answered by a reset */
	if ((conn->how == CLOSE_RST_IN && conn->end_ts_ns >= txn->request_ts_ns) ||
	    (conn->closed_by == SIDE_PEER && conn->first_close_ts_ns &&
	     conn->first_close_ts_ns <= txn->request_ts_ns)) {
		diag = verdict_add(verdict, DIAG_STALE_CONNECTION,
				   "the %s was written to conn %llu, which %s had already closed; "
				   "the peer answered with a reset",
				   sip_method_str(txn->method), (unsigned long long)conn->id,
				   side_words(conn->closed_by));
		diag_evidence(diag, txn->request_ts_ns, conn->id, "%s written on conn %llu",
			      sip_method_str(txn->method), (unsigned long long)conn->id);
		diag_evidence(diag, conn->first_close_ts_ns, conn->id,
			      "conn %llu closed by %s (%s) after %.1f s idle",
			      (unsigned long long)conn->id, side_words(conn->closed_by),
			      close_how_name(conn->how), ns_to_s(conn->idle_ns));
		return DIAG_STALE_CONNECTION;
	}
	if (txn->outcome != TXN_TIMEOUT || (conn->ended && conn->end_ts_ns < txn->final_ts_ns))
		return DIAG_COUNT;
	diag = verdict_add(verdict, DIAG_SILENT_DROP,
			   "the %s went into conn %llu to %s and nothing came back until the "
			   "transaction timed out: a middlebox or the peer forgot the connection "
			   "without FIN or RST",
			   sip_method_str(txn->method), (unsigned long long)conn->id,
			   ip_addr_text(&conn->remote.addr).text);
	diag_evidence(diag, txn->request_ts_ns, conn->id, "%s written on conn %llu%s",
		      sip_method_str(txn->method), (unsigned long long)conn->id,
		      txn->retransmits ? " and retransmitted" : "");
	if (conn->last_sip_in_ts_ns)
		diag_evidence(diag, conn->last_sip_in_ts_ns, conn->id,
			      "last SIP received on conn %llu", (unsigned long long)conn->id);
	if (conn->ended)
		diag_evidence(diag, conn->end_ts_ns, conn->id,
			      "conn ended %s with %llu TCP retransmits", close_how_name(conn->how),
			      (unsigned long long)conn->retransmits);
	diag_evidence(diag, txn->final_ts_ns, conn->id, "transaction timed out (64*T1)");
	return DIAG_SILENT_DROP;
}
