/* Handshake message bodies. Every read goes through a bounds-checked cursor, so a length
 * field that lies makes the parse fail, never read past the body. */
#include "tls_handshake.h"

#include <errno.h>
#include <string.h>

#define EXT_SERVER_NAME	       0
#define EXT_ENCRYPT_THEN_MAC   22
#define EXT_SUPPORTED_VERSIONS 43

struct cursor {
	const uint8_t *p;
	size_t left;
	bool bad;
};

static const uint8_t *take(struct cursor *c, size_t n)
{
	if (c->bad || n > c->left) {
		c->bad = true;
		return NULL;
	}
	const uint8_t *at = c->p;
	c->p += n;
	c->left -= n;
	return at;
}

static uint32_t get_uint(struct cursor *c, size_t bytes)
{
	const uint8_t *p = take(c, bytes);
	uint32_t v = 0;
	for (size_t i = 0; p && i < bytes; i++)
		v = v << 8 | p[i];
	return v;
}

/* A vector with a `bytes`-wide length prefix (RFC 8446 §3.4), as a cursor of its own. */
static struct cursor get_vector(struct cursor *c, size_t bytes)
{
	size_t len = get_uint(c, bytes);
	const uint8_t *p = take(c, len);
	struct cursor inner = {.p = p, .left = p ? len : 0, .bad = !p};
	return inner;
}

/* RFC 8701: GREASE values look like 0x?a?a with both bytes equal. */
static bool is_grease(uint16_t v)
{
	return (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff);
}

static void parse_sni(struct cursor ext, struct tls_client_hello *out)
{
	struct cursor list = get_vector(&ext, 2);
	while (!list.bad && list.left > 0) {
		uint8_t name_type = (uint8_t)get_uint(&list, 1);
		struct cursor name = get_vector(&list, 2);
		if (!name.bad && name_type == 0 && out->sni.len == 0) {
			out->sni.ptr = name.p;
			out->sni.len = name.left;
		}
	}
}

static void parse_offered_versions(struct cursor ext, struct tls_client_hello *out)
{
	struct cursor list = get_vector(&ext, 1);
	out->has_supported_versions = true;
	out->versions_count = 0;
	while (!list.bad && list.left >= 2) {
		uint16_t v = (uint16_t)get_uint(&list, 2);
		if (!is_grease(v) && out->versions_count < TLS_MAX_OFFERED_VERSIONS)
			out->versions[out->versions_count++] = v;
	}
}

int tls_client_hello_parse(const uint8_t *body, size_t len, struct tls_client_hello *out)
{
	struct cursor c = {.p = body, .left = len};
	memset(out, 0, sizeof(*out));
	out->legacy_version = (uint16_t)get_uint(&c, 2);
	out->versions[0] = out->legacy_version;
	out->versions_count = 1;
	const uint8_t *random = take(&c, TLS_HELLO_RANDOM_LEN);
	if (random)
		memcpy(out->random, random, TLS_HELLO_RANDOM_LEN);
	get_vector(&c, 1); /* legacy_session_id */
	struct cursor suites = get_vector(&c, 2);
	out->cipher_suites_count = suites.left / 2;
	get_vector(&c, 1); /* legacy_compression_methods */
	if (c.bad)
		return -EBADMSG;
	if (c.left == 0)
		return 0; /* RFC 5246 §7.4.1.2: extensions are optional before TLS 1.3 */
	struct cursor exts = get_vector(&c, 2);
	while (!exts.bad && exts.left > 0) {
		uint16_t type = (uint16_t)get_uint(&exts, 2);
		struct cursor ext = get_vector(&exts, 2);
		if (ext.bad)
			break;
		if (type == EXT_SERVER_NAME)
			parse_sni(ext, out);
		else if (type == EXT_SUPPORTED_VERSIONS)
			parse_offered_versions(ext, out);
	}
	return c.bad || exts.bad ? -EBADMSG : 0;
}

/* RFC 8446 §4.1.3: SHA-256 of "HelloRetryRequest". */
static const uint8_t hrr_random[32] = {
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
    0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
};

int tls_server_hello_parse(const uint8_t *body, size_t len, struct tls_server_hello *out)
{
	struct cursor c = {.p = body, .left = len};
	memset(out, 0, sizeof(*out));
	out->legacy_version = (uint16_t)get_uint(&c, 2);
	out->version = out->legacy_version;
	const uint8_t *random = take(&c, TLS_HELLO_RANDOM_LEN);
	out->hello_retry_request = random && memcmp(random, hrr_random, 32) == 0;
	if (random)
		memcpy(out->random, random, TLS_HELLO_RANDOM_LEN);
	get_vector(&c, 1); /* legacy_session_id_echo */
	out->cipher_suite = (uint16_t)get_uint(&c, 2);
	take(&c, 1); /* legacy_compression_method */
	if (c.bad)
		return -EBADMSG;
	if (c.left == 0)
		return 0;
	struct cursor exts = get_vector(&c, 2);
	while (!exts.bad && exts.left > 0) {
		uint16_t type = (uint16_t)get_uint(&exts, 2);
		struct cursor ext = get_vector(&exts, 2);
		if (!ext.bad && type == EXT_SUPPORTED_VERSIONS && ext.left == 2)
			out->version = (uint16_t)get_uint(&ext, 2);
		else if (!ext.bad && type == EXT_ENCRYPT_THEN_MAC)
			out->encrypt_then_mac = true;
	}
	return c.bad || exts.bad ? -EBADMSG : 0;
}

int tls_certificate_parse(const uint8_t *body, size_t len, struct tls_certificate_list *out)
{
	struct cursor c = {.p = body, .left = len};
	memset(out, 0, sizeof(*out));
	struct cursor list = get_vector(&c, 3);
	while (!list.bad && list.left > 0) {
		struct cursor cert = get_vector(&list, 3);
		if (cert.bad || cert.left == 0)
			return -EBADMSG;
		if (out->count == TLS_MAX_CERTS) {
			out->truncated = true;
			continue;
		}
		out->certs[out->count].ptr = cert.p;
		out->certs[out->count].len = cert.left;
		out->count++;
	}
	return c.bad || list.bad || c.left != 0 ? -EBADMSG : 0;
}
