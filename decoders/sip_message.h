/*
 * SIP message parser (RFC 3261 §7, §20, §25): one whole message in, a struct of views out.
 *
 * Shaped like picohttpparser: the caller owns the bytes, the parser returns views (pointer +
 * length) into them, never copies and never allocates. "Incomplete" is a result, not an error.
 * Views stay valid as long as the caller's buffer does.
 *
 * A problem that does not stop us understanding the message is a warning on the message:
 * rules real user agents break (an IPv6 Request-URI without brackets, a missing From, To, Via
 * or Max-Forwards, extra whitespace in the start line) are decoded as written. A message we
 * cannot frame, whose start line cannot be read, or that lacks what identifies its
 * transaction (Call-ID, CSeq) is an error. Every problem carries the byte offset (from the
 * first byte of the message) and a code with a fixed description naming the rule.
 */
#ifndef SIPTRAIL_SIP_MESSAGE_H
#define SIPTRAIL_SIP_MESSAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Explicit limits. Exceeding one is reported, never a crash:
 * - a start line longer than SIP_MAX_LINE_BYTES is an error;
 * - a header line (with its folded continuation lines) longer than SIP_MAX_LINE_BYTES is a
 *   warning and the header is ignored;
 * - a header section longer than SIP_MAX_HEADER_SECTION_BYTES is an error (cannot frame);
 * - headers beyond SIP_MAX_HEADERS are still interpreted but not kept in msg->headers;
 * - Via, Route, Record-Route, Contact and option-tag entries beyond their maximum are dropped
 *   with one warning each. */
#define SIP_MAX_LINE_BYTES	     16384
#define SIP_MAX_HEADER_SECTION_BYTES 65536
#define SIP_MAX_HEADERS		     128
#define SIP_MAX_VIAS		     32
#define SIP_MAX_ROUTES		     32
#define SIP_MAX_CONTACTS	     16
#define SIP_MAX_OPTION_TAGS	     16
#define SIP_MAX_PROBLEMS	     16

/* A view into the caller's buffer. ptr is NULL and len 0 when the item is absent. */
struct sip_view {
	const char *ptr;
	size_t len;
};

enum sip_kind {
	SIP_KIND_REQUEST,
	SIP_KIND_RESPONSE,
};

enum sip_method {
	SIP_METHOD_UNKNOWN = 0, /* a valid token we do not know (extension method) */
	SIP_METHOD_INVITE,
	SIP_METHOD_ACK,
	SIP_METHOD_BYE,
	SIP_METHOD_CANCEL,
	SIP_METHOD_OPTIONS,
	SIP_METHOD_REGISTER,
	SIP_METHOD_PRACK,
	SIP_METHOD_SUBSCRIBE,
	SIP_METHOD_NOTIFY,
	SIP_METHOD_PUBLISH,
	SIP_METHOD_INFO,
	SIP_METHOD_REFER,
	SIP_METHOD_MESSAGE,
	SIP_METHOD_UPDATE,
};

/* Headers the parser interprets; everything else is SIP_HDR_OTHER. */
enum sip_header_id {
	SIP_HDR_OTHER = 0,
	SIP_HDR_CALL_ID, /* i */
	SIP_HDR_CSEQ,
	SIP_HDR_FROM,		  /* f */
	SIP_HDR_TO,		  /* t */
	SIP_HDR_VIA,		  /* v */
	SIP_HDR_CONTACT,	  /* m */
	SIP_HDR_CONTENT_LENGTH,	  /* l */
	SIP_HDR_CONTENT_TYPE,	  /* c */
	SIP_HDR_CONTENT_ENCODING, /* e */
	SIP_HDR_SUBJECT,	  /* s */
	SIP_HDR_SUPPORTED,	  /* k */
	SIP_HDR_REQUIRE,
	SIP_HDR_SESSION_EXPIRES, /* x, RFC 4028 */
	SIP_HDR_MIN_SE,		 /* RFC 4028 */
	SIP_HDR_RECORD_ROUTE,
	SIP_HDR_ROUTE,
	SIP_HDR_REASON, /* RFC 3326 */
	SIP_HDR_MAX_FORWARDS,
	SIP_HDR_EXPIRES,
	SIP_HDR_EVENT,		    /* o, RFC 6665 */
	SIP_HDR_ALLOW_EVENTS,	    /* u */
	SIP_HDR_REFER_TO,	    /* r, RFC 3515 */
	SIP_HDR_REFERRED_BY,	    /* b, RFC 3892 */
	SIP_HDR_SUBSCRIPTION_STATE, /* RFC 6665 */
};

