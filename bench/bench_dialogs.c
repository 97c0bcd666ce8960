/*
 * Correlator memory and speed with many concurrent dialogs (not a test). An SBC proxies N calls
 * (default 100,000) from a carrier, over a handful of TLS connections the carrier opened, to a
 * PBX over UDP: each call has two legs (two dialogs) and each negotiates Session-Expires.
 * Phases: every call is set up (INVITE, 100, INVITE, 200, 200, ACK, ACK, all with
 * Session-Expires), so all N calls are up at once; the carrier refreshes every call with an
 * UPDATE (forwarded, two 200s); time moves past 64*T1 so finished transactions age out; then
 * every call ends with a BYE from the PBX. Heap in use is read with glibc's mallinfo2()
 * (uordblks: bytes in allocated chunks, malloc's own chunk headers included) after each phase,
 * minus the figure before the correlator was initialised. Speed is events per second of CPU
 * time over correlator_feed (SIP decoding included), for the whole run.
 *
 * usage: bench_dialogs [--calls N] [--conns K]
 */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "correlator.h"
#include "explain.h"

#define NS_PER_S 1000000000ull
#define T0_NS	 1764240000000000000ull
#define CARRIER	 "198.51.100.20"
#define PBX	 "10.0.0.5"
#define SE_S	 300

struct bench {
	struct correlator corr;
	struct call_verdict verdict;
	unsigned long events, retired, failed;
	char raw[2048];
};

static double cpu_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static size_t heap_bytes(void)
{
	return mallinfo2().uordblks;
}

static void feed(struct bench *b, struct event *ev)
{
	if (correlator_feed(&b->corr, ev)) {
		fprintf(stderr, "bench_dialogs: correlator_feed: out of memory at event %lu\n",
			b->events);
		exit(2);
	}
	b->events++;
}

static void on_call(const struct correlator *corr, const struct call *call, void *ctx)
{
	struct bench *b = ctx;

	explain_call(corr, call, &b->verdict);
	b->retired++;
	for (unsigned i = 0; i < b->verdict.n_diags; i++) {
		if (diag_is_failure(b->verdict.diags[i].id)) {
			if (!b->failed++)
				fprintf(stderr, "bench_dialogs: call %s: %s: %s\n", call->call_id,
					diag_id_name(b->verdict.diags[i].id),
					b->verdict.diags[i].summary);
			break;
		}
	}
}

static void endpoint(struct endpoint *ep, const char *addr, uint16_t port)
{
	ip_addr_parse(&ep->addr, addr);
	ep->port = port;
}

static void conn_open(struct bench *b, uint64_t ts_ns, uint64_t conn)
{
	struct event ev = {.kind = EV_CONN_OPEN, .ts_ns = ts_ns, .conn = conn};

	endpoint(&ev.conn_ev.local, "192.0.2.10", 5061);
	endpoint(&ev.conn_ev.remote, CARRIER, (uint16_t)(40000 + conn));
	ev.conn_ev.direction = DIR_IN;
	feed(b, &ev);
	ev = (struct event){.kind = EV_TLS_HANDSHAKE, .ts_ns = ts_ns + 4000000, .conn = conn};
	ev.handshake.ok = true;
	feed(b, &ev);
}

/*
 * One SIP message of call I. STATUS 0: a request of METHOD; else a response to METHOD.
 * CONN 0: the PBX leg over UDP. SE: add Session-Expires (refresher=uac).
 */
