/* SIP stream framing: Content-Length bodies (RFC 3261 §18.3), CRLF keep-alives (RFC 5626
 * §3.5.1), resynchronisation on the next start line after garbage. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sip_framer.h"
#include "sip_scan.h"

static const char sip_version[] = "SIP/2.0";
#define SIP_VERSION_LEN (sizeof(sip_version) - 1)

/* "SIP/2.0 ddd" at p: a status line (§7.2). */
static bool is_status_line_at(const char *p, const char *end)
{
	return end - p >= (ptrdiff_t)SIP_VERSION_LEN + 4 &&
	       !memcmp(p, sip_version, SIP_VERSION_LEN) && p[SIP_VERSION_LEN] == ' ' &&
	       sip_is_digit(p[SIP_VERSION_LEN + 1]) && sip_is_digit(p[SIP_VERSION_LEN + 2]) &&
	       sip_is_digit(p[SIP_VERSION_LEN + 3]);
}

/* "SIP/2.0" at version ends a request line "token SP uri SP SIP/2.0 CRLF" (§7.1): its first
 * byte, or NULL when the bytes before do not have that shape. */
static const char *request_line_start(const char *buf, const char *version, const char *end)
{
	const char *after = version + SIP_VERSION_LEN;
	const char *p = version;

	if (after == end || (*after != '\r' && *after != '\n'))
		return NULL;
	if (p == buf || *--p != ' ')
		return NULL;
	const char *uri_end = p;
	while (p > buf && p[-1] != ' ' && (unsigned char)p[-1] > 0x20)
		p--;
	if (p == uri_end || p == buf || p[-1] != ' ')
		return NULL;
	const char *method_end = --p;
	while (p > buf && sip_is_token(p[-1]))
		p--;
	return p < method_end ? p : NULL;
}

/* The first "SIP/2.0" in [p, end), or NULL. The resync reads every byte of a stream that
 * carries no SIP (another protocol's plaintext on a traced port: 600-byte TLS records of it in
 * bench_live_overhead): glibc's memmem took about two instructions a byte there (59,000 for a
 * 32 KiB run, callgrind), memchr's vector loop for the first byte a tenth of that. */
static const char *find_version(const char *p, const char *end)
{
	while ((p = memchr(p, sip_version[0], (size_t)(end - p))) &&
	       (size_t)(end - p) >= SIP_VERSION_LEN) {
		if (!memcmp(p, sip_version, SIP_VERSION_LEN))
			return p;
		p++;
	}
	return NULL;
}

/*
 * How many bytes to skip before the next plausible start line. The search looks for
 * "SIP/2.0", which every start line holds, instead of trying every line start: it also finds
 * a message glued to garbage without a line break. 0 when nothing can be skipped yet.
 */
static size_t resync_skip(const char *buf, size_t len, bool at_eof)
{
	const char *end = buf + len, *p = buf;

	while ((p = find_version(p, end))) {
		const char *start = is_status_line_at(p, end) ? p : request_line_start(buf, p, end);
		if (start && start > buf)
			return (size_t)(start - buf);
		p++;
	}
	if (at_eof)
		return len;
	/* Keep the last partial line (at most a line's worth): it may begin the next start
	 * line. 0 means wait for more bytes. */
	const char *last_lf = memrchr(buf, '\n', len);
	size_t keep_from = last_lf ? (size_t)(last_lf + 1 - buf) : 0;
	if (len - keep_from > SIP_MAX_LINE_BYTES)
		keep_from = len - SIP_MAX_LINE_BYTES;
	return keep_from;
}

/* RFC 5626 §3.5.1: CRLFCRLF is a ping, CRLF a pong; RFC 3261 §7.5 lets CRLFs precede a start
 * line. Returns the keep-alive length, 0 when none, or -1 when one more byte decides. */
