/* SIP message parser: start line, header lines with folding, framing of the body (RFC 3261 §7,
 * §18.3, §20, §25). Value parsing lives in sip_values.c. */
#include <string.h>

#include "sip_scan.h"
#include "sip_uri.h"
#include "sip_values.h"

void sip_report(struct sip_parse_ctx *ctx, enum sip_problem_code code, const char *at)
{
	struct sip_message *msg = ctx->msg;
	struct sip_problem problem = {.code = code, .offset = (uint32_t)(at - ctx->base)};

	if (sip_problem_is_error(code)) {
		if (msg->error.code == SIP_PROBLEM_NONE)
			msg->error = problem;
		return;
	}
	if (msg->warning_count < SIP_MAX_PROBLEMS)
		msg->warnings[msg->warning_count++] = problem;
	else
		msg->warnings_dropped++;
}

void sip_report_once(struct sip_parse_ctx *ctx, enum sip_problem_code code, const char *at)
{
	uint64_t bit = 1ull << code;

	if (ctx->warned_once & bit)
		return;
	ctx->warned_once |= bit;
	sip_report(ctx, code, at);
}

/* Only scalars and counts: arrays are written up to their counts (keeps the hot path free of
 * a 10 KB memset per message). */
static void message_reset(struct sip_message *msg)
{
	msg->kind = SIP_KIND_REQUEST;
	msg->length = 0;
	msg->header_len = 0;
	msg->method = (struct sip_view){0};
	msg->method_id = SIP_METHOD_UNKNOWN;
	msg->ruri = (struct sip_view){0};
	msg->status = 0;
	msg->reason_phrase = (struct sip_view){0};
	msg->call_id = (struct sip_view){0};
	msg->has_cseq = false;
	msg->cseq = 0;
	msg->cseq_method = (struct sip_view){0};
	msg->cseq_method_id = SIP_METHOD_UNKNOWN;
	msg->has_from = msg->has_to = false;
	msg->subscription_terminated = false;
	msg->from = msg->to = (struct sip_name_addr){0};
	msg->max_forwards = -1;
	msg->expires_s = -1;
	msg->via_count = msg->contact_count = 0;
	msg->record_route_count = msg->route_count = 0;
	msg->has_session_expires = false;
	msg->session_expires_s = 0;
	msg->refresher = SIP_REFRESHER_NONE;
	msg->refresher_value = (struct sip_view){0};
	msg->has_min_se = false;
	msg->min_se_s = 0;
	msg->supported_count = msg->require_count = 0;
	msg->option_flags = 0;
	msg->has_reason = false;
	msg->content_length = -1;
	msg->content_type = (struct sip_view){0};
	msg->body = (struct sip_view){0};
	msg->header_count = 0;
	msg->error = (struct sip_problem){0};
	msg->warning_count = 0;
	msg->warnings_dropped = 0;
}

enum line_result {
	LINE_OK,
	LINE_INCOMPLETE,
	LINE_NUL,
};

/*
 * One logical line from p: *content_end is where its text ends (the CR or LF of the last
 * physical line), *next the first byte after its line break. With fold, lines that continue
 * with SP/HT are part of it (§7.3.1), which needs one byte of lookahead after the LF. Inlined:
 * it runs for every header line, and its results then stay in registers.
 */
static inline __attribute__((always_inline)) enum line_result
scan_line(struct sip_parse_ctx *ctx, const char *p, const char *end, bool fold,
	  const char **content_end, const char **next)
{
	for (;;) {
		const char *eol, *after;

		p = sip_find_ctl(p, end);
		if (p == end)
			return LINE_INCOMPLETE;
		if (*p == '\r' && p + 1 < end && p[1] == '\n') {
			eol = p;
			after = p + 2;
		} else if (*p == '\n') {
			sip_report_once(ctx, SIP_WARN_BARE_LF, p);
			eol = p;
			after = p + 1;
		} else if (*p == '\r' && p + 1 == end) {
			return LINE_INCOMPLETE;
		} else if (*p == '\0') {
			sip_report(ctx, SIP_ERR_NUL_BYTE, p);
			return LINE_NUL;
		} else {
			sip_report(ctx, SIP_WARN_CONTROL_BYTE, p);
			p++;
			continue;
		}
		if (fold) {
			if (after == end)
				return LINE_INCOMPLETE;
			if (sip_is_wsp(*after)) {
				p = after;
				continue;
			}
		}
		*content_end = eol;
		*next = after;
		return LINE_OK;
	}
}

