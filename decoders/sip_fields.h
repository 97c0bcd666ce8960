/*
 * What a parse of a SIP message found that outlives the parse, in two forms:
 * - struct sip_parsed: the parse's answer with its text fields as spans of the message's text
 *   (about 100 bytes, no copy). A source that parsed a message to frame it hands this on with
 *   the event (struct ev_sip's parsed), so the message is parsed once on its way;
 * - struct sip_fields: the same with the text fields copied out (NUL-terminated, bounded), what
 *   the correlator keeps.
 * sip_fields_decode() parses text that came without a parse (a journal).
 */
#ifndef SIPTRAIL_SIP_FIELDS_H
#define SIPTRAIL_SIP_FIELDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sip_message.h"

#define SIP_CALL_ID_LEN 128
#define SIP_TAG_LEN	64
#define SIP_BRANCH_LEN	96
#define SIP_REASON_LEN	96

/* Where a text field lies in the message: from its first byte; len 0 when absent. */
struct sip_span {
	uint32_t offset, len;
};

/* The values both forms share. */
struct sip_values {
	/* false: the message could not be decoded; error says why (code SIP_PROBLEM_NONE when it
	 * was cut short) and no other field is set */
	bool decoded;
	bool is_request;
	enum sip_method method; /* requests: the method; responses: the CSeq method */
	uint16_t status;	/* responses */
	uint32_t cseq;
	bool has_session_expires;
	uint32_t session_expires_s;
	enum sip_refresher refresher;
	bool has_min_se;
	bool subscription_terminated; /* a NOTIFY ending its subscription (sip_message.h) */
	uint32_t min_se_s;
	unsigned option_flags; /* enum sip_option_flag */
	/* the first rule the message breaks yet was decoded despite (sip_message.h's warnings),
	 * code SIP_PROBLEM_NONE when none; warnings: how many */
	struct sip_problem warning;
	unsigned warnings;
	struct sip_problem error; /* not decoded: the decoder's error */
};

struct sip_parsed {
	bool given; /* false: no parse (an event's source parsed nothing) */
	struct sip_values values;
	struct sip_span call_id, from_tag, to_tag, branch, reason; /* branch: topmost Via */
};

struct sip_fields {
	struct sip_values values;
	char call_id[SIP_CALL_ID_LEN];
	char from_tag[SIP_TAG_LEN], to_tag[SIP_TAG_LEN];
	char branch[SIP_BRANCH_LEN]; /* topmost Via */
	char reason[SIP_REASON_LEN];
};

/*
 * PARSED becomes what MSG says of the message at TEXT: MSG as sip_message_parse(TEXT, ...) left
 * it when it answered SIP_PARSE_OK, or SIP_PARSE_INVALID with the message framed
 * (msg->length > 0; what the framer hands on as a SIP_FRAME_MESSAGE).
 */
void sip_parsed_from_message(const struct sip_message *msg, const char *text,
			     struct sip_parsed *parsed);

/* Parses TEXT into MSG (the caller's scratch) and PARSED. DATAGRAM: the text came whole (UDP,
 * SCTP, WebSocket), else from a byte stream. */
void sip_parsed_decode(struct sip_message *msg, const char *text, size_t len, bool datagram,
		       struct sip_parsed *parsed);

/* FIELDS: PARSED's, their text copied out of TEXT (the text that was parsed). */
void sip_fields_from_parsed(const struct sip_parsed *parsed, const char *text,
			    struct sip_fields *fields);

/* Why a message was not decoded, in words ("invalid SIP message at byte 12: ..."). */
void sip_fields_error_text(const struct sip_values *values, char *err, size_t err_len);

/*
 * Decodes RAW with the project's SIP decoder. Returns 0, or -EINVAL with the decoder's problem
 * description in ERR (fields->values.decoded false).
 */
int sip_fields_decode(const char *raw, size_t len, bool datagram, struct sip_fields *fields,
		      char *err, size_t err_len);

/* The same, parsing into MSG (the caller's, kept across messages: no allocation per message). */
int sip_fields_decode_in(struct sip_message *msg, const char *raw, size_t len, bool datagram,
			 struct sip_fields *fields, char *err, size_t err_len);

#endif