/* Problem codes; sip_problem_str() gives the fixed English description. */
enum sip_problem_code {
	SIP_PROBLEM_NONE = 0,
	/* errors */
	SIP_ERR_START_LINE,		 /* neither a request line nor a status line */
	SIP_ERR_METHOD,			 /* method is not a token */
	SIP_ERR_VERSION,		 /* not SIP/2.0 */
	SIP_ERR_STATUS_CODE,		 /* status code is not 3 digits 100-699 */
	SIP_ERR_START_LINE_TOO_LONG,	 /* start line over SIP_MAX_LINE_BYTES */
	SIP_ERR_HEADERS_TOO_LONG,	 /* header section over SIP_MAX_HEADER_SECTION_BYTES */
	SIP_ERR_NUL_BYTE,		 /* NUL byte in the start line or a header */
	SIP_ERR_CONTENT_LENGTH,		 /* Content-Length is not a decimal number */
	SIP_ERR_CONTENT_LENGTH_CONFLICT, /* several Content-Length headers that disagree */
	SIP_ERR_CONTENT_LENGTH_MISSING,	 /* stream transport without Content-Length (§18.3) */
	SIP_ERR_BODY_TRUNCATED,		 /* datagram shorter than Content-Length (§18.3) */
	SIP_ERR_MISSING_CALL_ID,
	SIP_ERR_MISSING_CSEQ,
	SIP_ERR_CSEQ,	   /* CSeq is not "number method" */
	SIP_ERR_TRUNCATED, /* message ends inside its start line, headers or body */
	SIP_ERR_GARBAGE,   /* bytes that do not start a SIP message (framer) */
	SIP_ERR_TOO_BIG,   /* message larger than the stream's maximum (framer) */
	/* warnings */
	SIP_WARN_FIRST,
	SIP_WARN_BARE_LF = SIP_WARN_FIRST, /* line ended by LF without CR */
	SIP_WARN_CONTROL_BYTE,		   /* control byte other than HT in a header */
	SIP_WARN_HEADER_NO_COLON,	   /* header line without ':' (ignored) */
	SIP_WARN_HEADER_NAME,		   /* header name is not a token (ignored) */
	SIP_WARN_HEADER_TOO_LONG,	   /* header over SIP_MAX_LINE_BYTES (ignored) */
	SIP_WARN_TOO_MANY_HEADERS,	   /* over SIP_MAX_HEADERS: not kept in msg->headers */
	SIP_WARN_TOO_MANY_VIAS,
	SIP_WARN_TOO_MANY_ROUTES,
	SIP_WARN_TOO_MANY_CONTACTS,
	SIP_WARN_TOO_MANY_OPTION_TAGS,
	SIP_WARN_DUPLICATE_HEADER,     /* single-valued header repeated; the first is used */
	SIP_WARN_VIA,		       /* Via value malformed */
	SIP_WARN_VIA_PORT,	       /* sent-by or rport port not 0-65535 */
	SIP_WARN_NAME_ADDR,	       /* From/To/Contact/Route value malformed */
	SIP_WARN_QUOTED_STRING,	       /* unterminated quoted string */
	SIP_WARN_CALL_ID,	       /* Call-ID empty or with whitespace */
	SIP_WARN_CSEQ_METHOD,	       /* CSeq method differs from the request method (§8.1.1.5) */
	SIP_WARN_SESSION_EXPIRES,      /* Session-Expires not delta-seconds (RFC 4028 §4) */
	SIP_WARN_REFRESHER,	       /* refresher is not uac or uas (RFC 4028 §4) */
	SIP_WARN_MIN_SE,	       /* Min-SE not delta-seconds (RFC 4028 §5) */
	SIP_WARN_NUMBER,	       /* Max-Forwards, Expires or expires= not a number */
	SIP_WARN_REASON,	       /* Reason malformed (RFC 3326) */
	SIP_WARN_TRAILING_BYTES,       /* datagram has bytes after the Content-Length body */
	SIP_WARN_MISSING_MAX_FORWARDS, /* request without Max-Forwards (§8.1.1.6) */
	SIP_WARN_OPTION_TAG,	       /* Supported/Require entry is not a token */
	SIP_WARN_REQUEST_URI,	       /* Request-URI malformed (incl. IPv6 reference), kept */
	SIP_WARN_START_LINE_SPACE,     /* start line parts not separated by exactly one SP */
	SIP_WARN_MISSING_FROM,
	SIP_WARN_MISSING_TO,
	SIP_WARN_MISSING_VIA,
	SIP_PROBLEM_CODE_COUNT,
};

