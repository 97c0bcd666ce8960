/* JSON lines -> events, with jansson doing the JSON. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "compressed_file.h"
#include "journal_file.h"
#include "journal_read.h"
#include "journal_write.h"
#include "tls_handshake.h"

struct field_error {
	char *buf;
	size_t len;
};

static int fail(struct field_error *fe, const char *field, const char *problem)
{
	snprintf(fe->buf, fe->len, "field '%s': %s", field, problem);
	return -EINVAL;
}

static bool is_null(json_t *obj, const char *field)
{
	return json_is_null(json_object_get(obj, field));
}

/* An absent or null optional field leaves *out untouched. */
static int get_u64(json_t *obj, const char *field, bool required, uint64_t *out,
		   struct field_error *fe)
{
	json_t *v = json_object_get(obj, field);
	if (!v || json_is_null(v))
		return required ? fail(fe, field, "missing") : 0;
	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return fail(fe, field, "not a non-negative integer");
	*out = (uint64_t)json_integer_value(v);
	return 0;
}

static int get_str(json_t *obj, const char *field, bool required, char *out, size_t out_len,
		   struct field_error *fe)
{
	json_t *v = json_object_get(obj, field);
	size_t len;

	if (!v || json_is_null(v))
		return required ? fail(fe, field, "missing") : 0;
	if (!json_is_string(v))
		return fail(fe, field, "not a string");
	/* truncated to fit, as snprintf would, without its format parsing: every live event
	 * passes here (addresses, names) */
	len = json_string_length(v) < out_len ? json_string_length(v) : out_len - 1;
	memcpy(out, json_string_value(v), len);
	out[len] = '\0';
	return 0;
}

static int get_bool(json_t *obj, const char *field, bool required, bool *out,
		    struct field_error *fe)
{
	json_t *v = json_object_get(obj, field);
	if (!v || (!required && json_is_null(v)))
		return required ? fail(fe, field, "missing") : 0;
	if (!json_is_boolean(v))
		return fail(fe, field, "not a boolean");
	*out = json_is_true(v);
	return 0;
}

static int get_u32(json_t *obj, const char *field, uint32_t *out, struct field_error *fe)
{
	uint64_t value = *out;
	int rc = get_u64(obj, field, false, &value, fe);

	if (rc)
		return rc;
	if (value > UINT32_MAX)
		return fail(fe, field, "out of range");
	*out = (uint32_t)value;
	return 0;
}

/* A field the writer writes only when its source gave it (even as null). */
static bool has(json_t *obj, const char *field)
{
	return json_object_get(obj, field) != NULL;
}

/* Maps a string field onto an enum through NAMES (NULL-terminated, index = value). */
static int get_enum(json_t *obj, const char *field, bool required, const char *const *names,
		    int *out, struct field_error *fe)
{
	char value[32] = "";
	int rc = get_str(obj, field, required, value, sizeof(value), fe);
	if (rc || !value[0])
		return rc;
	for (int i = 0; names[i]; i++) {
		if (names[i][0] && !strcmp(names[i], value)) {
			*out = i;
			return 0;
		}
	}
	snprintf(fe->buf, fe->len, "field '%s': unknown value '%s'", field, value);
	return -EINVAL;
}

static const char *const direction_names[] = {"", "out", "in", NULL};
static const char *const side_names[] = {"", "local", "peer", NULL};
static const char *const role_names[] = {"", "client", "server", NULL};
static const char *const how_names[] = {"", "fin", "rst_in", "rst_out", "refused", "timeout", NULL};
static const char *const transport_names[] = {"", "udp", "tcp", "tls", "sctp", "ws", NULL};
enum { SOURCE_NONE, SOURCE_LIBSSL, SOURCE_DECRYPTED };
static const char *const source_names[] = {"", "libssl", "decrypted", NULL};
static const char *const verdict_names[] = {
    "", "ok", "incomplete", "untrusted", "expired", "not_yet_valid", "name_mismatch", NULL};

