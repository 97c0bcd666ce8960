/* What outlives a SIP message's parse: spans of its text, then the text copied out. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sip_fields.h"

static struct sip_span span_of(struct sip_view view, const char *text)
{
	return view.len ? (struct sip_span){(uint32_t)(view.ptr - text), (uint32_t)view.len}
			: (struct sip_span){0, 0};
}

void sip_parsed_from_message(const struct sip_message *msg, const char *text,
			     struct sip_parsed *parsed)
{
	struct sip_values *values = &parsed->values;

	memset(parsed, 0, sizeof(*parsed));
	parsed->given = true;
	if (msg->error.code != SIP_PROBLEM_NONE) {
		values->error = msg->error;
		return;
	}
	values->decoded = true;
	values->is_request = msg->kind == SIP_KIND_REQUEST;
	values->method = values->is_request ? msg->method_id : msg->cseq_method_id;
	values->status = msg->status;
	values->cseq = msg->cseq;
	values->has_session_expires = msg->has_session_expires;
	values->session_expires_s = msg->session_expires_s;
	values->refresher = msg->refresher;
	values->has_min_se = msg->has_min_se;
	values->subscription_terminated = msg->subscription_terminated;
	values->min_se_s = msg->min_se_s;
	values->option_flags = msg->option_flags;
	values->warnings = msg->warning_count + msg->warnings_dropped;
	if (msg->warning_count)
		values->warning = msg->warnings[0];
	parsed->call_id = span_of(msg->call_id, text);
	parsed->from_tag = span_of(msg->from.tag, text);
	parsed->to_tag = span_of(msg->to.tag, text);
	if (msg->via_count)
		parsed->branch = span_of(msg->via[0].branch, text);
	if (msg->has_reason)
		parsed->reason = span_of(msg->reason.value, text);
}

void sip_parsed_decode(struct sip_message *msg, const char *text, size_t len, bool datagram,
		       struct sip_parsed *parsed)
{
	if (sip_message_parse(text, len, datagram ? SIP_PARSE_DATAGRAM : SIP_PARSE_STREAM, msg) ==
	    SIP_PARSE_INCOMPLETE) {
		/* cut short: not decoded, and no error of the decoder's to say */
		memset(parsed, 0, sizeof(*parsed));
		parsed->given = true;
		return;
	}
	sip_parsed_from_message(msg, text, parsed);
}

static void copy_span(char *out, size_t out_len, const char *text, struct sip_span span)
{
	size_t n = span.len < out_len - 1 ? span.len : out_len - 1;
	if (n)
		memcpy(out, text + span.offset, n);
	out[n] = '\0';
}

void sip_fields_from_parsed(const struct sip_parsed *parsed, const char *text,
			    struct sip_fields *fields)
{
	memset(fields, 0, sizeof(*fields)); /* the same bytes for the same message */
	fields->values = parsed->values;
	copy_span(fields->call_id, sizeof(fields->call_id), text, parsed->call_id);
	copy_span(fields->from_tag, sizeof(fields->from_tag), text, parsed->from_tag);
	copy_span(fields->to_tag, sizeof(fields->to_tag), text, parsed->to_tag);
	copy_span(fields->branch, sizeof(fields->branch), text, parsed->branch);
	copy_span(fields->reason, sizeof(fields->reason), text, parsed->reason);
}

void sip_fields_error_text(const struct sip_values *values, char *err, size_t err_len)
{
	if (values->error.code == SIP_PROBLEM_NONE)
		snprintf(err, err_len, "incomplete SIP message");
	else
		snprintf(err, err_len, "invalid SIP message at byte %u: %s", values->error.offset,
			 sip_problem_str(values->error.code));
}

int sip_fields_decode_in(struct sip_message *msg, const char *raw, size_t len, bool datagram,
			 struct sip_fields *fields, char *err, size_t err_len)
{
	struct sip_parsed parsed;

	sip_parsed_decode(msg, raw, len, datagram, &parsed);
	sip_fields_from_parsed(&parsed, raw, fields);
	if (fields->values.decoded)
		return 0;
	sip_fields_error_text(&fields->values, err, err_len);
	return -EINVAL;
}

int sip_fields_decode(const char *raw, size_t len, bool datagram, struct sip_fields *fields,
		      char *err, size_t err_len)
{
	/* struct sip_message is large (fixed arrays of views): keep it off the stack. */
	struct sip_message *msg = malloc(sizeof(*msg));
	int rc;

	if (!msg) {
		snprintf(err, err_len, "out of memory");
		return -ENOMEM;
	}
	rc = sip_fields_decode_in(msg, raw, len, datagram, fields, err, err_len);
	free(msg);
	return rc;
}
