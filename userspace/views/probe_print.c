/* Printing the reverse-path probe. */
#include <errno.h>

#include <jansson.h>

#include "fix_hints_print.h"
#include "probe_print.h"

const char *probe_prediction_name(const struct probe_result *r)
{
	return r->works ? "works" : diag_id_name(r->prediction);
}

/* What a BYE or refresh this host sends after an idle close would meet. */
static void forecast(const struct probe_result *r, char *buf, size_t len)
{
	if (r->works)
		snprintf(buf, len,
			 "a BYE or session refresh this host sends to %s:%u on a new connection "
			 "would go through",
			 r->addr, r->port);
	else
		snprintf(buf, len,
			 "a BYE or session refresh this host sends to %s:%u on a new connection "
			 "(after an idle close) would be lost: %s",
			 r->addr, r->port, diag_id_name(r->prediction));
}

static const char *chain_trust(const struct probe_result *r)
{
	if (!r->n_chain)
		return "none received";
	return r->chain_trusted ? "trusted by this host" : "not trusted by this host";
}

void probe_print_text(FILE *out, const struct probe_result *r, const char *peer, const char *source)
{
	char text[320];

	fprintf(out, "peer %s: %s:%u (from %s)\n", peer, r->addr, r->port, source);
	if (!r->reachable) {
		fprintf(out, "  connect: failed, %s\n", r->connect_error);
	} else {
		fprintf(out, "  connect: ok in %.0f ms\n", r->connect_ms);
		if (r->handshake_ok)
			fprintf(out, "  TLS handshake (this host client): ok, %s\n",
				r->tls_version);
		else
			fprintf(out, "  TLS handshake (this host client): failed: %s\n", r->reason);
		fprintf(out, "  chain sent by the peer: %zu cert(s), %s%s%s\n", r->n_chain,
			chain_trust(r), r->verify_error[0] ? ": " : "", r->verify_error);
		for (size_t i = 0; i < r->n_chain; i++)
			fprintf(out, "    %zu %s (issuer %s, until %s)\n", i, r->chain[i].subject,
				r->chain[i].issuer, r->chain[i].not_after);
		fprintf(out, "  this host's certificate: %s%s%s\n",
			probe_client_cert_name(r->client_cert),
			r->client_cert_reason[0] ? ": " : "", r->client_cert_reason);
		if (r->options_sent)
			fprintf(out, "  OPTIONS: %s\n", r->options_answer);
	}
	forecast(r, text, sizeof(text));
	fprintf(out, "  forecast: %s\n", text);
	if (!r->works)
		fix_hints_print_text(out, r->prediction);
}

int probe_print_json(FILE *out, const struct probe_result *r, const char *peer, const char *source)
{
	json_t *chain = json_array(), *obj;
	char text[320];
	int rc;

	for (size_t i = 0; chain && i < r->n_chain; i++)
		json_array_append_new(
		    chain, json_pack("{s:s, s:s, s:s}", "subject", r->chain[i].subject, "issuer",
				     r->chain[i].issuer, "not_after", r->chain[i].not_after));
	forecast(r, text, sizeof(text));
	obj = json_pack("{s:s, s:s, s:i, s:s, s:b, s:s, s:b, s:s, s:s, s:s, s:o, s:b, s:s, s:s, "
			"s:s, s:s}",
			"peer", peer, "addr", r->addr, "port", r->port, "source", source,
			"reachable", r->reachable, "connect_error", r->connect_error,
			"handshake_ok", r->handshake_ok, "tls_version", r->tls_version, "reason",
			r->reason, "verify_error", r->verify_error, "chain", chain, "chain_trusted",
			r->chain_trusted, "client_cert", probe_client_cert_name(r->client_cert),
			"client_cert_reason", r->client_cert_reason, "prediction",
			probe_prediction_name(r), "forecast", text);
	if (obj && r->options_sent)
		json_object_set_new(obj, "options", json_string(r->options_answer));
	if (obj && !r->works)
		json_object_set_new(obj, "fixes", fix_hints_json(r->prediction));
	rc = obj ? json_dumpf(obj, out, JSON_COMPACT) : -1;
	json_decref(obj);
	if (rc)
		return -ENOMEM;
	fputc('\n', out);
	return 0;
}
