#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "event_text.h"
#include "journal_write.h"
#include "packet_decode.h"

#define NSEC_PER_SEC  1000000000LL
#define NSEC_PER_USEC 1000LL
#define SHA_SHOWN     16 /* hex digits of a fingerprint on a line */

/* "-" for what the journal writes as null */
static const char *text_or_dash(const char *text)
{
	return text && text[0] ? text : "-";
}

/* Local wall-clock time of day with microseconds. */
static void write_clock(FILE *out, uint64_t ts_ns)
{
	time_t seconds = ts_ns / NSEC_PER_SEC;
	struct tm tm;

	if (!localtime_r(&seconds, &tm)) {
		fputs("?", out);
		return;
	}
	fprintf(out, "%02d:%02d:%02d.%06lld", tm.tm_hour, tm.tm_min, tm.tm_sec,
		(long long)(ts_ns % NSEC_PER_SEC / NSEC_PER_USEC));
}

/* Seconds with millisecond precision, or "-" when unknown. */
static void format_seconds(char *text, size_t len, uint64_t ns, bool unknown)
{
	if (unknown)
		snprintf(text, len, "-");
	else
		snprintf(text, len, "%.3fs", (double)ns / NSEC_PER_SEC);
}

static void format_endpoint(char *text, size_t len, const struct endpoint *end)
{
	snprintf(text, len, end->addr.family == AF_INET6 ? "[%s]:%u" : "%s:%u",
		 ip_addr_text(&end->addr).text, end->port);
}

static const char *how_text(enum close_how how)
{
	return how == CLOSE_UNKNOWN ? "-" : close_how_name(how);
}

static const char *side_text(enum side side)
{
	return side == SIDE_UNKNOWN ? "-" : side_name(side);
}

/* " (via VXLAN 198.51.100.1 -> 198.51.100.2 id 42)", nothing without a tunnel */
static void write_tunnel(FILE *out, const struct ev_tunnel *tunnel)
{
	if (!tunnel->encap)
		return;
	fprintf(out, " (via %s %s -> %s", packet_encap_name(tunnel->encap),
		ip_addr_text(&tunnel->src).text, ip_addr_text(&tunnel->dst).text);
	if (tunnel->id_given)
		fprintf(out, " id %" PRIu32, tunnel->id);
	fputc(')', out);
}

static void write_conn_prefix(FILE *out, const struct event *ev, const char *label)
{
	const struct ev_conn *c = &ev->conn_ev;
	bool direction_known = c->direction != DIR_UNKNOWN;
	char local[64], remote[64];

	format_endpoint(local, sizeof(local), &c->local);
	format_endpoint(remote, sizeof(remote), &c->remote);
	write_clock(out, ev->ts_ns);
	fprintf(out, " %-5s conn=%" PRIu64 " %s/%s %s -> %s ", label, ev->conn,
		direction_known ? direction_name(c->direction) : "-",
		direction_known ? (c->tls_client ? "client" : "server") : "-", local, remote);
	if (c->pid)
		fprintf(out, "pid=%" PRIu32 " (%s)", c->pid, text_or_dash(c->comm));
	else
		fprintf(out, "pid=-");
}

static void write_conn_end(FILE *out, const struct event *ev)
{
	const struct ev_conn *c = &ev->conn_ev;
	char duration[32], idle[32];

	write_conn_prefix(out, ev, "END");
	format_seconds(duration, sizeof(duration), c->duration_ns, c->duration_unknown);
	format_seconds(idle, sizeof(idle), c->idle_ns, c->idle_unknown);
	fprintf(out,
		" dur=%s sent=%" PRIu64 " recv=%" PRIu64 " retrans=%" PRIu64
		" idle=%s closed_by=%s how=%s",
		duration, c->bytes_sent, c->bytes_received, c->retransmits, idle,
		side_text(c->closed_by), how_text(c->how));
	if (c->sk_error[0])
		fprintf(out, " error=%s", c->sk_error);
	if (c->end_unseen)
		fprintf(out, " end_unseen");
}

/* Who closed first and how, the moment it happened (the end comes later, maybe much later). */
static void write_conn_close(FILE *out, const struct event *ev)
{
	const struct ev_conn *c = &ev->conn_ev;
	char idle[32];

	write_conn_prefix(out, ev, "CLOSE");
	format_seconds(idle, sizeof(idle), c->idle_ns, c->idle_unknown);
	fprintf(out, " closed_by=%s how=%s idle=%s sent=%" PRIu64 " recv=%" PRIu64,
		side_text(c->closed_by), how_text(c->how), idle, c->bytes_sent, c->bytes_received);
}

static void write_lost(FILE *out, const struct event *ev)
{
	write_clock(out, ev->ts_ns);
	fprintf(out, " LOST  ringbuf=%" PRIu64 " map_full=%" PRIu64, ev->lost.ringbuf,
		ev->lost.map_full);
	if (ev->lost.skipped_calls)
		fprintf(out, " skipped_calls=%" PRIu64, ev->lost.skipped_calls);
	if (ev->lost.ends_unseen)
		fprintf(out, " ends_unseen=%" PRIu64, ev->lost.ends_unseen);
}

static void write_prefix(FILE *out, const struct event *ev, const char *label)
{
	write_clock(out, ev->ts_ns);
	if (event_has_conn(ev))
		fprintf(out, " %-5s conn=%" PRIu64, label, ev->conn);
	else
		fprintf(out, " %-5s conn=-", label);
}