/* An address as the writer puts it (ip_addr_text); absent or null leaves *out untouched. */
static int get_addr(json_t *obj, const char *field, bool required, struct ip_addr *out,
		    struct field_error *fe)
{
	char text[IP_ADDR_TEXT_LEN + 1] = "";
	json_t *v = json_object_get(obj, field);
	int rc = get_str(obj, field, required, text, sizeof(text), fe);

	if (rc || !v || json_is_null(v))
		return rc;
	if (json_string_length(v) != strlen(text) || !ip_addr_parse(out, text))
		return fail(fe, field, "not an IP address");
	return 0;
}

static int get_port(json_t *obj, const char *field, bool required, uint16_t *out,
		    struct field_error *fe)
{
	uint64_t port = *out;
	int rc = get_u64(obj, field, required, &port, fe);

	if (rc)
		return rc;
	if (port > 65535)
		return fail(fe, field, "out of range");
	*out = (uint16_t)port;
	return 0;
}

static int get_endpoints(json_t *obj, struct endpoint *local, struct endpoint *remote,
			 bool required, struct field_error *fe)
{
	int rc;

	if ((rc = get_port(obj, "lport", required, &local->port, fe)) ||
	    (rc = get_port(obj, "rport", required, &remote->port, fe)) ||
	    (rc = get_addr(obj, "laddr", required, &local->addr, fe)) ||
	    (rc = get_addr(obj, "raddr", required, &remote->addr, fe)))
		return rc;
	return 0;
}

/* "tunnel": absent or null when the packets came through none. */
static int get_tunnel(json_t *obj, struct ev_tunnel *t, struct field_error *fe)
{
	json_t *v = json_object_get(obj, "tunnel");
	uint64_t id = UINT64_MAX;
	int kind = 0, rc;

	if (!v || json_is_null(v))
		return 0;
	if (!json_is_object(v))
		return fail(fe, "tunnel", "not an object");
	if ((rc = get_enum(v, "kind", true, tunnel_kind_names, &kind, fe)) ||
	    (rc = get_addr(v, "src", true, &t->src, fe)) ||
	    (rc = get_addr(v, "dst", true, &t->dst, fe)) || (rc = get_u64(v, "id", false, &id, fe)))
		return rc;
	if (!kind)
		return fail(fe, "tunnel.kind", "missing");
	if (id != UINT64_MAX && id > UINT32_MAX)
		return fail(fe, "tunnel.id", "out of range");
	t->encap = (uint8_t)kind;
	t->id_given = id != UINT64_MAX;
	t->id = t->id_given ? (uint32_t)id : 0;
	return 0;
}

static int parse_conn(json_t *obj, struct event *ev, struct field_error *fe)
{
	struct ev_conn *c = &ev->conn_ev;
	int dir = 0, role = 0, closed_by = 0, how = 0, rc;

	if ((rc = get_endpoints(obj, &c->local, &c->remote, true, fe)) ||
	    /* null: a connection older than the trace */
	    (rc = get_enum(obj, "direction", false, direction_names, &dir, fe)) ||
	    (rc = get_enum(obj, "tls_role", false, role_names, &role, fe)) ||
	    (rc = get_u32(obj, "pid", &c->pid, fe)) ||
	    (rc = get_str(obj, "comm", false, c->comm, sizeof(c->comm), fe)) ||
	    (rc = get_u64(obj, "netns", false, &c->netns, fe)) ||
	    (rc = get_bool(obj, "before_trace", false, &c->before_trace, fe)) ||
	    (rc = get_tunnel(obj, &c->tunnel, fe)))
		return rc;
	c->direction = dir;
	c->tls_client = role ? role == 1 : dir == DIR_OUT;
	/* the live socket tracer's flags; a capture or an older journal has none */
	c->kernel_flags = has(obj, "before_trace");
	if (ev->kind == EV_CONN_OPEN)
		return 0;
	if ((rc = get_u64(obj, "duration_ns", false, &c->duration_ns, fe)) ||
	    (rc = get_u64(obj, "bytes_sent", false, &c->bytes_sent, fe)) ||
	    (rc = get_u64(obj, "bytes_received", false, &c->bytes_received, fe)) ||
	    (rc = get_u64(obj, "retransmits", false, &c->retransmits, fe)) ||
	    (rc = get_enum(obj, "closed_by", false, side_names, &closed_by, fe)) ||
	    (rc = get_enum(obj, "how", true, how_names, &how, fe)) ||
	    (rc = get_u64(obj, "first_close_ts_ns", false, &c->first_close_ts_ns, fe)) ||
	    (rc = get_u64(obj, "idle_ns", false, &c->idle_ns, fe)) ||
	    (rc = get_str(obj, "sk_error", false, c->sk_error, sizeof(c->sk_error), fe)) ||
	    (rc = get_bool(obj, "rst_sent", false, &c->rst_sent, fe)) ||
	    (rc = get_bool(obj, "rst_received", false, &c->rst_received, fe)) ||
	    (rc = get_bool(obj, "end_unseen", false, &c->end_unseen, fe)))
		return rc;
	c->closed_by = closed_by;
	c->how = how;
	/* null: the tracer saw no open / no first close (a dash on a text line) */
	c->duration_unknown = ev->kind == EV_CONN_END && is_null(obj, "duration_ns");
	c->idle_unknown = is_null(obj, "idle_ns");
	return 0;
}

