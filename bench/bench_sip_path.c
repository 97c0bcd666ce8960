/* The collector's path of a SIP message in `siptrail live --json`, from the framer on: a TCP
 * stream of the wire path (wire_stream: framer, the `sip` event), the wire resolver (one event
 * per local socket), the pipeline (the JSON line, stdout) and the correlator behind its reorder
 * window. The load is the overhead bench's BENCH_SIP=1 trunk without its kernel: both ends on
 * loopback, so each message is two `sip` events; 600-byte OPTIONS, each echoed by the server,
 * one Call-ID per connection (a message: one way). No root, no kernel: the stream is fed its bytes
 * directly, the resolver the two sockets' records. Run it with stdout to /dev/null, or under
 * valgrind's callgrind for instructions per message (two runs of different sizes, subtracted, leave
 * the start-up out). Not a test.
 *
 * usage: bench_sip_path [MESSAGES [GAP_US]]   (default 20000 messages over connections of 1000,
 * one every 50 us: the reorder window's 250 ms then holds 10,000 events, as in the live bench) */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "live_pipeline.h"
#include "sock_record_events.h"
#include "wire_resolver.h"
#include "wire_stream.h"

#define MESSAGES_PER_CONN 1000
#define MESSAGE_BYTES	  600
#define SERVER_PORT	  5061
#define START_NS	  1765000000000000000ULL

static const uint8_t loopback[4] = {127, 0, 0, 1};

/* The overhead bench's SIP message (bench_live_overhead.c's sip_message) for connection CONN,
 * body of 'x'; its sequence numbers are set by message_number. */
static void sip_message(char *buf, int conn)
{
	static const char head[] = "OPTIONS sip:bench@127.0.0.1 SIP/2.0\r\n"
				   "Via: SIP/2.0/TCP 127.0.0.1;branch=z9hG4bK-%06d-000000\r\n"
				   "From: <sip:load@127.0.0.1>;tag=%06d\r\n"
				   "To: <sip:bench@127.0.0.1>\r\n"
				   "Call-ID: bench-%06d@127.0.0.1\r\n"
				   "CSeq: 000000 OPTIONS\r\n"
				   "Max-Forwards: 70\r\n"
				   "Content-Length: %03d\r\n\r\n";
	int head_len = snprintf(buf, MESSAGE_BYTES, head, conn, conn, conn, 0);

	snprintf(buf, MESSAGE_BYTES, head, conn, conn, conn, MESSAGE_BYTES - head_len);
	memset(buf + head_len, 'x', MESSAGE_BYTES - head_len);
}

static void put_digits(char *at, unsigned value)
{
	for (int i = 5; i >= 0; i--, value /= 10)
		at[i] = '0' + value % 10;
}

/* Message SEQ of BUF (sip_message's): the branch's second number and the CSeq, by hand (with
 * snprintf the load would cost a third of the run). */
static void message_number(char *buf, unsigned seq)
{
	put_digits(strstr(buf, ";branch=z9hG4bK-") + strlen(";branch=z9hG4bK-000000-"), seq);
	put_digits(strstr(buf, "\r\nCSeq: ") + strlen("\r\nCSeq: "), seq + 1);
}

static struct sock_event socket_record(uint64_t cookie, uint16_t lport, uint16_t rport,
				       uint64_t ts_ns)
{
	struct sock_event record = {.type = SOCK_EV_OPEN, .ts_ns = ts_ns};

	record.conn.cookie = cookie;
	record.conn.family = AF_INET;
	record.conn.open_ts_ns = ts_ns;
	record.conn.direction = cookie % 2 ? SOCK_DIR_OUT : SOCK_DIR_IN;
	memcpy(record.conn.laddr, loopback, sizeof(loopback));
	memcpy(record.conn.raddr, loopback, sizeof(loopback));
	record.conn.lport = lport;
	record.conn.rport = rport;
	return record;
}

static int to_pipeline(void *ctx, struct event *ev)
{
	return live_pipeline_emit(ctx, ev);
}

static int to_resolver(void *ctx, struct wire_event *event)
{
	return wire_resolver_add(ctx, event);
}

