#include <errno.h>
#include <stdio.h>
#include <time.h>

#include "wire_tls_json.h"

static json_t *json_string_or_null(const char *text)
{
	return text && *text ? json_string(text) : json_null();
}

/* "0x0305" for a value the IANA name table does not know. */
static json_t *json_tls_name(const char *name, uint16_t value)
{
	char hex[8];

	if (name)
		return json_string(name);
	snprintf(hex, sizeof(hex), "0x%04x", value);
	return json_string(hex);
}

/* RFC 3339 UTC, as the journal writes certificate validity. */
static json_t *json_epoch_time(int64_t epoch_s)
{
	time_t seconds = (time_t)epoch_s;
	char text[32];
	struct tm tm;

	if (!gmtime_r(&seconds, &tm) || !strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", &tm))
		return json_null();
	return json_string(text);
}

json_t *wire_hello_json(const struct wire_hello *hello)
{
	json_t *obj = json_object(), *offered = json_array();
	int err = !obj || !offered;

	for (size_t i = 0; !err && i < hello->offered_count; i++)
		err |= json_array_append_new(
		    offered, json_tls_name(tls_version_name(hello->offered[i]), hello->offered[i]));
	if (!err) {
		err |= json_object_set_new(obj, "sni", json_string_or_null(hello->sni));
		err |= json_object_set(obj, "offered_versions", offered);
		err |= json_object_set_new(
		    obj, "version",
		    hello->server_hello_seen
			? json_tls_name(tls_version_name(hello->version), hello->version)
			: json_null());
		err |= json_object_set_new(
		    obj, "cipher",
		    hello->server_hello_seen
			? json_tls_name(tls_cipher_suite_name(hello->cipher_suite),
					hello->cipher_suite)
			: json_null());
		err |= json_object_set_new(obj, "hello_retry", json_boolean(hello->hello_retry));
	}
	json_decref(offered);
	if (err) {
		json_decref(obj);
		return NULL;
	}
	return obj;
}

json_t *wire_alert_json(uint8_t level, uint8_t description)
{
	return json_pack("{s:o, s:o, s:i}", "level",
			 json_tls_name(tls_alert_level_name(level), level), "description",
			 json_tls_name(tls_alert_name(description), description), "code",
			 description);
}

static json_t *cert_json(const struct tls_cert_info *cert)
{
	json_t *sans = json_array();
	int err = !sans;

	for (size_t i = 0; !err && i < cert->sans_count; i++)
		err |= json_array_append_new(sans, json_string(cert->sans[i]));
	if (err) {
		json_decref(sans);
		return NULL;
	}
	return json_pack("{s:s, s:s, s:o, s:o, s:o, s:s}", "subject", cert->subject, "issuer",
			 cert->issuer, "sans", sans, "not_before",
			 json_epoch_time(cert->not_before), "not_after",
			 json_epoch_time(cert->not_after), "sha256", cert->sha256);
}

json_t *wire_chain_json(const char *sni, const struct tls_cert_info *certs, size_t count,
			const struct tls_chain_result *result)
{
	json_t *list = json_array(), *cert;
	int err = !list;

	for (size_t i = 0; !err && i < count; i++) {
		cert = cert_json(&certs[i]);
		err |= !cert || json_array_append_new(list, cert);
	}
	if (err) {
		json_decref(list);
		return NULL;
	}
	return json_pack("{s:o, s:o, s:s, s:o, s:o}", "sni", json_string_or_null(sni), "certs",
			 list, "verdict", tls_chain_verdict_name(result->verdict), "missing_issuer",
			 json_string_or_null(result->missing_issuer), "verify_error",
			 json_string_or_null(result->verify_error_str));
}

json_t *wire_leaf_changed_json(const char *peer_addr, int peer_port, const char *sni,
			       const struct leaf_seen *before, const struct tls_cert_info *now)
{
	return json_pack("{s:s, s:o, s:o, s:s, s:s, s:s, s:s, s:o, s:o}", "peer", peer_addr,
			 "peer_port", peer_port ? json_integer(peer_port) : json_null(), "sni",
			 json_string_or_null(sni), "old", before->sha256, "new", now->sha256,
			 "old_subject", before->subject, "new_subject", now->subject,
			 "old_not_after", json_epoch_time(before->not_after), "new_not_after",
			 json_epoch_time(now->not_after));
}