/* The process of a libssl probe event ("source": "libssl"); other sources have none. */
static int get_libssl(json_t *obj, struct ev_libssl *libssl, struct field_error *fe)
{
	int source = 0, rc;

	if ((rc = get_enum(obj, "source", false, source_names, &source, fe)) ||
	    source != SOURCE_LIBSSL)
		return rc;
	libssl->given = true;
	if ((rc = get_u32(obj, "pid", &libssl->pid, fe)) ||
	    (rc = get_str(obj, "comm", false, libssl->comm, sizeof(libssl->comm), fe)) ||
	    (rc = get_u64(obj, "netns", false, &libssl->netns, fe)))
		return rc;
	return 0;
}

static int parse_handshake(json_t *obj, struct event *ev, struct field_error *fe)
{
	struct ev_tls_handshake *h = &ev->handshake;
	int role = 0, rc;

	/* role null: the probe could not tell */
	if ((rc = get_enum(obj, "role", false, role_names, &role, fe)) ||
	    (rc = get_libssl(obj, &h->libssl, fe)) ||
	    (rc = get_endpoints(obj, &h->local, &h->remote, h->libssl.given, fe)) ||
	    (rc = get_str(obj, "error_detail", false, h->error_detail, sizeof(h->error_detail),
			  fe)) ||
	    (rc = get_bool(obj, "ok", true, &h->ok, fe)) ||
	    (rc = get_endpoints(obj, &h->local, &h->remote, false, fe)) ||
	    (rc = get_bool(obj, "after_handshake", false, &h->after_handshake, fe)) ||
	    (rc = get_u64(obj, "start_ts_ns", false, &h->start_ts_ns, fe)) ||
	    (rc = get_u64(obj, "duration_ns", false, &h->duration_ns, fe)) ||
	    (rc = get_str(obj, "error", false, h->error, sizeof(h->error), fe)) ||
	    (rc =
		 get_str(obj, "verify_error", false, h->verify_error, sizeof(h->verify_error), fe)))
		return rc;
	h->role_unknown = !role;
	h->client = role == 1;
	return 0;
}

static bool alert_level_value(const char *name, uint16_t *level)
{
	*level = !strcmp(name, "warning") ? 1 : !strcmp(name, "fatal") ? 2 : 0;
	return *level != 0;
}

typedef bool (*tls_name_value_fn)(const char *name, uint16_t *value);

/* A TLS value as the writer puts it (tls_version_text and the like): a name BY_NAME knows, or
 * "0x0305". */
static bool tls_value(const char *text, tls_name_value_fn by_name, uint16_t *out)
{
	unsigned long value;
	char *end;

	if (by_name(text, out))
		return true;
	if (strncmp(text, "0x", 2) || !isxdigit((unsigned char)text[2]))
		return false;
	errno = 0;
	value = strtoul(text + 2, &end, 16);
	if (errno || *end || value > UINT16_MAX)
		return false;
	*out = (uint16_t)value;
	return true;
}

