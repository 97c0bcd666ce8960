/*
 * The few fields of a SIP message that outlive its parse (the correlator keeps them), copied
 * out of the decoder's views (sip_message.h) so they outlive the parser's scratch too. A source
 * that parsed a message to frame it hands these on with the event (struct ev_sip's fields), so
 * the message is parsed once on its way; sip_fields_decode() is for text that came without
 * them (a journal).
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

struct sip_fields {
	/* false: the message could not be decoded; error says why (code SIP_PROBLEM_NONE when it
	 * was cut short) and no other field is set */
	bool decoded;
	bool is_request;
	enum sip_method method; /* requests: the method; responses: the CSeq method */
	uint16_t status;	/* responses */
	uint32_t cseq;
	char call_id[SIP_CALL_ID_LEN];
	char from_tag[SIP_TAG_LEN], to_tag[SIP_TAG_LEN];
	char branch[SIP_BRANCH_LEN]; /* topmost Via */
	bool has_session_expires;
	uint32_t session_expires_s;
	enum sip_refresher refresher;
	bool has_min_se;
	uint32_t min_se_s;
	unsigned option_flags; /* enum sip_option_flag */
	char reason[SIP_REASON_LEN];
	/* the first rule the message breaks yet was decoded despite (sip_message.h's warnings),
	 * code SIP_PROBLEM_NONE when none; warnings: how many */
	struct sip_problem warning;
	unsigned warnings;
	struct sip_problem error; /* not decoded: the decoder's error */
};

/*
 * The fields of a framed message: MSG as sip_message_parse() left it when it answered
 * SIP_PARSE_OK, or SIP_PARSE_INVALID with the message framed (msg->length > 0; what the framer
 * hands on as a SIP_FRAME_MESSAGE). Returns 0, or -EINVAL when it was not decoded.
 */
int sip_fields_from_message(const struct sip_message *msg, struct sip_fields *fields);

/* The same into a new allocation (freed with free()); NULL when out of memory. */
struct sip_fields *sip_fields_new(const struct sip_message *msg);

/* Why FIELDS were not decoded, in words ("invalid SIP message at byte 12: ..."). */
void sip_fields_error_text(const struct sip_fields *fields, char *err, size_t err_len);

/*
 * Decodes RAW with the project's SIP decoder. DATAGRAM: the text came whole (UDP, SCTP,
 * WebSocket), else from a byte stream. Returns 0, or -EINVAL with the decoder's problem
 * description in ERR (fields->decoded false).
 */
int sip_fields_decode(const char *raw, size_t len, bool datagram, struct sip_fields *fields,
		      char *err, size_t err_len);

/* The same, parsing into MSG (the caller's, kept across messages: no allocation per message). */
int sip_fields_decode_in(struct sip_message *msg, const char *raw, size_t len, bool datagram,
			 struct sip_fields *fields, char *err, size_t err_len);

#endif