static int keepalive_len(const char *buf, size_t len, bool at_eof)
{
	if (len < 2 || buf[0] != '\r' || buf[1] != '\n')
		return len == 1 && buf[0] == '\r' && !at_eof ? -1 : 0;
	if (len >= 4 && buf[2] == '\r' && buf[3] == '\n')
		return 4;
	if (len == 3 && buf[2] == '\r' && !at_eof)
		return -1;
	/* A lone CRLF at the end of what we have is reported now: waiting could delay a pong
	 * forever. */
	return 2;
}

bool sip_frame_next(const char *buf, size_t len, bool at_eof, struct sip_message *msg,
		    struct sip_frame *frame, size_t *need_len)
{
	*frame = (struct sip_frame){.data = buf};
	if (need_len)
		*need_len = len + 1;
	if (len == 0)
		return false;

	int keepalive = keepalive_len(buf, len, at_eof);
	if (keepalive < 0)
		return false;
	if (keepalive > 0) {
		frame->kind = SIP_FRAME_KEEPALIVE;
		frame->len = (size_t)keepalive;
		return true;
	}

	switch (sip_message_parse(buf, len, SIP_PARSE_STREAM, msg)) {
	case SIP_PARSE_OK:
		frame->kind = SIP_FRAME_MESSAGE;
		frame->len = msg->length;
		frame->msg = msg;
		return true;
	case SIP_PARSE_INCOMPLETE:
		if (!at_eof) {
			if (need_len && msg->length > len)
				*need_len = msg->length;
			return false;
		}
		frame->kind = SIP_FRAME_TRUNCATED;
		frame->len = len;
		frame->problem =
		    (struct sip_problem){.code = SIP_ERR_TRUNCATED, .offset = (uint32_t)len};
		return true;
	case SIP_PARSE_INVALID:
		break;
	}
	if (msg->length > 0) {
		/* Invalid but framed: hand it over with msg->error set. */
		frame->kind = SIP_FRAME_MESSAGE;
		frame->len = msg->length;
		frame->msg = msg;
		return true;
	}
	size_t skip = resync_skip(buf, len, at_eof);
	if (skip == 0)
		return false;
	frame->kind = SIP_FRAME_SKIPPED;
	frame->len = skip;
	frame->problem = msg->error;
	return true;
}

int sip_stream_init(struct sip_stream *stream, size_t max_message_bytes)
{
	*stream = (struct sip_stream){0};
	if (max_message_bytes == 0)
		max_message_bytes = SIP_STREAM_DEFAULT_MAX_MESSAGE_BYTES;
	if (max_message_bytes < SIP_STREAM_MIN_MESSAGE_BYTES)
		max_message_bytes = SIP_STREAM_MIN_MESSAGE_BYTES;
	/* The buffer grows on demand: most connections never hold more than a few KiB, and a
	 * busy SBC has thousands of them. */
	stream->max = max_message_bytes;
	return 0;
}

/* Room for WANT buffered bytes, up to the stream's maximum. */
static int stream_reserve(struct sip_stream *stream, size_t want)
{
	size_t cap = stream->cap ? stream->cap : SIP_STREAM_MIN_MESSAGE_BYTES;
	char *buf;

	if (want <= stream->cap || stream->cap == stream->max)
		return 0;
	while (cap < want && cap < stream->max)
		cap *= 2;
	if (cap > stream->max)
		cap = stream->max;
	buf = realloc(stream->buf, cap);
	if (!buf)
		return -ENOMEM;
	stream->buf = buf;
	stream->cap = cap;
	return 0;
}

void sip_stream_free(struct sip_stream *stream)
{
	free(stream->buf);
	stream->buf = NULL;
	stream->cap = 0;
}

static void flush_skip(struct sip_stream *stream, sip_frame_cb cb, void *ctx)
{
	if (stream->skip_len == 0)
		return;
	struct sip_frame frame = {
	    .kind = SIP_FRAME_SKIPPED,
	    .len = stream->skip_len,
	    .stream_offset = stream->skip_start,
	    .problem = stream->skip_problem,
	};
	stream->skip_len = 0;
	cb(&frame, ctx);
}

