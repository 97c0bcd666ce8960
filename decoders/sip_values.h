/* Parsers for the header values the decoder interprets (internal to decoders/). */
#ifndef SIPTRAIL_SIP_VALUES_H
#define SIPTRAIL_SIP_VALUES_H

#include <stdint.h>

#include "sip_message.h"

/* State of one sip_message_parse() call. */
struct sip_parse_ctx {
	const char *base; /* first byte of the message: problem offsets are relative to it */
	struct sip_message *msg;
	uint64_t warned_once; /* bit per problem code reported at most once per message */
	bool bad_content_length;
};

/* Records a warning (or the first error) at byte position at. */
void sip_report(struct sip_parse_ctx *ctx, enum sip_problem_code code, const char *at);
/* As sip_report, but only the first time this code occurs in the message. */
void sip_report_once(struct sip_parse_ctx *ctx, enum sip_problem_code code, const char *at);

/* Each takes the trimmed value of one header line and fills its part of ctx->msg. */
void sip_parse_via(struct sip_parse_ctx *ctx, struct sip_view value);
void sip_parse_from_to(struct sip_parse_ctx *ctx, struct sip_view value, struct sip_name_addr *out);
void sip_parse_contact(struct sip_parse_ctx *ctx, struct sip_view value);
void sip_parse_routes(struct sip_parse_ctx *ctx, struct sip_view value, struct sip_view *routes,
		      unsigned *count);
void sip_parse_option_tags(struct sip_parse_ctx *ctx, struct sip_view value, struct sip_view *tags,
			   unsigned *count, unsigned timer_flag);
void sip_parse_session_expires(struct sip_parse_ctx *ctx, struct sip_view value);
void sip_parse_min_se(struct sip_parse_ctx *ctx, struct sip_view value);
void sip_parse_reason(struct sip_parse_ctx *ctx, struct sip_view value);
void sip_parse_cseq(struct sip_parse_ctx *ctx, struct sip_view value);
void sip_parse_content_length(struct sip_parse_ctx *ctx, struct sip_view value);
/* Max-Forwards, Expires: 1*DIGIT; -1 and a warning when malformed. */
int64_t sip_parse_number_header(struct sip_parse_ctx *ctx, struct sip_view value, uint64_t max);

/* Name tables (sip_names.c). */
enum sip_header_id sip_header_lookup(const char *name, size_t len);
enum sip_method sip_method_lookup(struct sip_view method);

#endif
