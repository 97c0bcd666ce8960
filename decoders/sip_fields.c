/* Copies what outlives a SIP message's parse out of the decoder's views. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sip_fields.h"

static void copy_view(char *out, size_t out_len, struct sip_view view)
{
	size_t n = view.len < out_len - 1 ? view.len : out_len - 1;
	if (n)
		memcpy(out, view.ptr, n);
	out[n] = '\0';
}

int sip_fields_from_message(const struct sip_message *msg, struct sip_fields *fields)
{
	memset(fields, 0, sizeof(*fields));
	if (msg->error.code != SIP_PROBLEM_NONE) {
		fields->error = msg->error;
		return -EINVAL;
	}
	fields->decoded = true;
	fields->is_request = msg->kind == SIP_KIND_REQUEST;
	fields->method = fields->is_request ? msg->method_id : msg->cseq_method_id;
	fields->status = msg->status;
	fields->cseq = msg->cseq;
	copy_view(fields->call_id, sizeof(fields->call_id), msg->call_id);
	copy_view(fields->from_tag, sizeof(fields->from_tag), msg->from.tag);
	copy_view(fields->to_tag, sizeof(fields->to_tag), msg->to.tag);
	if (msg->via_count)
		copy_view(fields->branch, sizeof(fields->branch), msg->via[0].branch);
	fields->has_session_expires = msg->has_session_expires;
	fields->session_expires_s = msg->session_expires_s;
	fields->refresher = msg->refresher;
	fields->has_min_se = msg->has_min_se;
	fields->min_se_s = msg->min_se_s;
	fields->option_flags = msg->option_flags;
	if (msg->has_reason)
		copy_view(fields->reason, sizeof(fields->reason), msg->reason.value);
	fields->warnings = msg->warning_count + msg->warnings_dropped;
	if (msg->warning_count)
		fields->warning = msg->warnings[0];
	return 0;
}

struct sip_fields *sip_fields_new(const struct sip_message *msg)
{
	struct sip_fields *fields = malloc(sizeof(*fields));

	if (fields)
		sip_fields_from_message(msg, fields);
	return fields;
}

void sip_fields_error_text(const struct sip_fields *fields, char *err, size_t err_len)
{
	if (fields->error.code == SIP_PROBLEM_NONE)
		snprintf(err, err_len, "incomplete SIP message");
	else
		snprintf(err, err_len, "invalid SIP message at byte %u: %s", fields->error.offset,
			 sip_problem_str(fields->error.code));
}

int sip_fields_decode_in(struct sip_message *msg, const char *raw, size_t len, bool datagram,
			 struct sip_fields *fields, char *err, size_t err_len)
{
	enum sip_parse_result result =
	    sip_message_parse(raw, len, datagram ? SIP_PARSE_DATAGRAM : SIP_PARSE_STREAM, msg);

	if (result == SIP_PARSE_INCOMPLETE) {
		memset(fields, 0, sizeof(*fields));
	} else if (!sip_fields_from_message(msg, fields)) {
		return 0;
	}
	sip_fields_error_text(fields, err, err_len);
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