/* SIP-Version is case-insensitive (§7.1). Two overlapping 4-byte words: OR 0x20 on the three
 * letters only folds exactly S, I and P, and "/2.0" is compared as it is. */
static bool is_sip_version(const char *p, const char *end)
{
	uint32_t head, tail, want_head, want_tail, fold;

	if (end - p != 7)
		return false;
	memcpy(&head, p, 4);
	memcpy(&tail, p + 3, 4);
	memcpy(&want_head, "sip/", 4);
	memcpy(&want_tail, "/2.0", 4);
	memcpy(&fold, "\x20\x20\x20\x00", 4);
	return (head | fold) == want_head && tail == want_tail;
}

/* Past the SP that should follow a start line part at P: one SP is the rule (§7.1, §7.2);
 * more, or tabs, are skipped with a warning at P. Returns P itself when there is none. */
static const char *skip_separator(struct sip_parse_ctx *ctx, const char *p, const char *end)
{
	const char *q = p;

	while (q < end && sip_is_wsp(*q))
		q++;
	if (q - p > 1 || (q > p && *p != ' '))
		sip_report(ctx, SIP_WARN_START_LINE_SPACE, p);
	return q;
}

/* The start line's end without trailing whitespace (a warning when there was some). */
static const char *trim_line_end(struct sip_parse_ctx *ctx, const char *p, const char *end)
{
	const char *e = end;

	while (e > p && sip_is_wsp(e[-1]))
		e--;
	if (e < end)
		sip_report(ctx, SIP_WARN_START_LINE_SPACE, e);
	return e;
}

