/* SIP URI checks: hostport with IPv6 references (RFC 3261 §25.1, RFC 5118), URI parameters. */
#include <string.h>

#include "sip_scan.h"
#include "sip_uri.h"

static bool is_hex(char c)
{
	return sip_is_digit(c) || (sip_lower(c) >= 'a' && sip_lower(c) <= 'f');
}

static bool ipv4_valid(const char *p, size_t len)
{
	size_t i = 0;

	for (int octet = 0; octet < 4; octet++) {
		unsigned value = 0, digits = 0;
		if (octet > 0) {
			if (i == len || p[i] != '.')
				return false;
			i++;
		}
		while (i < len && sip_is_digit(p[i]) && digits < 3) {
			value = value * 10 + (unsigned)(p[i++] - '0');
			digits++;
		}
		if (digits == 0 || value > 255)
			return false;
	}
	return i == len;
}

bool sip_ipv6_valid(const char *p, size_t len)
{
	unsigned groups = 0;
	bool compressed = false;
	size_t i = 0;

	if (len >= 2 && p[0] == ':' && p[1] == ':') {
		compressed = true;
		i = 2;
	}
	while (i < len) {
		size_t start = i;
		while (i < len && is_hex(p[i]) && i - start < 4)
			i++;
		if (i < len && p[i] == '.') {
			/* hexpart ":" IPv4address: the dotted quad ends the address */
			if (!ipv4_valid(p + start, len - start))
				return false;
			groups += 2;
			break;
		}
		if (i == start)
			return false;
		groups++;
		if (i == len)
			break;
		if (p[i] != ':')
			return false;
		if (++i == len)
			return false;
		if (p[i] == ':') {
			if (compressed)
				return false;
			compressed = true;
			i++;
		}
	}
	return compressed ? groups <= 7 : groups == 8;
}

/* hostname / IPv4address; '_' is not in the ABNF but common in the wild. A table: every byte of
 * a Via's sent-by and a Request-URI's host goes through it. */
#define H1(c) [(unsigned char)(c)] = 1
static const uint8_t host_char[256] = {
    ['0' ... '9'] = 1, ['a' ... 'z'] = 1, ['A' ... 'Z'] = 1, H1('-'), H1('.'), H1('_'),
};

static bool is_host_char(char c)
{
	return host_char[(unsigned char)c];
}

const char *sip_hostport_parse(const char *p, const char *end, struct sip_hostport *hostport)
{
	*hostport = (struct sip_hostport){0};
	if (p < end && *p == '[') {
		const char *close = memchr(p, ']', (size_t)(end - p));
		if (!close || !sip_ipv6_valid(p + 1, (size_t)(close - p - 1)))
			return NULL;
		hostport->host = sip_view_of(p + 1, close);
		hostport->is_ipv6 = true;
		p = close + 1;
	} else {
		const char *host = p;
		while (p < end && is_host_char(*p))
			p++;
		if (p == host)
			return NULL;
		hostport->host = sip_view_of(host, p);
	}
	if (p < end && *p == ':') {
		const char *digits = ++p;
		uint64_t port;
		while (p < end && sip_is_digit(*p))
			p++;
		if (!sip_parse_uint(sip_view_of(digits, p), 65535, &port))
			return NULL;
		hostport->has_port = true;
		hostport->port = (uint16_t)port;
	}
	return p;
}

/* Start of the hostport of a sip/sips URI, or NULL for other schemes. */
static const char *sip_uri_hostport(struct sip_view uri)
{
	const char *end = uri.ptr + uri.len, *p;

	if (uri.len > 4 && sip_lower(uri.ptr[0]) == 's' && sip_lower(uri.ptr[1]) == 'i' &&
	    sip_lower(uri.ptr[2]) == 'p') {
		if (uri.ptr[3] == ':')
			p = uri.ptr + 4;
		else if (sip_lower(uri.ptr[3]) == 's' && uri.ptr[4] == ':')
			p = uri.ptr + 5;
		else
			return NULL;
		/* '@' appears unescaped only after userinfo (§25.1). */
		const char *at = memchr(p, '@', (size_t)(end - p));
		return at ? at + 1 : p;
	}
	return NULL;
}

bool sip_uri_valid(struct sip_view uri)
{
	const char *end = uri.ptr + uri.len;
	const char *hostport = sip_uri_hostport(uri);
	struct sip_hostport parsed;

	if (hostport) {
		const char *after = sip_hostport_parse(hostport, end, &parsed);
		return after && (after == end || *after == ';' || *after == '?');
	}
	/* absoluteURI: scheme ":" then something (§25.1). */
	size_t i = 0;
	if (uri.len == 0 || !((sip_lower(uri.ptr[0]) >= 'a' && sip_lower(uri.ptr[0]) <= 'z')))
		return false;
	while (i < uri.len && (is_host_char(uri.ptr[i]) || uri.ptr[i] == '+') && uri.ptr[i] != '_')
		i++;
	return i < uri.len && uri.ptr[i] == ':' && i + 1 < uri.len;
}

bool sip_uri_hostport_of(struct sip_view uri, struct sip_hostport *hostport)
{
	const char *start = sip_uri_hostport(uri);

	return start && sip_hostport_parse(start, uri.ptr + uri.len, hostport);
}

struct sip_view sip_uri_param(struct sip_view uri, const char *name)
{
	const char *end = uri.ptr + uri.len;
	const char *hostport = sip_uri_hostport(uri);
	struct sip_hostport parsed;
	struct sip_param param;

	if (!hostport)
		return (struct sip_view){0};
	const char *p = sip_hostport_parse(hostport, end, &parsed);
	if (!p)
		return (struct sip_view){0};
	while (sip_next_param(&p, end, &param) == SIP_PARAM_FOUND)
		if (sip_view_eq_ci(param.name, name))
			return param.value;
	return (struct sip_view){0};
}
