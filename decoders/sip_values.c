/* Header values: Via, name-addr lists, CSeq, session timers, option tags, Reason (RFC 3261
 * §20 and §25.1, RFC 4028, RFC 3326, RFC 3581, RFC 5923). Every function reads a view of the
 * caller's bytes and stores views; nothing is copied. */
#include <string.h>

#include "sip_scan.h"
#include "sip_uri.h"
#include "sip_values.h"

static const char *view_end(struct sip_view value)
{
	return value.ptr + value.len;
}

/* After one element of a comma-separated list: true and *pp past the comma when another
 * element follows, false at the end; a stray byte is a warning and ends the list. */
static bool next_list_element(struct sip_parse_ctx *ctx, const char **pp, const char *end,
			      enum sip_problem_code code)
{
	const char *p = sip_skip_lws(*pp, end);

	if (p == end)
		return false;
	if (*p != ',') {
		sip_report(ctx, code, p);
		return false;
	}
	*pp = p + 1;
	return true;
}

/* Stores one entry of a bounded list, or warns once that the list is full. */
static bool list_slot(struct sip_parse_ctx *ctx, unsigned *count, unsigned max,
		      enum sip_problem_code code, const char *at)
{
	if (*count < max)
		return true;
	sip_report_once(ctx, code, at);
	return false;
}

/* sent-protocol = protocol-name SLASH protocol-version SLASH transport (§20.42) */
static const char *parse_sent_protocol(const char *p, const char *end, struct sip_view *transport)
{
	for (int part = 0; part < 3; part++) {
		p = sip_skip_lws(p, end);
		if (part > 0) {
			if (p == end || *p != '/')
				return NULL;
			p = sip_skip_lws(p + 1, end);
		}
		const char *token = p;
		p = sip_skip_token(p, end);
		if (p == token)
			return NULL;
		*transport = sip_view_of(token, p);
	}
	return p;
}

static struct sip_view strip_brackets(struct sip_view value)
{
	if (value.len >= 2 && value.ptr[0] == '[' && value.ptr[value.len - 1] == ']')
		return sip_view_of(value.ptr + 1, value.ptr + value.len - 1);
	return value;
}

/* via-params after sent-by: branch, received, rport (RFC 3581), alias (RFC 5923). */
static const char *parse_via_params(struct sip_parse_ctx *ctx, const char *p, const char *end,
				    struct sip_via *via)
{
	struct sip_param param;
	enum sip_param_result result;

	while ((result = sip_next_param(&p, end, &param)) == SIP_PARAM_FOUND) {
		if (SIP_VIEW_IS(param.name, "branch")) {
			via->branch = param.value;
		} else if (SIP_VIEW_IS(param.name, "received")) {
			/* RFC 5118 §4.5: accept the IPv6 address with or without brackets. */
			via->received = strip_brackets(param.value);
		} else if (SIP_VIEW_IS(param.name, "rport")) {
			uint64_t port = 0;
			via->has_rport = true;
			if (param.has_value && param.value.len > 0 &&
			    !sip_parse_uint(param.value, 65535, &port))
				sip_report(ctx, SIP_WARN_VIA_PORT, param.value.ptr);
			via->rport = (uint16_t)port;
		} else if (SIP_VIEW_IS(param.name, "alias")) {
			via->has_alias = true;
		}
	}
	if (result == SIP_PARAM_MALFORMED) {
		sip_report(ctx, SIP_WARN_VIA, p);
		return NULL;
	}
	return p;
}

void sip_parse_via(struct sip_parse_ctx *ctx, struct sip_view value)
{
	struct sip_message *msg = ctx->msg;
	const char *p = value.ptr, *end = view_end(value);

	do {
		struct sip_via via = {0};
		struct sip_hostport sent_by;
		const char *at = sip_skip_lws(p, end);

		p = parse_sent_protocol(at, end, &via.transport);
		if (!p || p == end || !sip_is_lws(*p)) {
			sip_report(ctx, SIP_WARN_VIA, p ? p : at);
			return;
		}
		p = sip_skip_lws(p, end);
		const char *host = p;
		p = sip_hostport_parse(p, end, &sent_by);
		if (!p) {
			sip_report(ctx, SIP_WARN_VIA, host);
			return;
		}
		via.host = sent_by.host;
		via.host_is_ipv6 = sent_by.is_ipv6;
		via.port = sent_by.port;
		p = parse_via_params(ctx, p, end, &via);
		if (!p)
			return;
		if (list_slot(ctx, &msg->via_count, SIP_MAX_VIAS, SIP_WARN_TOO_MANY_VIAS, at))
			msg->via[msg->via_count++] = via;
	} while (next_list_element(ctx, &p, end, SIP_WARN_VIA));
}