/* Adjacent skips become one SKIPPED frame: the report counts the bytes, not the attempts. */
static void add_skip(struct sip_stream *stream, uint64_t offset, uint64_t len,
		     struct sip_problem problem)
{
	if (stream->skip_len == 0) {
		stream->skip_start = offset;
		stream->skip_problem = problem;
	}
	stream->skip_len += len;
	stream->skipped_bytes += len;
}

/* An empty line ("\n\n" or "\n\r\n") ends the header section (§7). */
static bool has_blank_line(const char *p, size_t len)
{
	const char *end = p + len;

	while ((p = memchr(p, '\n', (size_t)(end - p)))) {
		p++;
		if (p < end && (*p == '\n' || (*p == '\r' && p + 1 < end && p[1] == '\n')))
			return true;
	}
	return false;
}

/* Why framing stopped at rest[0..len): waiting for a body of known length, for the empty
 * line after the headers, or for the end of the first line. */
static void set_retry(struct sip_stream *stream, const char *rest, size_t len, size_t need_len)
{
	stream->need_len = need_len;
	if (need_len > len + 1 || has_blank_line(rest, len))
		stream->retry_on = SIP_RETRY_ANY;
	else if (memchr(rest, '\n', len))
		stream->retry_on = SIP_RETRY_BLANK_LINE;
	else
		stream->retry_on = SIP_RETRY_LF;
}

/* Whether the bytes appended since old_len can change the framing outcome. */
static bool worth_retry(const struct sip_stream *stream, size_t old_len)
{
	size_t from = old_len > 2 ? old_len - 2 : 0;

	if (stream->len < stream->need_len)
		return false;
	if (stream->len > SIP_MAX_HEADER_SECTION_BYTES)
		return true;
	switch (stream->retry_on) {
	case SIP_RETRY_LF:
		/* A first line longer than a line may be (SIP_MAX_LINE_BYTES, sip_message.h) is
		 * skipped as garbage; a retry reads all that is kept. Retrying only once another
		 * line's worth has come, not at every segment, keeps bytes that are no SIP at all
		 * (another protocol's plaintext on a traced port) from being read again for every
		 * segment: the same bytes are skipped, in fewer, larger steps. */
		return memchr(stream->buf + old_len, '\n', stream->len - old_len) != NULL ||
		       stream->len >= 2 * SIP_MAX_LINE_BYTES || stream->len == stream->max;
	case SIP_RETRY_BLANK_LINE:
		return has_blank_line(stream->buf + from, stream->len - from);
	default:
		return true;
	}
}

/* A retry that can only skip, done without framing: the buffer holds one line without its end
 * (waiting for an LF, none came) longer than a line may be, no "SIP/2.0" for a start line to
 * hold, and a skip is pending, so the parse's complaint would not be reported. drain() would
 * find exactly that: the first line too long, no start line, the last SIP_MAX_LINE_BYTES kept
 * for one that may begin in them. Framing it instead read the whole buffer twice (the parse and
 * the resync) at every retry: on a stream that carries no SIP, four times each byte. Returns
 * whether it skipped. */
static bool skip_long_line(struct sip_stream *stream, size_t old_len)
{
	size_t skip;

	if (stream->retry_on != SIP_RETRY_LF || !stream->skip_len ||
	    stream->len <= SIP_MAX_LINE_BYTES ||
	    memchr(stream->buf + old_len, '\n', stream->len - old_len) ||
	    find_version(stream->buf, stream->buf + stream->len))
		return false;
	skip = stream->len - SIP_MAX_LINE_BYTES;
	add_skip(stream, stream->offset, skip, stream->skip_problem);
	stream->offset += skip;
	stream->len = SIP_MAX_LINE_BYTES;
	memmove(stream->buf, stream->buf + skip, stream->len);
	stream->need_len = stream->len + 1;
	return true;
}