/* Absent or null leaves *out untouched. */
static int get_tls_value(json_t *obj, const char *field, tls_name_value_fn by_name, uint16_t *out,
			 struct field_error *fe)
{
	char text[64] = "";
	int rc = get_str(obj, field, false, text, sizeof(text), fe);

	if (rc || !text[0] || tls_value(text, by_name, out))
		return rc;
	return fail(fe, field, "not a known name or a 0x hex value");
}

static int parse_alert(json_t *obj, struct event *ev, struct field_error *fe)
{
	struct ev_tls_alert *a = &ev->alert;
	int from = 0, rc;
	uint16_t level = 0;
	uint64_t code = 0;

	if ((rc = get_enum(obj, "from", true, side_names, &from, fe)) ||
	    (rc = get_tls_value(obj, "level", alert_level_value, &level, fe)) ||
	    (rc = get_str(obj, "description", true, a->description, sizeof(a->description), fe)) ||
	    (rc = get_u64(obj, "code", false, &code, fe)))
		return rc;
	if (code > 255)
		return fail(fe, "code", "out of range");
	if (level > 255)
		return fail(fe, "level", "out of range");
	a->from = from;
	a->level = (uint8_t)level;
	a->code = (int)code;
	return 0;
}

/* Copies an optional string member onto the heap; NULL when absent. */
static int get_strdup(json_t *obj, const char *field, char **out, struct field_error *fe)
{
	json_t *v = json_object_get(obj, field);
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return fail(fe, field, "not a string");
	*out = strdup(json_string_value(v));
	return *out ? 0 : -ENOMEM;
}

static int cert_sans(json_t *cert, char **out, struct field_error *fe)
{
	json_t *sans = json_object_get(cert, "sans"), *san;
	size_t i, len = 1;

	if (!sans || json_is_null(sans))
		return 0;
	if (!json_is_array(sans))
		return fail(fe, "certs[].sans", "not an array");
	json_array_foreach(sans, i, san)
	{
		if (!json_is_string(san))
			return fail(fe, "certs[].sans", "not an array of strings");
		len += json_string_length(san) + 1;
	}
	*out = calloc(1, len);
	if (!*out)
		return -ENOMEM;
	json_array_foreach(sans, i, san)
	{
		if (i)
			strcat(*out, ",");
		strcat(*out, json_string_value(san));
	}
	return 0;
}

static int parse_chain(json_t *obj, struct event *ev, struct field_error *fe)
{
	struct ev_tls_chain *ch = &ev->chain;
	json_t *certs = json_object_get(obj, "certs"), *cert;
	int from = 0, verdict = 0, rc;
	size_t i;

	if ((rc = get_enum(obj, "from", true, side_names, &from, fe)) ||
	    (rc = get_str(obj, "sni", false, ch->sni, sizeof(ch->sni), fe)) ||
	    (rc = get_enum(obj, "verdict", false, verdict_names, &verdict, fe)) ||
	    (rc = get_str(obj, "missing_issuer", false, ch->missing_issuer,
			  sizeof(ch->missing_issuer), fe)) ||
	    (rc = get_str(obj, "verify_error", false, ch->verify_error, sizeof(ch->verify_error),
			  fe)))
		return rc;
	ch->verify_given = has(obj, "verify_error"); /* the wire path's own check */
	ch->from = from;
	ch->verdict = verdict;
	if (!certs || json_is_null(certs))
		return 0;
	if (!json_is_array(certs))
		return fail(fe, "certs", "not an array");
	ch->certs = calloc(json_array_size(certs) + 1, sizeof(*ch->certs));
	if (!ch->certs)
		return -ENOMEM;
	json_array_foreach(certs, i, cert)
	{
		struct ev_cert *c = &ch->certs[i];
		if (!json_is_object(cert))
			return fail(fe, "certs[]", "not an object");
		ch->n_certs = i + 1; /* so event_release frees what was filled */
		if ((rc = get_strdup(cert, "subject", &c->subject, fe)) ||
		    (rc = get_strdup(cert, "issuer", &c->issuer, fe)) ||
		    (rc = cert_sans(cert, &c->sans, fe)) ||
		    (rc = get_strdup(cert, "not_before", &c->not_before, fe)) ||
		    (rc = get_strdup(cert, "not_after", &c->not_after, fe)) ||
		    (rc = get_strdup(cert, "sha256", &c->sha256, fe)))
			return rc;
	}
	return 0;
}

