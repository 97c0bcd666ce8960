/*
 * The few fields of a SIP message the correlator keeps, copied out of the decoder's views
 * (decoders/sip_message.h) so they outlive the raw text. The decoder does all the parsing.
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
	/* when the message could not be decoded: the decoder's error (code SIP_PROBLEM_NONE when
	 * the message was cut short) */
	struct sip_problem error;
};

/*
 * Decodes RAW with the project's SIP decoder. DATAGRAM: the text came over UDP.
 * Returns 0, or -EINVAL with the decoder's problem description in ERR.
 */
int sip_fields_decode(const char *raw, size_t len, bool datagram, struct sip_fields *fields,
		      char *err, size_t err_len);

/* The same, parsing into MSG (the caller's, kept across messages: no allocation per message). */
int sip_fields_decode_in(struct sip_message *msg, const char *raw, size_t len, bool datagram,
			 struct sip_fields *fields, char *err, size_t err_len);

#endif