/* Frames data[0..len) (which starts at stream->offset); returns the bytes consumed. */
static size_t drain(struct sip_stream *stream, const char *data, size_t len, bool at_eof,
		    sip_frame_cb cb, void *ctx)
{
	struct sip_frame frame;
	size_t pos = 0, need_len;

	stream->need_len = 0;
	stream->retry_on = SIP_RETRY_ANY;
	while (pos < len) {
		if (!sip_frame_next(data + pos, len - pos, at_eof, &stream->msg, &frame,
				    &need_len)) {
			set_retry(stream, data + pos, len - pos, need_len);
			break;
		}
		frame.stream_offset = stream->offset + pos;
		pos += frame.len;
		/* CRLFs inside garbage are garbage too, not keep-alives: the result must not
		 * depend on where the segments were cut. */
		if (frame.kind == SIP_FRAME_SKIPPED ||
		    (frame.kind == SIP_FRAME_KEEPALIVE && stream->skip_len > 0)) {
			add_skip(stream, frame.stream_offset, frame.len, frame.problem);
			continue;
		}
		flush_skip(stream, cb, ctx);
		if (frame.kind == SIP_FRAME_MESSAGE)
			stream->messages++;
		else if (frame.kind == SIP_FRAME_KEEPALIVE)
			stream->keepalives++;
		cb(&frame, ctx);
	}
	stream->offset += pos;
	return pos;
}

static void drain_buffer(struct sip_stream *stream, bool at_eof, sip_frame_cb cb, void *ctx)
{
	size_t consumed = drain(stream, stream->buf, stream->len, at_eof, cb, ctx);

	stream->len -= consumed;
	if (consumed && stream->len)
		memmove(stream->buf, stream->buf + consumed, stream->len);
}

/* The buffer is full and still holds no whole frame: the message is too big for us. Report it
 * and drop it; when its total length is known, drop exactly that many bytes. */
static void overflow(struct sip_stream *stream, sip_frame_cb cb, void *ctx)
{
	uint64_t total = stream->need_len > stream->len + 1 ? stream->need_len : stream->len;
	struct sip_problem problem = {.code = SIP_ERR_TOO_BIG, .offset = 0};

	flush_skip(stream, cb, ctx);
	add_skip(stream, stream->offset, total, problem);
	stream->offset += stream->len;
	stream->discard_len = total - stream->len;
	stream->len = 0;
	stream->need_len = 0;
	stream->retry_on = SIP_RETRY_ANY;
}

int sip_stream_push(struct sip_stream *stream, const void *bytes, size_t len, sip_frame_cb cb,
		    void *ctx)
{
	const char *p = bytes;

	while (len > 0) {
		if (stream->discard_len > 0) {
			size_t n = len < stream->discard_len ? len : stream->discard_len;
			stream->discard_len -= n;
			stream->offset += n;
			p += n;
			len -= n;
			continue;
		}
		if (stream->len == 0) {
			/* Nothing buffered: frame straight from the caller's bytes, copy the
			 * rest only. */
			size_t consumed = drain(stream, p, len, false, cb, ctx);
			p += consumed;
			len -= consumed;
			if (len == 0)
				break;
		}
		int err = stream_reserve(stream, stream->len + len);
		if (err)
			return err;
		size_t n = stream->cap - stream->len, old_len = stream->len;
		if (n > len)
			n = len;
		memcpy(stream->buf + stream->len, p, n);
		stream->len += n;
		p += n;
		len -= n;
		if (worth_retry(stream, old_len) && !skip_long_line(stream, old_len))
			drain_buffer(stream, false, cb, ctx);
		if (stream->len == stream->max)
			overflow(stream, cb, ctx);
	}
	return 0;
}

void sip_stream_finish(struct sip_stream *stream, sip_frame_cb cb, void *ctx)
{
	if (stream->len > 0)
		drain_buffer(stream, true, cb, ctx);
	flush_skip(stream, cb, ctx);
	stream->len = 0;
	stream->need_len = 0;
	stream->retry_on = SIP_RETRY_ANY;
	stream->discard_len = 0;
	stream->offset = 0;
}