/* The socket's record as `siptrail live` takes it: events to the pipeline, then the resolver. */
static int learn_socket(struct live_pipeline *pipe, struct wire_resolver *resolver,
			const struct sock_event *record)
{
	struct event events[SOCK_RECORD_EVENTS_MAX];
	int count = sock_record_to_events(record, 0, events);
	int err = 0;

	for (int i = 0; i < count && !err; i++)
		err = live_pipeline_emit(pipe, &events[i]);
	return err ? err : wire_resolver_socket(resolver, record);
}

static double cpu_s(void)
{
	struct timespec now;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
	return now.tv_sec + now.tv_nsec / 1e9;
}

static int run(unsigned messages, uint64_t gap_ns)
{
	struct live_pipeline pipe;
	struct wire_resolver *resolver = NULL;
	struct wire_tls_env env = {0};
	uint64_t ts_ns = START_NS;
	char text[MESSAGE_BYTES + 1];
	int err = live_pipeline_init(&pipe, true, NULL, NULL, NULL, NULL);

	if (!err && !(resolver = wire_resolver_new(to_pipeline, &pipe, 0)))
		err = -1;
	env.emit = to_resolver;
	env.ctx = resolver;
	for (unsigned c = 0; !err && c * MESSAGES_PER_CONN < messages; c++) {
		uint16_t client_port = 40000 + c;
		struct tcp_conn conn = {.id = c + 1, .family = AF_INET};
		struct sock_event client =
		    socket_record(2 * c + 1, client_port, SERVER_PORT, ts_ns);
		struct sock_event server =
		    socket_record(2 * c + 2, SERVER_PORT, client_port, ts_ns);
		struct wire_stream *stream;

		memcpy(conn.end[TCP_SIDE_CLIENT].addr, loopback, sizeof(loopback));
		conn.end[TCP_SIDE_CLIENT].port = client_port;
		memcpy(conn.end[TCP_SIDE_SERVER].addr, loopback, sizeof(loopback));
		conn.end[TCP_SIDE_SERVER].port = SERVER_PORT;
		if (learn_socket(&pipe, resolver, &client) ||
		    learn_socket(&pipe, resolver, &server) ||
		    !(stream = wire_stream_new(&conn, &env))) {
			err = -1;
			break;
		}
		stream->template.local_mask = 3;
		sip_message(text, c);
		for (unsigned m = 0; m < MESSAGES_PER_CONN && c * MESSAGES_PER_CONN + m < messages;
		     m++) {
			/* a request, then the server's echo of it */
			message_number(text, m / 2);
			wire_stream_data(stream, m % 2 ? TCP_SIDE_SERVER : TCP_SIDE_CLIENT,
					 (const uint8_t *)text, MESSAGE_BYTES, ts_ns += gap_ns);
			if (!(m % 64))
				live_pipeline_tick(&pipe, ts_ns);
		}
		wire_stream_end(stream, ts_ns);
		err = env.err;
	}
	if (!err)
		err = wire_resolver_tick(resolver, ts_ns, true);
	wire_resolver_free(resolver);
	live_pipeline_finish(&pipe);
	return err ? err : pipe.output_err;
}

int main(int argc, char **argv)
{
	/* as `siptrail live` writes into a file or a pipe (cmd_live.c's buffer_stdout) */
	static char stdout_buffer[64 * 1024];
	unsigned messages = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 10) : 20000;
	uint64_t gap_ns = argc > 2 ? strtoull(argv[2], NULL, 10) * 1000 : 50000;
	double start, cpu;
	int err;

	setvbuf(stdout, stdout_buffer, _IOFBF, sizeof(stdout_buffer));
	start = cpu_s();
	err = run(messages, gap_ns);
	cpu = cpu_s() - start;

	if (err) {
		fprintf(stderr, "bench_sip_path: the path failed (%d)\n", err);
		return 1;
	}
	fprintf(stderr, "sip path: %u messages (%u sip events), %.3f us CPU per message\n",
		messages, 2 * messages, cpu * 1e6 / messages);
	return 0;
}
