/* JSON form of decoded SIP frames. Field names and meanings are documented in docs/decoder.md. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sip_json.h"

/* A view as a JSON string; null when absent. SIP text should be UTF-8 (RFC 3261 §7.3.1) but
 * the wire may hold anything: bytes that are not UTF-8 become U+FFFD so the output stays
 * valid JSON. */
static json_t *view_json(struct sip_view view)
{
	if (!view.ptr)
		return json_null();
	json_t *string = json_stringn(view.ptr, view.len);
	if (string)
		return string;
	char *clean = malloc(view.len * 3 + 1);
	if (!clean)
		return NULL;
	size_t out = 0;
	for (size_t i = 0; i < view.len; i++) {
		unsigned char c = (unsigned char)view.ptr[i];
		if (c < 0x80) {
			clean[out++] = (char)c;
		} else {
			memcpy(clean + out, "\xef\xbf\xbd", 3);
			out += 3;
		}
	}
	string = json_stringn(clean, out);
	free(clean);
	return string;
}

static json_t *problem_json(struct sip_problem problem, uint64_t base_offset)
{
	char text[160];

	snprintf(text, sizeof(text), "byte %llu: %s",
		 (unsigned long long)(base_offset + problem.offset), sip_problem_str(problem.code));
	return json_string(text);
}

static json_t *optional_int(bool present, json_int_t value)
{
	return present ? json_integer(value) : json_null();
}

static json_t *via_json(const struct sip_via *via)
{
	return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:b}", "transport",
			 view_json(via->transport), "host", view_json(via->host), "port",
			 optional_int(via->port != 0, via->port), "branch", view_json(via->branch),
			 "received", view_json(via->received), "rport",
			 optional_int(via->has_rport, via->rport), "alias", via->has_alias);
}

static json_t *contact_json(const struct sip_contact *contact)
{
	if (contact->is_star)
		return json_pack("{s:s, s:n, s:n}", "uri", "*", "transport", "expires");
	return json_pack("{s:o, s:o, s:o}", "uri", view_json(contact->uri), "transport",
			 view_json(contact->transport), "expires",
			 optional_int(contact->expires_s >= 0, contact->expires_s));
}

static json_t *views_json(const struct sip_view *views, unsigned count)
{
	json_t *array = json_array();
	for (unsigned i = 0; array && i < count; i++)
		json_array_append_new(array, view_json(views[i]));
	return array;
}

static const char *refresher_str(enum sip_refresher refresher)
{
	switch (refresher) {
	case SIP_REFRESHER_UAC:
		return "uac";
	case SIP_REFRESHER_UAS:
		return "uas";
	default:
		return NULL;
	}
}

static json_t *session_expires_json(const struct sip_message *msg)
{
	if (!msg->has_session_expires)
		return json_null();
	json_t *refresher =
	    msg->refresher == SIP_REFRESHER_OTHER
		? view_json(msg->refresher_value)
		: (refresher_str(msg->refresher) ? json_string(refresher_str(msg->refresher))
						 : json_null());
	return json_pack("{s:I, s:o}", "delta", (json_int_t)msg->session_expires_s, "refresher",
			 refresher);
}

static json_t *message_json(const struct sip_message *msg, uint64_t offset)
{
	bool request = msg->kind == SIP_KIND_REQUEST;
	json_t *vias = json_array(), *contacts = json_array(), *warnings = json_array();

	for (unsigned i = 0; i < msg->via_count; i++)
		json_array_append_new(vias, via_json(&msg->via[i]));
	for (unsigned i = 0; i < msg->contact_count; i++)
		json_array_append_new(contacts, contact_json(&msg->contact[i]));
	for (unsigned i = 0; i < msg->warning_count; i++)
		json_array_append_new(warnings, problem_json(msg->warnings[i], offset));
	if (msg->warnings_dropped) {
		char text[64];
		snprintf(text, sizeof(text), "%u more warnings not kept", msg->warnings_dropped);
		json_array_append_new(warnings, json_string(text));
	}
	json_t *cseq = msg->has_cseq ? json_pack("{s:I, s:o}", "seq", (json_int_t)msg->cseq,
						 "method", view_json(msg->cseq_method))
				     : json_null();
	json_t *object = json_pack(
	    "{s:I, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, "
	    "s:o, s:I, s:o}",
	    "offset", (json_int_t)offset, "kind", request ? "request" : "response", "method",
	    request ? view_json(msg->method) : json_null(), "status",
	    optional_int(!request, msg->status), "ruri",
	    request ? view_json(msg->ruri) : json_null(), "call_id", view_json(msg->call_id),
	    "cseq", cseq, "from_tag", view_json(msg->from.tag), "to_tag", view_json(msg->to.tag),
	    "via", vias, "contact", contacts, "record_route",
	    views_json(msg->record_route, msg->record_route_count), "session_expires",
	    session_expires_json(msg), "min_se", optional_int(msg->has_min_se, msg->min_se_s),
	    "supported", views_json(msg->supported, msg->supported_count), "require",
	    views_json(msg->require, msg->require_count), "content_length",
	    optional_int(msg->content_length >= 0, msg->content_length), "body_len",
	    (json_int_t)msg->body.len, "warnings", warnings);
	if (object && msg->error.code != SIP_PROBLEM_NONE)
		json_object_set_new(object, "error", problem_json(msg->error, offset));
	return object;
}

bool sip_frame_is_invalid(const struct sip_frame *frame)
{
	switch (frame->kind) {
	case SIP_FRAME_MESSAGE:
		return frame->msg->error.code != SIP_PROBLEM_NONE;
	case SIP_FRAME_KEEPALIVE:
		return false;
	default:
		return true;
	}
}

json_t *sip_frame_to_json(const struct sip_frame *frame)
{
	const char *kind;

	switch (frame->kind) {
	case SIP_FRAME_MESSAGE:
		return message_json(frame->msg, frame->stream_offset);
	case SIP_FRAME_KEEPALIVE:
		return json_pack("{s:I, s:s, s:I}", "offset", (json_int_t)frame->stream_offset,
				 "kind", "keepalive", "length", (json_int_t)frame->len);
	case SIP_FRAME_SKIPPED:
		kind = "garbage";
		break;
	default:
		kind = "truncated";
		break;
	}
	char text[200];
	snprintf(text, sizeof(text), "%s %zu bytes at byte %llu: byte %llu: %s",
		 frame->kind == SIP_FRAME_SKIPPED ? "skipped" : "dropped", frame->len,
		 (unsigned long long)frame->stream_offset,
		 (unsigned long long)(frame->stream_offset + frame->problem.offset),
		 sip_problem_str(frame->problem.code));
	return json_pack("{s:I, s:s, s:I, s:s}", "offset", (json_int_t)frame->stream_offset, "kind",
			 kind, "length", (json_int_t)frame->len, "error", text);
}