static void write_hello(FILE *out, const struct event *ev)
{
	const struct ev_tls_hello *hello = &ev->hello;
	char hex[8];

	write_prefix(out, ev, "HELLO");
	fprintf(out, " %s sni=%s offered=", hello->client ? "client" : "server",
		text_or_dash(hello->sni));
	for (size_t i = 0; i < hello->n_offered; i++)
		fprintf(out, "%s%s", i ? "," : "", tls_version_text(hello->offered[i], hex));
	fprintf(out, " selected=%s",
		hello->server_hello_seen ? tls_version_text(hello->version, hex) : "-");
	fprintf(out, " cipher=%s%s",
		hello->server_hello_seen ? tls_cipher_text(hello->cipher_suite, hex) : "-",
		hello->hello_retry ? " hello_retry" : "");
}

static void write_alert(FILE *out, const struct event *ev)
{
	char hex[8];

	write_prefix(out, ev, "ALERT");
	fprintf(out, " from=%s %s %s (%d)", side_text(ev->alert.from),
		tls_alert_level_text(&ev->alert, hex), text_or_dash(ev->alert.description),
		ev->alert.code);
}

static void write_chain(FILE *out, const struct event *ev)
{
	const struct ev_tls_chain *chain = &ev->chain;

	write_prefix(out, ev, "CHAIN");
	fprintf(out, " from=%s sni=%s certs=%zu verdict=%s", side_text(chain->from),
		text_or_dash(chain->sni), chain->n_certs,
		chain->verdict == CHAIN_UNKNOWN ? "-" : chain_verdict_name(chain->verdict));
	if (chain->missing_issuer[0])
		fprintf(out, " missing_issuer=\"%s\"", chain->missing_issuer);
	if (chain->n_certs)
		fprintf(out, " leaf=\"%s\" sha256=%.*s", text_or_dash(chain->certs[0].subject),
			SHA_SHOWN, text_or_dash(chain->certs[0].sha256));
}

static void write_leaf_changed(FILE *out, const struct event *ev)
{
	const struct ev_tls_leaf_changed *leaf = &ev->leaf;
	char not_after[32];

	write_prefix(out, ev, "LEAF");
	fprintf(out, " from=%s peer=%s sni=%s changed %.*s -> %.*s (\"%s\" until %s)",
		side_text(leaf->from), text_or_dash(ip_addr_text(&leaf->peer.addr).text),
		text_or_dash(leaf->sni), SHA_SHOWN, leaf->old_sha256, SHA_SHOWN, leaf->new_sha256,
		leaf->new_subject ? leaf->new_subject : "",
		epoch_rfc3339(leaf->new_not_after, not_after, sizeof(not_after)) ? not_after : "-");
}

static void write_sip(FILE *out, const struct event *ev)
{
	const struct ev_sip *sip = &ev->sip;
	const char *raw = sip->raw ? sip->raw : "-";
	int start_line = (int)strcspn(raw, "\r\n");
	char local[64], remote[64];

	format_endpoint(local, sizeof(local), &sip->local);
	format_endpoint(remote, sizeof(remote), &sip->remote);
	write_prefix(out, ev, "SIP");
	fprintf(out, " %s %s %s %s %s %.*s", text_or_dash(event_transport_name(sip->transport)),
		direction_name(sip->dir), local, sip->dir == DIR_OUT ? "->" : "<-", remote,
		start_line, raw);
	write_tunnel(out, &sip->tunnel);
}

static void write_handshake(FILE *out, const struct event *ev)
{
	const struct ev_tls_handshake *hs = &ev->handshake;

	write_prefix(out, ev, "TLS");
	fprintf(out, " %s handshake %s in %.1fms",
		hs->role_unknown ? "-"
		: hs->client	 ? "client"
				 : "server",
		hs->ok ? "ok" : "FAILED", (double)hs->duration_ns / 1e6);
	if (hs->after_handshake)
		fprintf(out, " (failed after the handshake call returned)");
	if (hs->error[0])
		fprintf(out, " error=\"%s\"", hs->error);
	if (hs->verify_error[0])
		fprintf(out, " verify=\"%s\"", hs->verify_error);
}

int event_text_write(FILE *out, const struct event *ev)
{
	switch (ev->kind) {
	case EV_CONN_OPEN:
		write_conn_prefix(out, ev, "OPEN");
		write_tunnel(out, &ev->conn_ev.tunnel);
		break;
	case EV_CONN_CLOSE:
		write_conn_close(out, ev);
		break;
	case EV_CONN_END:
		write_conn_end(out, ev);
		break;
	case EV_LOST:
		write_lost(out, ev);
		break;
	case EV_TLS_HANDSHAKE:
		write_handshake(out, ev);
		break;
	case EV_TLS_HELLO:
		write_hello(out, ev);
		break;
	case EV_TLS_ALERT:
		write_alert(out, ev);
		break;
	case EV_TLS_CHAIN:
		write_chain(out, ev);
		break;
	case EV_TLS_LEAF_CHANGED:
		write_leaf_changed(out, ev);
		break;
	case EV_SIP:
		write_sip(out, ev);
		break;
	}
	return fputc('\n', out) == EOF ? -EIO : 0;
}