static int parse_sip(json_t *obj, struct event *ev, struct field_error *fe)
{
	struct ev_sip *s = &ev->sip;
	json_t *raw = json_object_get(obj, "raw");
	int dir = 0, transport = 0, source = 0, rc;

	uint64_t total_len = 0;

	if ((rc = get_enum(obj, "dir", true, direction_names, &dir, fe)) ||
	    (rc = get_enum(obj, "transport", false, transport_names, &transport, fe)) ||
	    (rc = get_endpoints(obj, &s->local, &s->remote, false, fe)) ||
	    (rc = get_tunnel(obj, &s->tunnel, fe)) || (rc = get_libssl(obj, &s->libssl, fe)) ||
	    (rc = get_enum(obj, "source", false, source_names, &source, fe)) ||
	    (rc = get_u64(obj, "total_len", false, &total_len, fe)) ||
	    (rc = get_bool(obj, "truncated", false, &s->truncated, fe)))
		return rc;
	if (!raw)
		return fail(fe, "raw", "missing");
	/* null: libssl plaintext that was not UTF-8; the message is kept without its text */
	if (!json_is_string(raw) && !json_is_null(raw))
		return fail(fe, "raw", "not a string");
	s->dir = dir;
	s->decrypted = source == SOURCE_DECRYPTED;
	s->transport = transport ? transport : (ev->conn ? TRANSPORT_TCP : TRANSPORT_UDP);
	s->total_len = total_len;
	s->raw_len = json_string_length(raw);
	s->raw = malloc(s->raw_len + 1);
	if (!s->raw)
		return -ENOMEM;
	memcpy(s->raw, json_is_string(raw) ? json_string_value(raw) : "", s->raw_len + 1);
	return 0;
}

static int parse_lost(json_t *obj, struct event *ev, struct field_error *fe)
{
	struct ev_lost *l = &ev->lost;
	int rc;

	for (size_t i = 0; i < lost_counters_count; i++) {
		const struct lost_counter *c = &lost_counters[i];
		if ((rc = get_u64(obj, c->field, false, (uint64_t *)((char *)l + c->offset), fe)))
			return rc;
		/* what `siptrail live` adds, and the wire path's when it ran */
		l->detailed |= c->group == LOST_DETAILED && has(obj, c->field);
		l->wire |= c->group == LOST_WIRE && has(obj, c->field);
	}
	return 0;
}

static int parse_hello(json_t *obj, struct event *ev, struct field_error *fe)
{
	struct ev_tls_hello *h = &ev->hello;
	json_t *offered = json_object_get(obj, "offered_versions"), *version;
	int role = 0, rc;
	size_t i;

	if ((rc = get_enum(obj, "role", true, role_names, &role, fe)) ||
	    (rc = get_str(obj, "sni", false, h->sni, sizeof(h->sni), fe)) ||
	    (rc = get_tls_value(obj, "version", tls_version_value, &h->version, fe)) ||
	    (rc = get_tls_value(obj, "cipher", tls_cipher_suite_value, &h->cipher_suite, fe)) ||
	    (rc = get_bool(obj, "hello_retry", false, &h->hello_retry, fe)))
		return rc;
	h->client = role == 1;
	h->server_hello_seen = json_is_string(json_object_get(obj, "version"));
	if (!offered || json_is_null(offered))
		return 0;
	if (!json_is_array(offered) || json_array_size(offered) > EV_MAX_OFFERED_VERSIONS)
		return fail(fe, "offered_versions", "not an array of at most 16 versions");
	json_array_foreach(offered, i, version)
	{
		if (!json_is_string(version) ||
		    !tls_value(json_string_value(version), tls_version_value, &h->offered[i]))
			return fail(fe, "offered_versions", "not an array of TLS versions");
	}
	h->n_offered = json_array_size(offered);
	return 0;
}