/*
 * name-addr / addr-spec (§20.10, §25.1): [display-name] "<" URI ">" or a bare URI whose
 * parameters are then header parameters. Returns the position after the URI, or NULL.
 */
static const char *parse_name_addr(struct sip_parse_ctx *ctx, const char *p, const char *end,
				   struct sip_view *display, struct sip_view *uri)
{
	*display = (struct sip_view){0};
	p = sip_skip_lws(p, end);
	if (p < end && *p == '"') {
		const char *close = sip_skip_quoted(p, end);
		if (!close) {
			sip_report(ctx, SIP_WARN_QUOTED_STRING, p);
			return NULL;
		}
		*display = sip_view_of(p + 1, close - 1);
		p = sip_skip_lws(close, end);
		if (p == end || *p != '<')
			return NULL;
	} else {
		const char *q = p;
		while (q < end && *q != '<' && *q != ':' && *q != ',' && *q != ';' && *q != '"')
			q++;
		if (q < end && *q == '<') {
			*display = sip_view_trim(sip_view_of(p, q));
			p = q;
		}
	}
	if (p < end && *p == '<') {
		const char *close = memchr(p, '>', (size_t)(end - p));
		if (!close)
			return NULL;
		*uri = sip_view_trim(sip_view_of(p + 1, close));
		return uri->len ? close + 1 : NULL;
	}
	const char *start = p;
	while (p < end && !sip_is_lws(*p) && *p != ';' && *p != ',')
		p++;
	*uri = sip_view_of(start, p);
	return p > start ? p : NULL;
}

void sip_parse_from_to(struct sip_parse_ctx *ctx, struct sip_view value, struct sip_name_addr *out)
{
	const char *end = view_end(value);
	struct sip_param param;
	enum sip_param_result result;
	const char *p = parse_name_addr(ctx, value.ptr, end, &out->display, &out->uri);

	if (!p) {
		sip_report(ctx, SIP_WARN_NAME_ADDR, value.ptr);
		return;
	}
	while ((result = sip_next_param(&p, end, &param)) == SIP_PARAM_FOUND)
		if (SIP_VIEW_IS(param.name, "tag"))
			out->tag = param.value;
	if (result == SIP_PARAM_MALFORMED || sip_skip_lws(p, end) != end)
		sip_report(ctx, SIP_WARN_NAME_ADDR, p);
}

void sip_parse_contact(struct sip_parse_ctx *ctx, struct sip_view value)
{
	struct sip_message *msg = ctx->msg;
	const char *p = value.ptr, *end = view_end(value);

	if (value.len == 1 && value.ptr[0] == '*') {
		if (list_slot(ctx, &msg->contact_count, SIP_MAX_CONTACTS,
			      SIP_WARN_TOO_MANY_CONTACTS, p))
			msg->contact[msg->contact_count++] =
			    (struct sip_contact){.expires_s = -1, .is_star = true};
		return;
	}
	do {
		struct sip_contact contact = {.expires_s = -1};
		struct sip_param param;
		enum sip_param_result result;
		const char *at = p;

		p = parse_name_addr(ctx, p, end, &contact.display, &contact.uri);
		if (!p) {
			sip_report(ctx, SIP_WARN_NAME_ADDR, at);
			return;
		}
		while ((result = sip_next_param(&p, end, &param)) == SIP_PARAM_FOUND) {
			uint64_t expires_s;
			if (!SIP_VIEW_IS(param.name, "expires"))
				continue;
			if (sip_parse_uint(param.value, UINT32_MAX, &expires_s))
				contact.expires_s = (int64_t)expires_s;
			else
				sip_report(ctx, SIP_WARN_NUMBER, param.value.ptr);
		}
		if (result == SIP_PARAM_MALFORMED) {
			sip_report(ctx, SIP_WARN_NAME_ADDR, p);
			return;
		}
		contact.transport = sip_uri_param(contact.uri, "transport");
		if (list_slot(ctx, &msg->contact_count, SIP_MAX_CONTACTS,
			      SIP_WARN_TOO_MANY_CONTACTS, at))
			msg->contact[msg->contact_count++] = contact;
	} while (next_list_element(ctx, &p, end, SIP_WARN_NAME_ADDR));
}