static void sip(struct bench *b, uint64_t ts_ns, unsigned i, uint64_t conn, enum direction dir,
		const char *method, int status, unsigned cseq, const char *branch, bool to_tag,
		bool se)
{
	struct event ev = {.kind = EV_SIP, .ts_ns = ts_ns, .conn = conn};
	const char *leg_host = conn ? CARRIER : PBX;
	char start[96];
	int len;

	if (status)
		snprintf(start, sizeof(start), "SIP/2.0 %d %s", status,
			 status == 100 ? "Trying" : "OK");
	else
		snprintf(start, sizeof(start),
			 "%s sip:+4930%07u@192.0.2.10:5061;transport=tls "
			 "SIP/2.0",
			 method, i);
	len = snprintf(b->raw, sizeof(b->raw),
		       "%s\r\n"
		       "Via: SIP/2.0/%s %s:5061;branch=z9hG4bK-%s-%08x;rport\r\n"
		       "Via: SIP/2.0/TLS 203.0.113.7:5061;branch=z9hG4bK-up-%s-%08x\r\n"
		       "Max-Forwards: 69\r\n"
		       "From: <sip:+4989%07u@carrier.example>;tag=f%08x\r\n"
		       "To: <sip:+4930%07u@sbc.example.net>%s%08x\r\n"
		       "Call-ID: %08x-4d1e-93a7-%08x@%s\r\n"
		       "CSeq: %u %s\r\n"
		       "Contact: <sip:+4989%07u@%s:5061;transport=tls>\r\n"
		       "Supported: timer, 100rel\r\n"
		       "%s"
		       "Content-Length: 0\r\n\r\n",
		       start, conn ? "TLS" : "UDP", leg_host, branch, i, branch, i, i, i, i,
		       to_tag ? ";tag=t" : "", to_tag ? i : 0, i, i * 2654435761u, CARRIER, cseq,
		       method, i, leg_host,
		       se ? "Session-Expires: 300;refresher=uac\r\nMin-SE: 90\r\n" : "");
	ev.sip.dir = dir;
	ev.sip.transport = conn ? TRANSPORT_TLS : TRANSPORT_UDP;
	endpoint(&ev.sip.local, "192.0.2.10", conn ? 5061 : 5060);
	endpoint(&ev.sip.remote, leg_host, conn ? (uint16_t)(40000 + conn) : 5060);
	ev.sip.raw = b->raw;
	ev.sip.raw_len = (size_t)len;
	feed(b, &ev);
}

static void setup_call(struct bench *b, uint64_t ts_ns, unsigned i, uint64_t conn)
{
	sip(b, ts_ns, i, conn, DIR_IN, "INVITE", 0, 1, "inv", false, true);
	sip(b, ts_ns + 1000000, i, conn, DIR_OUT, "INVITE", 100, 1, "inv", false, false);
	sip(b, ts_ns + 2000000, i, 0, DIR_OUT, "INVITE", 0, 1, "sinv", false, true);
	sip(b, ts_ns + 200000000, i, 0, DIR_IN, "INVITE", 200, 1, "sinv", true, true);
	sip(b, ts_ns + 201000000, i, conn, DIR_OUT, "INVITE", 200, 1, "inv", true, true);
	sip(b, ts_ns + 240000000, i, conn, DIR_IN, "ACK", 0, 1, "ack", true, false);
	sip(b, ts_ns + 241000000, i, 0, DIR_OUT, "ACK", 0, 1, "sack", true, false);
}

static void refresh_call(struct bench *b, uint64_t ts_ns, unsigned i, uint64_t conn)
{
	sip(b, ts_ns, i, conn, DIR_IN, "UPDATE", 0, 2, "upd", true, true);
	sip(b, ts_ns + 1000000, i, 0, DIR_OUT, "UPDATE", 0, 2, "supd", true, true);
	sip(b, ts_ns + 30000000, i, 0, DIR_IN, "UPDATE", 200, 2, "supd", true, true);
	sip(b, ts_ns + 31000000, i, conn, DIR_OUT, "UPDATE", 200, 2, "upd", true, true);
}