/* An RFC 3339 UTC time as epoch_rfc3339 writes it; absent or null leaves *out untouched. */
static int get_epoch(json_t *obj, const char *field, int64_t *out, struct field_error *fe)
{
	char text[32] = "";
	int rc = get_str(obj, field, false, text, sizeof(text), fe);

	if (rc || !text[0])
		return rc;
	return rfc3339_epoch(text, out) ? 0 : fail(fe, field, "not an RFC 3339 UTC time");
}

static int parse_leaf_changed(json_t *obj, struct event *ev, struct field_error *fe)
{
	struct ev_tls_leaf_changed *l = &ev->leaf;
	int from = 0, rc;

	if ((rc = get_enum(obj, "from", true, side_names, &from, fe)) ||
	    (rc = get_addr(obj, "peer", true, &l->peer.addr, fe)) ||
	    /* null: a client certificate, known by its address alone */
	    (rc = get_port(obj, "peer_port", false, &l->peer.port, fe)) ||
	    (rc = get_str(obj, "sni", false, l->sni, sizeof(l->sni), fe)) ||
	    (rc = get_str(obj, "old", true, l->old_sha256, sizeof(l->old_sha256), fe)) ||
	    (rc = get_str(obj, "new", true, l->new_sha256, sizeof(l->new_sha256), fe)) ||
	    (rc = get_strdup(obj, "old_subject", &l->old_subject, fe)) ||
	    (rc = get_strdup(obj, "new_subject", &l->new_subject, fe)) ||
	    (rc = get_epoch(obj, "old_not_after", &l->old_not_after, fe)) ||
	    (rc = get_epoch(obj, "new_not_after", &l->new_not_after, fe)))
		return rc;
	l->from = from;
	return 0;
}

static const struct {
	const char *name;
	enum event_kind kind;
	bool needs_conn;
	int (*parse)(json_t *obj, struct event *ev, struct field_error *fe);
} parsers[] = {
    {"conn_open", EV_CONN_OPEN, true, parse_conn},
    {"conn_close", EV_CONN_CLOSE, true, parse_conn},
    {"conn_end", EV_CONN_END, true, parse_conn},
    {"tls_handshake", EV_TLS_HANDSHAKE, true, parse_handshake},
    {"tls_alert", EV_TLS_ALERT, true, parse_alert},
    {"tls_chain", EV_TLS_CHAIN, true, parse_chain},
    {"sip", EV_SIP, false, parse_sip},
    {"lost", EV_LOST, false, parse_lost},
    {"tls_hello", EV_TLS_HELLO, true, parse_hello},
    {"tls_leaf_changed", EV_TLS_LEAF_CHANGED, true, parse_leaf_changed},
};

int journal_parse_json(json_t *obj, struct event *ev, char *err, size_t err_len)
{
	struct field_error fe = {err, err_len};
	char name[32] = "";
	int rc;

	memset(ev, 0, sizeof(*ev));
	if (!json_is_object(obj)) {
		snprintf(err, err_len, "not a JSON object");
		return -EINVAL;
	}
	if ((rc = get_str(obj, "event", true, name, sizeof(name), &fe)) ||
	    (rc = get_u64(obj, "ts_ns", true, &ev->ts_ns, &fe)))
		goto out;
	rc = -EINVAL;
	for (size_t i = 0; i < sizeof(parsers) / sizeof(parsers[0]); i++) {
		if (strcmp(parsers[i].name, name))
			continue;
		ev->kind = parsers[i].kind;
		rc = get_u64(obj, "conn", parsers[i].needs_conn, &ev->conn, &fe);
		if (!rc)
			rc = parsers[i].parse(obj, ev, &fe);
		/* 0 is no connection: only the libssl probe writes it (a socket it did not find) */
		if (!rc && parsers[i].needs_conn && !event_has_conn(ev))
			rc = fail(&fe, "conn", "0 is no connection");
		goto out;
	}
	snprintf(err, err_len, "field 'event': unknown event '%s'", name);
out:
	if (rc) {
		if (rc == -ENOMEM)
			snprintf(err, err_len, "out of memory");
		event_release(ev);
	}
	return rc;
}