/* Status-Line = SIP-Version SP Status-Code SP Reason-Phrase (§7.2) */
static bool parse_status_line(struct sip_parse_ctx *ctx, const char *p, const char *end)
{
	struct sip_message *msg = ctx->msg;
	const char *version = p;

	msg->kind = SIP_KIND_RESPONSE;
	while (p < end && !sip_is_wsp(*p))
		p++;
	if (p == end || !is_sip_version(version, p)) {
		sip_report(ctx, SIP_ERR_VERSION, version);
		return false;
	}
	p = skip_separator(ctx, p, end);
	if (end - p < 3 || !sip_is_digit(p[0]) || !sip_is_digit(p[1]) || !sip_is_digit(p[2]) ||
	    (end - p > 3 && !sip_is_wsp(p[3])) || p[0] < '1' || p[0] > '6') {
		sip_report(ctx, SIP_ERR_STATUS_CODE, p);
		return false;
	}
	msg->status = (uint16_t)((p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0'));
	p += 3;
	/* The Reason-Phrase may be empty; tolerate a missing SP before the line end. */
	if (p < end)
		p = skip_separator(ctx, p, end);
	msg->reason_phrase = sip_view_of(p, p < end ? trim_line_end(ctx, p, end) : p);
	return true;
}

/* Request-Line = Method SP Request-URI SP SIP-Version (§7.1). The version is the last part,
 * so a Request-URI is whatever lies between the method and it. */
static bool parse_request_line(struct sip_parse_ctx *ctx, const char *p, const char *end)
{
	struct sip_message *msg = ctx->msg;
	const char *method = p, *uri, *uri_end, *version;

	msg->kind = SIP_KIND_REQUEST;
	p = sip_skip_token(p, end);
	if (p == method) {
		sip_report(ctx, SIP_ERR_START_LINE, method);
		return false;
	}
	if (p == end || !sip_is_wsp(*p)) {
		sip_report(ctx, p == end ? SIP_ERR_START_LINE : SIP_ERR_METHOD, p);
		return false;
	}
	msg->method = sip_view_of(method, p);
	msg->method_id = sip_method_lookup(msg->method);
	uri = skip_separator(ctx, p, end);
	end = trim_line_end(ctx, uri, end);
	/* The usual line ends in " SIP/2.0": found without walking back over it. */
	if (end - uri > 7 && sip_is_wsp(end[-8]) && is_sip_version(end - 7, end)) {
		version = end - 7;
	} else {
		version = end;
		while (version > uri && !sip_is_wsp(version[-1]))
			version--;
	}
	if (version == uri) {
		sip_report(ctx, SIP_ERR_START_LINE, end);
		return false;
	}
	uri_end = version - 1;
	while (uri_end > uri && sip_is_wsp(uri_end[-1]))
		uri_end--;
	if (version - uri_end > 1 || *uri_end != ' ')
		sip_report(ctx, SIP_WARN_START_LINE_SPACE, uri_end);
	msg->ruri = sip_view_of(uri, uri_end);
	if (!is_sip_version(version, end)) {
		sip_report(ctx, SIP_ERR_VERSION, version);
		return false;
	}
	/* Taken as written: the message still names its dialog and transaction. */
	if (!sip_uri_valid(msg->ruri))
		sip_report(ctx, SIP_WARN_REQUEST_URI, uri);
	return true;
}

static bool parse_start_line(struct sip_parse_ctx *ctx, const char *p, const char *end)
{
	if (end - p >= 4 && sip_lower(p[0]) == 's' && sip_lower(p[1]) == 'i' &&
	    sip_lower(p[2]) == 'p' && p[3] == '/')
		return parse_status_line(ctx, p, end);
	return parse_request_line(ctx, p, end);
}

/* Marks a single-valued header as seen; false (and a warning) when it was already. */
static bool first_of(struct sip_parse_ctx *ctx, bool *seen, const char *at)
{
	if (*seen) {
		sip_report(ctx, SIP_WARN_DUPLICATE_HEADER, at);
		return false;
	}
	*seen = true;
	return true;
}

static void interpret_header(struct sip_parse_ctx *ctx, enum sip_header_id id, struct sip_view name,
			     struct sip_view value)
{
	struct sip_message *msg = ctx->msg;
	bool seen;

	switch (id) {
	case SIP_HDR_VIA:
		sip_parse_via(ctx, value);
		break;
	case SIP_HDR_CALL_ID:
		seen = msg->call_id.ptr != NULL;
		if (!first_of(ctx, &seen, name.ptr))
			break;
		msg->call_id = value;
		if (value.len == 0 || sip_find_space_or_ctl(value.ptr, value.ptr + value.len) !=
					  value.ptr + value.len)
			sip_report(ctx, SIP_WARN_CALL_ID, value.ptr);
		break;
	case SIP_HDR_CSEQ:
		seen = msg->has_cseq;
		if (first_of(ctx, &seen, name.ptr))
			sip_parse_cseq(ctx, value);
		break;
	case SIP_HDR_FROM:
		if (first_of(ctx, &msg->has_from, name.ptr))
			sip_parse_from_to(ctx, value, &msg->from);
		break;
	case SIP_HDR_TO:
		if (first_of(ctx, &msg->has_to, name.ptr))
			sip_parse_from_to(ctx, value, &msg->to);
		break;
	case SIP_HDR_CONTACT:
		sip_parse_contact(ctx, value);
		break;
	case SIP_HDR_CONTENT_LENGTH:
		sip_parse_content_length(ctx, value);
		break;
	case SIP_HDR_CONTENT_TYPE:
		msg->content_type = value;
		break;
	case SIP_HDR_SUPPORTED:
		sip_parse_option_tags(ctx, value, msg->supported, &msg->supported_count,
				      SIP_OPT_SUPPORTED_TIMER);
		break;
	case SIP_HDR_REQUIRE:
		sip_parse_option_tags(ctx, value, msg->require, &msg->require_count,
				      SIP_OPT_REQUIRE_TIMER);
		break;
	case SIP_HDR_SESSION_EXPIRES:
		seen = msg->has_session_expires;
		if (first_of(ctx, &seen, name.ptr))
			sip_parse_session_expires(ctx, value);
		break;
	case SIP_HDR_MIN_SE:
		seen = msg->has_min_se;
		if (first_of(ctx, &seen, name.ptr))
			sip_parse_min_se(ctx, value);
		break;
	case SIP_HDR_RECORD_ROUTE:
		sip_parse_routes(ctx, value, msg->record_route, &msg->record_route_count);
		break;
	case SIP_HDR_ROUTE:
		sip_parse_routes(ctx, value, msg->route, &msg->route_count);
		break;
	case SIP_HDR_REASON:
		sip_parse_reason(ctx, value);
		break;
	case SIP_HDR_MAX_FORWARDS:
		seen = msg->max_forwards >= 0;
		if (first_of(ctx, &seen, name.ptr))
			msg->max_forwards = (int32_t)sip_parse_number_header(ctx, value, 255);
		break;
	case SIP_HDR_EXPIRES:
		seen = msg->expires_s >= 0;
		if (first_of(ctx, &seen, name.ptr))
			msg->expires_s = sip_parse_number_header(ctx, value, UINT32_MAX);
		break;
	case SIP_HDR_SUBSCRIPTION_STATE: {
		/* substate-value *( SEMI subexp-params ) (RFC 6665), a token, compared ignoring
		 * case as SIP's tokens are */
		struct sip_view state =
		    sip_view_of(value.ptr, sip_skip_token(value.ptr, value.ptr + value.len));
		msg->subscription_terminated = SIP_VIEW_IS(state, "terminated");
		break;
	}
	default:
		break;
	}
}

/* One header line [p, content_end): name, colon, value (§7.3.1). */
static void parse_header_line(struct sip_parse_ctx *ctx, const char *p, const char *content_end)
{
	struct sip_message *msg = ctx->msg;

	if ((size_t)(content_end - p) > SIP_MAX_LINE_BYTES) {
		sip_report(ctx, SIP_WARN_HEADER_TOO_LONG, p);
		return;
	}
	/* header-name HCOLON: token *(SP / HTAB) ":" (§7.3.1, §25.1) in one pass */
	const char *name_end = sip_skip_token(p, content_end);
	const char *colon = name_end;
	while (colon < content_end && sip_is_wsp(*colon))
		colon++;
	if (colon == content_end || *colon != ':' || name_end == p) {
		bool has_colon = memchr(p, ':', (size_t)(content_end - p)) != NULL;
		sip_report(ctx, has_colon ? SIP_WARN_HEADER_NAME : SIP_WARN_HEADER_NO_COLON, p);
		return;
	}
	struct sip_view name = sip_view_of(p, name_end);
	struct sip_view value = sip_view_trim(sip_view_of(colon + 1, content_end));
	enum sip_header_id id = sip_header_lookup(name.ptr, name.len);

	if (msg->header_count < SIP_MAX_HEADERS)
		msg->headers[msg->header_count++] =
		    (struct sip_header){.id = id, .name = name, .value = value};
	else
		sip_report_once(ctx, SIP_WARN_TOO_MANY_HEADERS, p);
	interpret_header(ctx, id, name, value);
}

/* Headers every request and response needs (§8.1.1): without Call-ID and CSeq there is no
 * transaction to put the message in; the others are warnings. */
static void check_mandatory(struct sip_parse_ctx *ctx, const char *headers_end)
{
	struct sip_message *msg = ctx->msg;

	if (!msg->call_id.ptr)
		sip_report(ctx, SIP_ERR_MISSING_CALL_ID, headers_end);
	if (!msg->has_cseq)
		sip_report(ctx, SIP_ERR_MISSING_CSEQ, headers_end);
	if (!msg->has_from)
		sip_report(ctx, SIP_WARN_MISSING_FROM, headers_end);
	if (!msg->has_to)
		sip_report(ctx, SIP_WARN_MISSING_TO, headers_end);
	if (msg->via_count == 0)
		sip_report(ctx, SIP_WARN_MISSING_VIA, headers_end);
	if (msg->kind != SIP_KIND_REQUEST)
		return;
	if (msg->max_forwards < 0 && !sip_message_header(msg, "Max-Forwards", 0))
		sip_report(ctx, SIP_WARN_MISSING_MAX_FORWARDS, headers_end);
	if (msg->has_cseq && (msg->cseq_method.len != msg->method.len ||
			      memcmp(msg->cseq_method.ptr, msg->method.ptr, msg->method.len)))
		sip_report(ctx, SIP_WARN_CSEQ_METHOD, msg->cseq_method.ptr);
}

/* Body bounds from Content-Length (§18.3, §20.14). */
static enum sip_parse_result frame_body(struct sip_parse_ctx *ctx, const char *body,
					const char *end, enum sip_transport_kind tk)
{
	struct sip_message *msg = ctx->msg;
	size_t available = (size_t)(end - body);

	if (ctx->bad_content_length) {
		msg->length = tk == SIP_PARSE_DATAGRAM ? (size_t)(end - ctx->base) : 0;
		return SIP_PARSE_INVALID;
	}
	if (msg->content_length < 0) {
		if (tk == SIP_PARSE_STREAM) {
			sip_report(ctx, SIP_ERR_CONTENT_LENGTH_MISSING, body);
			available = 0;
		}
		msg->body = sip_view_of(body, body + available);
	} else if ((uint64_t)msg->content_length > available) {
		if (tk == SIP_PARSE_STREAM) {
			msg->length = msg->header_len + (size_t)msg->content_length;
			return SIP_PARSE_INCOMPLETE;
		}
		sip_report(ctx, SIP_ERR_BODY_TRUNCATED, end);
		msg->body = sip_view_of(body, end);
	} else {
		msg->body = sip_view_of(body, body + msg->content_length);
		if (tk == SIP_PARSE_DATAGRAM && (size_t)msg->content_length < available)
			sip_report(ctx, SIP_WARN_TRAILING_BYTES, msg->body.ptr + msg->body.len);
	}
	msg->length =
	    tk == SIP_PARSE_DATAGRAM ? (size_t)(end - ctx->base) : msg->header_len + msg->body.len;
	return SIP_PARSE_OK;
}

enum sip_parse_result sip_message_parse(const char *buf, size_t len, enum sip_transport_kind tk,
					struct sip_message *msg)
{
	struct sip_parse_ctx ctx = {.base = buf, .msg = msg};
	const char *end = buf + len, *content_end, *p;
	enum line_result line;

	message_reset(msg);
	line = scan_line(&ctx, buf, end, false, &content_end, &p);
	if (line == LINE_INCOMPLETE && len <= SIP_MAX_LINE_BYTES) {
		if (tk == SIP_PARSE_STREAM)
			return SIP_PARSE_INCOMPLETE;
		sip_report(&ctx, SIP_ERR_TRUNCATED, end);
		return SIP_PARSE_INVALID;
	}
	/* a NUL ends the line without a content end: already reported */
	if (line == LINE_NUL)
		return SIP_PARSE_INVALID;
	if (line == LINE_INCOMPLETE || (size_t)(content_end - buf) > SIP_MAX_LINE_BYTES) {
		sip_report(&ctx, SIP_ERR_START_LINE_TOO_LONG, buf);
		return SIP_PARSE_INVALID;
	}
	if (!parse_start_line(&ctx, buf, content_end))
		return SIP_PARSE_INVALID;

	for (;;) {
		if ((size_t)(p - buf) > SIP_MAX_HEADER_SECTION_BYTES) {
			sip_report(&ctx, SIP_ERR_HEADERS_TOO_LONG, p);
			return SIP_PARSE_INVALID;
		}
		if (p == end || (*p == '\r' && p + 1 == end))
			break;
		if (*p == '\r' && p[1] == '\n') {
			p += 2;
			goto headers_done;
		}
		if (*p == '\n') {
			sip_report_once(&ctx, SIP_WARN_BARE_LF, p);
			p++;
			goto headers_done;
		}
		const char *line_start = p;
		line = scan_line(&ctx, p, end, true, &content_end, &p);
		if (line == LINE_INCOMPLETE)
			break;
		if (line == LINE_NUL)
			return SIP_PARSE_INVALID;
		parse_header_line(&ctx, line_start, content_end);
	}
	/* The header section has not ended within the buffer. */
	if (len > SIP_MAX_HEADER_SECTION_BYTES) {
		sip_report(&ctx, SIP_ERR_HEADERS_TOO_LONG, end);
		return SIP_PARSE_INVALID;
	}
	if (tk == SIP_PARSE_STREAM)
		return SIP_PARSE_INCOMPLETE;
	/* A datagram must hold the whole header section and its empty line (§7). */
	sip_report(&ctx, SIP_ERR_TRUNCATED, end);
	msg->length = len;
	return SIP_PARSE_INVALID;

headers_done:
	msg->header_len = (size_t)(p - buf);
	enum sip_parse_result result = frame_body(&ctx, p, end, tk);
	if (result != SIP_PARSE_OK)
		return result;
	check_mandatory(&ctx, p);
	return msg->error.code == SIP_PROBLEM_NONE ? SIP_PARSE_OK : SIP_PARSE_INVALID;
}