static void end_call(struct bench *b, uint64_t ts_ns, unsigned i, uint64_t conn)
{
	sip(b, ts_ns, i, 0, DIR_IN, "BYE", 0, 3, "bye", true, false);
	sip(b, ts_ns + 1000000, i, conn, DIR_OUT, "BYE", 0, 3, "sbye", true, false);
	sip(b, ts_ns + 40000000, i, conn, DIR_IN, "BYE", 200, 3, "sbye", true, false);
	sip(b, ts_ns + 41000000, i, 0, DIR_OUT, "BYE", 200, 3, "bye", true, false);
}

static void report(const char *phase, size_t bytes, unsigned calls)
{
	printf("%-44s %9.1f MiB  %6zu bytes/call  %6zu bytes/dialog\n", phase,
	       (double)bytes / (1024.0 * 1024.0), bytes / calls, bytes / (2 * (size_t)calls));
}

int main(int argc, char **argv)
{
	unsigned calls = 100000, conns = 8;
	struct correlator_config config;
	uint64_t step_ns;
	size_t base, after_setup, after_refresh, steady;
	double cpu0, cpu;
	int rc;
	struct bench *b;

	for (int a = 1; a < argc; a++) {
		if (!strcmp(argv[a], "--calls") && a + 1 < argc) {
			calls = (unsigned)strtoul(argv[++a], NULL, 10);
		} else if (!strcmp(argv[a], "--conns") && a + 1 < argc) {
			conns = (unsigned)strtoul(argv[++a], NULL, 10);
		} else {
			fprintf(stderr, "usage: bench_dialogs [--calls N] [--conns K]\n");
			return 2;
		}
	}
	if (!calls || !conns) {
		fprintf(stderr, "bench_dialogs: --calls and --conns must be at least 1\n");
		return 2;
	}
	b = calloc(1, sizeof(*b));
	if (!b)
		return 2;
	/* the set-up of all calls spreads over 100 s of event time (1000 calls/s at 100,000) */
	step_ns = 100 * NS_PER_S / calls;
	correlator_config_default(&config);
	base = heap_bytes();
	correlator_init(&b->corr, &config, on_call, b, stderr);
	cpu0 = cpu_s();
	for (unsigned c = 1; c <= conns; c++)
		conn_open(b, T0_NS, c);
	for (unsigned i = 0; i < calls; i++)
		setup_call(b, T0_NS + NS_PER_S + i * step_ns, i, 1 + i % conns);
	after_setup = heap_bytes() - base;
	/* RFC 4028 §10: the refresher refreshes at half the interval */
	for (unsigned i = 0; i < calls; i++)
		refresh_call(b, T0_NS + NS_PER_S + i * step_ns + SE_S / 2 * NS_PER_S, i,
			     1 + i % conns);
	after_refresh = heap_bytes() - base;
	/* a keep-alive-like event 40 s later lets the correlator age finished transactions */
	conn_open(b, T0_NS + 292 * NS_PER_S, conns + 1);
	steady = heap_bytes() - base;
	printf("tables at steady state: %u calls, %u conns; evicted %lu calls, %lu conns\n",
	       b->corr.calls.count, b->corr.conns.count, b->corr.calls.evicted,
	       b->corr.conns.evicted);
	for (unsigned i = 0; i < calls; i++)
		end_call(b, T0_NS + 300 * NS_PER_S + i * step_ns, i, 1 + i % conns);
	correlator_finish(&b->corr);
	cpu = cpu_s() - cpu0;

	printf("correlator memory: %u concurrent proxied calls (2 dialogs each, %u TLS conns + "
	       "UDP), heap from mallinfo2().uordblks\n",
	       calls, conns);
	report("all calls set up:", after_setup, calls);
	report("after one refresh each:", after_refresh, calls);
	report("steady (finished transactions aged out):", steady, calls);
	printf("retired %lu calls (%lu with a failure diagnosis); %lu events in %.2f s CPU: "
	       "%.0f events/s (SIP decoding, correlation, explain at retirement)\n",
	       b->retired, b->failed, b->events, cpu, (double)b->events / cpu);
	rc = b->retired == calls && !b->failed ? 0 : 1;
	free(b);
	return rc;
}