void sip_parse_routes(struct sip_parse_ctx *ctx, struct sip_view value, struct sip_view *routes,
		      unsigned *count)
{
	const char *p = value.ptr, *end = view_end(value);

	do {
		struct sip_view display, uri;
		struct sip_param param;
		enum sip_param_result result;
		const char *at = sip_skip_lws(p, end);

		/* rec-route / route = name-addr: the URI is always in angle brackets (§20.30). */
		p = parse_name_addr(ctx, at, end, &display, &uri);
		if (!p || at == end || uri.ptr == at) {
			sip_report(ctx, SIP_WARN_NAME_ADDR, at);
			return;
		}
		while ((result = sip_next_param(&p, end, &param)) == SIP_PARAM_FOUND)
			;
		if (result == SIP_PARAM_MALFORMED) {
			sip_report(ctx, SIP_WARN_NAME_ADDR, p);
			return;
		}
		if (list_slot(ctx, count, SIP_MAX_ROUTES, SIP_WARN_TOO_MANY_ROUTES, at))
			routes[(*count)++] = uri;
	} while (next_list_element(ctx, &p, end, SIP_WARN_NAME_ADDR));
}

void sip_parse_option_tags(struct sip_parse_ctx *ctx, struct sip_view value, struct sip_view *tags,
			   unsigned *count, unsigned timer_flag)
{
	const char *p = value.ptr, *end = view_end(value);

	/* Supported may be empty (§20.37); an empty list is fine. */
	if (value.len == 0)
		return;
	do {
		p = sip_skip_lws(p, end);
		const char *tag = p;
		p = sip_skip_token(p, end);
		if (p == tag) {
			sip_report(ctx, SIP_WARN_OPTION_TAG, tag);
			return;
		}
		struct sip_view option = sip_view_of(tag, p);
		if (SIP_VIEW_IS(option, "timer"))
			ctx->msg->option_flags |= timer_flag;
		if (list_slot(ctx, count, SIP_MAX_OPTION_TAGS, SIP_WARN_TOO_MANY_OPTION_TAGS, tag))
			tags[(*count)++] = option;
	} while (next_list_element(ctx, &p, end, SIP_WARN_OPTION_TAG));
}

/* delta-seconds at the start of value: 1*DIGIT up to 2^32-1; returns the byte after it. */
static const char *parse_delta_seconds(const char *p, const char *end, uint32_t *seconds_out)
{
	const char *digits = p;
	uint64_t seconds;

	while (p < end && sip_is_digit(*p))
		p++;
	if (!sip_parse_uint(sip_view_of(digits, p), UINT32_MAX, &seconds))
		return NULL;
	*seconds_out = (uint32_t)seconds;
	return p;
}

/* Session-Expires = delta-seconds *(SEMI se-params), refresher = "uac" / "uas" (RFC 4028 §4) */
void sip_parse_session_expires(struct sip_parse_ctx *ctx, struct sip_view value)
{
	struct sip_message *msg = ctx->msg;
	const char *end = view_end(value);
	struct sip_param param;
	enum sip_param_result result;
	uint32_t seconds;
	const char *p = parse_delta_seconds(value.ptr, end, &seconds);

	if (!p) {
		sip_report(ctx, SIP_WARN_SESSION_EXPIRES, value.ptr);
		return;
	}
	msg->has_session_expires = true;
	msg->session_expires_s = seconds;
	while ((result = sip_next_param(&p, end, &param)) == SIP_PARAM_FOUND) {
		if (!SIP_VIEW_IS(param.name, "refresher"))
			continue;
		msg->refresher_value = param.value;
		if (SIP_VIEW_IS(param.value, "uac")) {
			msg->refresher = SIP_REFRESHER_UAC;
		} else if (SIP_VIEW_IS(param.value, "uas")) {
			msg->refresher = SIP_REFRESHER_UAS;
		} else {
			msg->refresher = SIP_REFRESHER_OTHER;
			sip_report(ctx, SIP_WARN_REFRESHER, param.name.ptr);
		}
	}
	if (result == SIP_PARAM_MALFORMED || p != end)
		sip_report(ctx, SIP_WARN_SESSION_EXPIRES, p);
}