struct sip_problem {
	enum sip_problem_code code;
	uint32_t offset; /* byte offset from the first byte of the message */
};

/* One header line as received. value excludes leading/trailing LWS; folded continuation
 * lines stay inside the view (CRLF + WSP), which every sub-parser treats as LWS. */
struct sip_header {
	enum sip_header_id id;
	struct sip_view name;
	struct sip_view value;
};

/* From / To (RFC 3261 §20.20, §20.39). display excludes the quotes and keeps escapes. */
struct sip_name_addr {
	struct sip_view display;
	struct sip_view uri;
	struct sip_view tag;
};

/* One via-parm (RFC 3261 §20.42, §18.2.2; RFC 3581 rport; RFC 5923 alias). IPv6 references
 * are given without their brackets (host_is_ipv6 says so), received too. */
struct sip_via {
	struct sip_view transport; /* "UDP", "TCP", "TLS", ... */
	struct sip_view host;
	uint16_t port; /* 0 when absent */
	bool host_is_ipv6;
	bool has_rport; /* rport present, with or without a value */
	uint16_t rport; /* 0 when rport has no value */
	bool has_alias; /* RFC 5923 */
	struct sip_view branch;
	struct sip_view received;
};

/* One Contact entry (RFC 3261 §20.10). */
struct sip_contact {
	struct sip_view display;
	struct sip_view uri;
	struct sip_view transport; /* the URI's transport parameter */
	int64_t expires_s;	   /* the expires header parameter, -1 when absent */
	bool is_star;		   /* "Contact: *" */
};

enum sip_refresher {
	SIP_REFRESHER_NONE = 0, /* parameter absent */
	SIP_REFRESHER_UAC,
	SIP_REFRESHER_UAS,
	SIP_REFRESHER_OTHER, /* present but neither uac nor uas (a warning) */
};

/* Reason (RFC 3326): protocol ;cause= ;text= */
struct sip_reason {
	struct sip_view value; /* the whole first Reason header value */
	struct sip_view protocol;
	int32_t cause; /* -1 when absent */
	struct sip_view text;
};

/* Quick flags for option tags that the correlator cares about. */
enum sip_option_flag {
	SIP_OPT_SUPPORTED_TIMER = 1u << 0, /* Supported: timer (RFC 4028) */
	SIP_OPT_REQUIRE_TIMER = 1u << 1,   /* Require: timer */
};

struct sip_message {
	enum sip_kind kind;
	size_t length;	   /* whole message (start line, headers, body); 0 when not framed */
	size_t header_len; /* start line + headers + the empty line */

	/* start line */
	struct sip_view method; /* requests */
	enum sip_method method_id;
	struct sip_view ruri;	       /* requests */
	uint16_t status;	       /* responses */
	struct sip_view reason_phrase; /* responses */

