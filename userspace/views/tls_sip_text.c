#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>

#include "tls_sip_text.h"

#define NSEC_PER_SEC  1000000000LL
#define NSEC_PER_USEC 1000LL
#define SHA_SHOWN     16 /* hex digits of a fingerprint on a line */

static const char *text_of(const json_t *event, const char *key)
{
	const char *value = json_string_value(json_object_get(event, key));

	return value ? value : "-";
}

static void write_prefix(FILE *out, const json_t *event, const char *label)
{
	json_int_t ts_ns = json_integer_value(json_object_get(event, "ts_ns"));
	json_t *conn = json_object_get(event, "conn");
	time_t seconds = ts_ns / NSEC_PER_SEC;
	struct tm tm;

	if (localtime_r(&seconds, &tm))
		fprintf(out, "%02d:%02d:%02d.%06lld ", tm.tm_hour, tm.tm_min, tm.tm_sec,
			(long long)(ts_ns % NSEC_PER_SEC / NSEC_PER_USEC));
	if (json_is_integer(conn))
		fprintf(out, "%-5s conn=%" JSON_INTEGER_FORMAT, label, json_integer_value(conn));
	else
		fprintf(out, "%-5s conn=-", label);
}

static void write_hello(FILE *out, const json_t *event)
{
	json_t *offered = json_object_get(event, "offered_versions"), *version;
	size_t i;

	write_prefix(out, event, "HELLO");
	fprintf(out, " %s sni=%s offered=", text_of(event, "role"), text_of(event, "sni"));
	json_array_foreach(offered, i, version)
	    fprintf(out, "%s%s", i ? "," : "", json_string_value(version));
	fprintf(out, " selected=%s cipher=%s%s", text_of(event, "version"),
		text_of(event, "cipher"),
		json_is_true(json_object_get(event, "hello_retry")) ? " hello_retry" : "");
}

static void write_alert(FILE *out, const json_t *event)
{
	write_prefix(out, event, "ALERT");
	fprintf(out, " from=%s %s %s (%" JSON_INTEGER_FORMAT ")", text_of(event, "from"),
		text_of(event, "level"), text_of(event, "description"),
		json_integer_value(json_object_get(event, "code")));
}

static void write_chain(FILE *out, const json_t *event)
{
	json_t *certs = json_object_get(event, "certs");
	json_t *leaf = json_array_get(certs, 0);

	write_prefix(out, event, "CHAIN");
	fprintf(out, " from=%s sni=%s certs=%zu verdict=%s", text_of(event, "from"),
		text_of(event, "sni"), json_array_size(certs), text_of(event, "verdict"));
	if (json_is_string(json_object_get(event, "missing_issuer")))
		fprintf(out, " missing_issuer=\"%s\"", text_of(event, "missing_issuer"));
	if (leaf)
		fprintf(out, " leaf=\"%s\" sha256=%.*s", text_of(leaf, "subject"), SHA_SHOWN,
			text_of(leaf, "sha256"));
}

static void write_leaf_changed(FILE *out, const json_t *event)
{
	write_prefix(out, event, "LEAF");
	fprintf(out, " from=%s peer=%s sni=%s changed %.*s -> %.*s (\"%s\" until %s)",
		text_of(event, "from"), text_of(event, "peer"), text_of(event, "sni"), SHA_SHOWN,
		text_of(event, "old"), SHA_SHOWN, text_of(event, "new"),
		text_of(event, "new_subject"), text_of(event, "new_not_after"));
}

static void write_sip(FILE *out, const json_t *event)
{
	const char *raw = text_of(event, "raw");
	int start_line = (int)strcspn(raw, "\r\n");
	const char *laddr = text_of(event, "laddr"), *raddr = text_of(event, "raddr");
	bool v6 = strchr(laddr, ':') != NULL;

	write_prefix(out, event, "SIP");
	fprintf(
	    out, " %s %s %s%s%s:%" JSON_INTEGER_FORMAT " %s %s%s%s:%" JSON_INTEGER_FORMAT " %.*s",
	    text_of(event, "transport"), text_of(event, "dir"), v6 ? "[" : "", laddr, v6 ? "]" : "",
	    json_integer_value(json_object_get(event, "lport")),
	    !strcmp(text_of(event, "dir"), "out") ? "->" : "<-", v6 ? "[" : "", raddr,
	    v6 ? "]" : "", json_integer_value(json_object_get(event, "rport")), start_line, raw);
}

static void write_handshake(FILE *out, const json_t *event)
{
	bool ok = json_is_true(json_object_get(event, "ok"));

	write_prefix(out, event, "TLS");
	fprintf(out, " %s handshake %s in %.1fms", text_of(event, "role"), ok ? "ok" : "FAILED",
		(double)json_integer_value(json_object_get(event, "duration_ns")) / 1e6);
	if (json_is_true(json_object_get(event, "after_handshake")))
		fprintf(out, " (failed after the handshake call returned)");
	if (json_is_string(json_object_get(event, "error")))
		fprintf(out, " error=\"%s\"", text_of(event, "error"));
	if (json_is_string(json_object_get(event, "verify_error")))
		fprintf(out, " verify=\"%s\"", text_of(event, "verify_error"));
}

static const struct {
	const char *name;
	void (*write)(FILE *out, const json_t *event);
} writers[] = {
    {"tls_handshake", write_handshake},
    {"tls_hello", write_hello},
    {"tls_alert", write_alert},
    {"tls_chain", write_chain},
    {"tls_leaf_changed", write_leaf_changed},
    {"sip", write_sip},
};

int tls_sip_text_write(FILE *out, const json_t *event)
{
	const char *name = text_of(event, "event");

	for (size_t i = 0; i < sizeof(writers) / sizeof(writers[0]); i++) {
		if (strcmp(name, writers[i].name))
			continue;
		writers[i].write(out, event);
		return fputc('\n', out) == EOF ? -EIO : 0;
	}
	return -EINVAL;
}