/* Min-SE = delta-seconds *(SEMI generic-param) (RFC 4028 §5) */
void sip_parse_min_se(struct sip_parse_ctx *ctx, struct sip_view value)
{
	const char *end = view_end(value);
	struct sip_param param;
	uint32_t seconds;
	const char *p = parse_delta_seconds(value.ptr, end, &seconds);

	if (!p) {
		sip_report(ctx, SIP_WARN_MIN_SE, value.ptr);
		return;
	}
	ctx->msg->has_min_se = true;
	ctx->msg->min_se_s = seconds;
	while (sip_next_param(&p, end, &param) == SIP_PARAM_FOUND)
		;
	if (p != end)
		sip_report(ctx, SIP_WARN_MIN_SE, p);
}

/* Reason = protocol *(SEMI reason-params); cause = 1*DIGIT, text = quoted-string (RFC 3326).
 * Only the first reason value is kept; others (for other protocols) are left in the view. */
void sip_parse_reason(struct sip_parse_ctx *ctx, struct sip_view value)
{
	struct sip_reason *reason = &ctx->msg->reason;
	const char *p = value.ptr, *end = view_end(value);
	struct sip_param param;
	enum sip_param_result result;

	if (ctx->msg->has_reason)
		return;
	*reason = (struct sip_reason){.value = value, .cause = -1};
	ctx->msg->has_reason = true;
	p = sip_skip_token(p, end);
	if (p == value.ptr) {
		sip_report(ctx, SIP_WARN_REASON, p);
		return;
	}
	reason->protocol = sip_view_of(value.ptr, p);
	while ((result = sip_next_param(&p, end, &param)) == SIP_PARAM_FOUND) {
		uint64_t cause;
		if (SIP_VIEW_IS(param.name, "text")) {
			reason->text = param.value;
		} else if (SIP_VIEW_IS(param.name, "cause")) {
			if (sip_parse_uint(param.value, INT32_MAX, &cause))
				reason->cause = (int32_t)cause;
			else
				sip_report(ctx, SIP_WARN_REASON, param.value.ptr);
		}
	}
	p = sip_skip_lws(p, end);
	if (result == SIP_PARAM_MALFORMED || (p != end && *p != ','))
		sip_report(ctx, SIP_WARN_REASON, p);
}

/* CSeq = 1*DIGIT LWS Method (§20.16); the number is below 2^31 (§8.1.1.5). */
void sip_parse_cseq(struct sip_parse_ctx *ctx, struct sip_view value)
{
	struct sip_message *msg = ctx->msg;
	const char *p = value.ptr, *end = view_end(value);
	uint64_t seq = 0;

	/* the digits read once; past INT32_MAX the number stops growing, so cannot wrap */
	for (; p < end && sip_is_digit(*p); p++)
		if (seq <= INT32_MAX)
			seq = seq * 10 + (uint64_t)(*p - '0');
	const char *method = sip_skip_lws(p, end);
	const char *method_end = sip_skip_token(method, end);
	if (p == value.ptr || seq > INT32_MAX || method == p || method_end == method ||
	    method_end != end) {
		sip_report(ctx, SIP_ERR_CSEQ, value.ptr);
		return;
	}
	msg->has_cseq = true;
	msg->cseq = (uint32_t)seq;
	msg->cseq_method = sip_view_of(method, method_end);
	msg->cseq_method_id = sip_method_lookup(msg->cseq_method);
}

/* Content-Length = 1*DIGIT (§20.14); repeated headers must agree, else we cannot frame. */
void sip_parse_content_length(struct sip_parse_ctx *ctx, struct sip_view value)
{
	uint64_t length;

	if (!sip_parse_uint(value, UINT32_MAX, &length)) {
		ctx->bad_content_length = true;
		sip_report(ctx, SIP_ERR_CONTENT_LENGTH, value.ptr);
		return;
	}
	if (ctx->msg->content_length >= 0 && (uint64_t)ctx->msg->content_length != length) {
		ctx->bad_content_length = true;
		sip_report(ctx, SIP_ERR_CONTENT_LENGTH_CONFLICT, value.ptr);
		return;
	}
	ctx->msg->content_length = (int64_t)length;
}

int64_t sip_parse_number_header(struct sip_parse_ctx *ctx, struct sip_view value, uint64_t max)
{
	uint64_t number;

	if (sip_parse_uint(value, max, &number))
		return (int64_t)number;
	sip_report(ctx, SIP_WARN_NUMBER, value.ptr);
	return -1;
}
