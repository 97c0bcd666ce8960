/* libFuzzer target for the SIP decoder: the message parser in both transport modes, the
 * stateless framer over the whole input, and a bounded stream fed in fuzzer-chosen segments.
 * Checks that every view lies inside the input, that frames tile the stream exactly, and that
 * the fields a framed message hands on are what a parse of its bytes alone gives. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sip_fields.h"
#include "sip_framer.h"

static const char *input_begin, *input_end;

static void check_view(struct sip_view view)
{
	if (view.ptr && (view.ptr < input_begin || view.ptr + view.len > input_end))
		abort();
}

static void check_message(const struct sip_message *msg)
{
	check_view(msg->method);
	check_view(msg->ruri);
	check_view(msg->reason_phrase);
	check_view(msg->call_id);
	check_view(msg->cseq_method);
	check_view(msg->from.uri);
	check_view(msg->from.tag);
	check_view(msg->to.display);
	check_view(msg->body);
	for (unsigned i = 0; i < msg->via_count; i++) {
		check_view(msg->via[i].host);
		check_view(msg->via[i].branch);
		check_view(msg->via[i].received);
	}
	for (unsigned i = 0; i < msg->contact_count; i++) {
		check_view(msg->contact[i].uri);
		check_view(msg->contact[i].transport);
	}
	for (unsigned i = 0; i < msg->record_route_count; i++)
		check_view(msg->record_route[i]);
	for (unsigned i = 0; i < msg->header_count; i++)
		check_view(msg->headers[i].value);
	if (msg->via_count > SIP_MAX_VIAS || msg->header_count > SIP_MAX_HEADERS ||
	    msg->warning_count > SIP_MAX_PROBLEMS)
		abort();
}

struct tiling {
	uint64_t next_offset;
	bool too_big;
};

static void on_frame(const struct sip_frame *frame, void *ctx)
{
	struct tiling *tiling = ctx;
	if (frame->stream_offset != tiling->next_offset || frame->len == 0)
		abort();
	tiling->next_offset += frame->len;
	if (frame->kind == SIP_FRAME_SKIPPED && frame->problem.code == SIP_ERR_TOO_BIG)
		tiling->too_big = true;
	if (frame->msg && frame->msg->length != frame->len)
		abort();
	/* frame->msg views point into the stream's own buffer or the pushed segment */
}

/* Sources hand the framer's parse on with the message instead of parsing its bytes again: it
 * must be what a parse of the message alone gives, and so must the fields copied out of it. */
static void check_parse_carried(const struct sip_frame *frame)
{
	static struct sip_message alone_msg;
	struct sip_parsed carried, alone;
	struct sip_fields fields, decoded;
	char err[160];

	sip_parsed_from_message(frame->msg, frame->data, &carried);
	sip_parsed_decode(&alone_msg, frame->data, frame->len, false, &alone);
	if (memcmp(&carried, &alone, sizeof(carried)))
		abort();
	sip_fields_from_parsed(&carried, frame->data, &fields);
	sip_fields_decode_in(&alone_msg, frame->data, frame->len, false, &decoded, err,
			     sizeof(err));
	if (memcmp(&fields, &decoded, sizeof(fields)))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sip_message msg;
	const char *text = (const char *)data;
	struct sip_frame frame;

	input_begin = text;
	input_end = text + size;
	for (int tk = SIP_PARSE_STREAM; tk <= SIP_PARSE_DATAGRAM; tk++) {
		enum sip_parse_result result = sip_message_parse(text, size, tk, &msg);
		if (result != SIP_PARSE_INCOMPLETE || msg.length <= size)
			check_message(&msg);
		if (result == SIP_PARSE_OK && msg.length > size)
			abort();
	}

	size_t pos = 0;
	while (pos < size && sip_frame_next(text + pos, size - pos, true, &msg, &frame, NULL)) {
		if (frame.len == 0 || frame.len > size - pos)
			abort();
		if (frame.msg) {
			check_message(frame.msg);
			check_parse_carried(&frame);
		}
		pos += frame.len;
	}
	if (pos != size)
		abort();

	/* Segment sizes from the first byte; a small buffer so TOO_BIG paths run too. */
	struct sip_stream stream;
	struct tiling tiling = {0};
	size_t segment = size ? (size_t)data[0] % 64 + 1 : 1;
	if (sip_stream_init(&stream, SIP_STREAM_MIN_MESSAGE_BYTES))
		return 0;
	for (pos = 0; pos < size; pos += segment)
		sip_stream_push(&stream, text + pos, size - pos < segment ? size - pos : segment,
				on_frame, &tiling);
	sip_stream_finish(&stream, on_frame, &tiling);
	sip_stream_free(&stream);
	if (tiling.too_big ? tiling.next_offset < size : tiling.next_offset != size)
		abort();
	return 0;
}