	struct sip_view call_id;
	bool has_cseq;
	uint32_t cseq;
	struct sip_view cseq_method;
	enum sip_method cseq_method_id;
	bool has_from, has_to;
	/* Subscription-State: terminated (RFC 6665): the NOTIFY ends its subscription */
	bool subscription_terminated;
	struct sip_name_addr from, to;
	int32_t max_forwards; /* -1 when absent */
	int64_t expires_s;    /* Expires header, -1 when absent */

	unsigned via_count;
	struct sip_via via[SIP_MAX_VIAS]; /* in message order: via[0] is the topmost */
	unsigned contact_count;
	struct sip_contact contact[SIP_MAX_CONTACTS];
	unsigned record_route_count;
	struct sip_view record_route[SIP_MAX_ROUTES]; /* URIs, in message order */
	unsigned route_count;
	struct sip_view route[SIP_MAX_ROUTES];

	/* RFC 4028 session timers */
	bool has_session_expires;
	uint32_t session_expires_s;
	enum sip_refresher refresher;
	struct sip_view refresher_value; /* raw refresher parameter value */
	bool has_min_se;
	uint32_t min_se_s;

	unsigned supported_count;
	struct sip_view supported[SIP_MAX_OPTION_TAGS];
	unsigned require_count;
	struct sip_view require[SIP_MAX_OPTION_TAGS];
	unsigned option_flags; /* enum sip_option_flag */

	bool has_reason;
	struct sip_reason reason;

	int64_t content_length; /* -1 when absent */
	struct sip_view content_type;
	struct sip_view body;

	unsigned header_count; /* headers kept in headers[] */
	struct sip_header headers[SIP_MAX_HEADERS];

	struct sip_problem error;  /* code SIP_PROBLEM_NONE when the message is valid */
	unsigned warning_count;	   /* warnings kept */
	unsigned warnings_dropped; /* warnings beyond SIP_MAX_PROBLEMS */
	struct sip_problem warnings[SIP_MAX_PROBLEMS];
};

enum sip_transport_kind {
	/* Stream (TCP, TLS): the body is exactly Content-Length bytes, which is mandatory;
	 * bytes after it belong to the next message (RFC 3261 §18.3). */
	SIP_PARSE_STREAM,
	/* Datagram (UDP): the buffer is the whole message; without Content-Length the body runs
	 * to the end; extra bytes after Content-Length are a warning (§18.3). */
	SIP_PARSE_DATAGRAM,
};

enum sip_parse_result {
	SIP_PARSE_OK,	      /* msg filled; msg->length bytes consumed; warnings possible */
	SIP_PARSE_INCOMPLETE, /* need more bytes (stream only); msg->length is a lower bound
				 of the total when the headers were complete, else 0 */
	SIP_PARSE_INVALID,    /* msg->error says why; msg->length > 0 when the message could
				 still be framed (skip that many bytes), 0 when not */
};

/* Parses the message at buf[0..len). Only the fields of msg up to the arrays' counts are
 * written: arrays beyond their count are left untouched (no full memset on the hot path). */
enum sip_parse_result sip_message_parse(const char *buf, size_t len, enum sip_transport_kind tk,
					struct sip_message *msg);

/* Fixed description of a problem code, e.g. "Content-Length is not a decimal number". */
const char *sip_problem_str(enum sip_problem_code code);
static inline bool sip_problem_is_error(enum sip_problem_code code)
{
	return code != SIP_PROBLEM_NONE && code < SIP_WARN_FIRST;
}

const char *sip_method_str(enum sip_method method); /* "INVITE", or NULL for UNKNOWN */

/* The n-th kept header whose name matches (case-insensitive, compact forms understood:
 * "i" finds Call-ID and vice versa), or NULL. */
const struct sip_header *sip_message_header(const struct sip_message *msg, const char *name,
					    unsigned n);

/* Case-insensitive comparison of a view with a NUL-terminated string. */
bool sip_view_eq_ci(struct sip_view view, const char *str);

#endif