int journal_parse_line(const char *line, struct event *ev, char *err, size_t err_len)
{
	json_error_t json_err;
	json_t *obj;
	int rc;

	memset(ev, 0, sizeof(*ev));
	line += strspn(line, " \t\r\n");
	if (!*line)
		return -ENODATA;
	obj = json_loads(line, JSON_REJECT_DUPLICATES, &json_err);
	if (!obj) {
		snprintf(err, err_len, "not JSON: %s (column %d)", json_err.text, json_err.column);
		return -EINVAL;
	}
	rc = journal_parse_json(obj, ev, err, err_len);
	json_decref(obj);
	return rc;
}

/* The next file of a rotated set after FILE.(reader->rotated), the files that vanished
 * meanwhile skipped: a rotated one, or FILE itself (an error when missing). */
static int open_next_file(struct journal_reader *reader)
{
	while (reader->rotated > 0) {
		reader->rotated--;
		if (!reader->rotated)
			break;
		snprintf(reader->rotated_name, strlen(reader->path) + 16, "%s.%u", reader->path,
			 reader->rotated);
		reader->file = compressed_fopen(reader->rotated_name, NULL);
		if (reader->file) {
			reader->name = reader->rotated_name;
			reader->line_no = 0;
			return 0;
		}
		if (errno != ENOENT)
			return -errno;
	}
	reader->name = reader->path;
	reader->line_no = 0;
	reader->file = compressed_fopen(reader->path, NULL); /* a gzip journal is read as it is */
	return reader->file ? 0 : -errno;
}

/* One past the highest N with a FILE.N, 1 when there is none. A failed rotation can leave a
 * gap, so every number up to the most a writer keeps is looked at. */
static unsigned rotated_set_top(const struct journal_reader *reader)
{
	struct stat st;

	for (unsigned n = JOURNAL_KEEP_MAX; n >= 1; n--) {
		snprintf(reader->rotated_name, strlen(reader->path) + 16, "%s.%u", reader->path, n);
		if (!stat(reader->rotated_name, &st) && S_ISREG(st.st_mode))
			return n + 1;
	}
	return 1;
}

int journal_reader_open(struct journal_reader *reader, const char *path, FILE *errors)
{
	int err;

	memset(reader, 0, sizeof(*reader));
	reader->name = path;
	reader->path = path;
	reader->errors = errors;
	if (!strcmp(path, "-")) {
		reader->file = stdin;
		return 0;
	}
	reader->rotated_name = malloc(strlen(path) + 16);
	if (!reader->rotated_name)
		return -ENOMEM;
	reader->owns_file = true;
	reader->rotated = rotated_set_top(reader);
	err = open_next_file(reader);
	if (err)
		journal_reader_close(reader);
	return err;
}

void journal_reader_close(struct journal_reader *reader)
{
	if (reader->owns_file && reader->file)
		fclose(reader->file);
	free(reader->line);
	free(reader->rotated_name);
	reader->line = NULL;
	reader->rotated_name = NULL;
	reader->file = NULL;
}

int journal_read_next(struct journal_reader *reader, struct event *ev)
{
	char err[256];

	for (;;) {
		errno = 0;
		ssize_t n = getline(&reader->line, &reader->line_cap, reader->file);
		if (n < 0 && !errno && !ferror(reader->file) && reader->rotated) {
			int err;

			fclose(reader->file);
			reader->file = NULL;
			if ((err = open_next_file(reader)))
				return err;
			continue;
		}
		if (n < 0)
			return errno ? -errno : ferror(reader->file) ? -EIO : 0;
		reader->line_no++;
		if ((size_t)n != strlen(reader->line)) {
			snprintf(err, sizeof(err), "NUL byte in line");
		} else {
			int rc = journal_parse_line(reader->line, ev, err, sizeof(err));
			if (rc == 0)
				return 1;
			if (rc == -ENODATA)
				continue;
		}
		reader->bad_lines++;
		if (reader->errors)
			fprintf(reader->errors, "%s:%lu: %s; line skipped\n", reader->name,
				reader->line_no, err);
	}
}
