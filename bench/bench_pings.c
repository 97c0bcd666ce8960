/*
 * Correlator memory with out-of-dialog traffic (not a test): what an SBC sees beside its calls.
 * P peers (default 100) are pinged with OPTIONS over UDP every 30 s, a new Call-ID per ping,
 * each answered 200 after 20 ms, except D of them (default 2) that are down: their pings are
 * retransmitted (RFC 3261 §17.1.2.2 Timer E: 0.5 s doubling to T2 = 4 s) and time out. U users
 * (default 1,000) register every 600 s, each on its own Call-ID (REGISTER, 401, REGISTER with
 * credentials, 200). Event time runs H hours (default 5, past call_idle_ns so that the table
 * reaches its steady state however calls are retired). Every 30 min of event time it prints the
 * calls held (the call table's count) and the heap in use (glibc's mallinfo2().uordblks minus
 * the figure before correlator_init), then the most calls held after any message, the most
 * heap of those reports, the calls retired and events per second of CPU time over
 * correlator_feed (SIP decoding and ageing included).
 *
 * usage: bench_pings [--peers P] [--down D] [--users U] [--hours H]
 */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "correlator.h"

#define NS_PER_S       1000000000ull
#define NS_PER_MS      1000000ull
#define T0_NS	       1764240000000000000ull
#define PING_EVERY_S   30
#define REG_EVERY_S    600
#define REPORT_EVERY_S 1800
#define THIS_HOST      "192.0.2.10"

enum step {
	PING,	     /* OPTIONS from this host (its retransmissions too) */
	PING_200,    /* the peer's answer */
	REG,	     /* REGISTER from a user */
	REG_401,     /* this host's challenge */
	REG_AUTH,    /* REGISTER again with credentials */
	REG_200,     /* registered */
	REPORT_TICK, /* no message: the figures are printed */
};

/* One message to feed, in time order once sorted. */
struct planned {
	uint64_t ts_ns;
	uint32_t who;	/* peer or user */
	uint32_t round; /* which ping or registration of it */
	enum step step;
};

struct plan {
	struct planned *at;
	size_t n, cap;
};

struct run {
	struct correlator corr;
	unsigned long events, retired;
	unsigned most_calls;
	size_t base_bytes, most_bytes;
	char raw[1024];
};

static double cpu_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void plan_add(struct plan *plan, uint64_t ts_ns, uint32_t who, uint32_t round,
		     enum step step)
{
	if (plan->n == plan->cap) {
		plan->cap = plan->cap ? 2 * plan->cap : 4096;
		plan->at = realloc(plan->at, plan->cap * sizeof(*plan->at));
		if (!plan->at) {
			fprintf(stderr, "bench_pings: out of memory for the plan\n");
			exit(2);
		}
	}
	plan->at[plan->n++] = (struct planned){ts_ns, who, round, step};
}

static int by_time(const void *a, const void *b)
{
	const struct planned *x = a, *y = b;

	return x->ts_ns < y->ts_ns ? -1 : x->ts_ns > y->ts_ns;
}

/* A ping to peer WHO: answered, or, when the peer is down (below DOWN), retransmitted until
 * Timer F (64*T1). */
static void plan_ping(struct plan *plan, uint64_t ts_ns, uint32_t who, uint32_t round,
		      unsigned down)
{
	plan_add(plan, ts_ns, who, round, PING);
	if (who >= down) {
		plan_add(plan, ts_ns + 20 * NS_PER_MS, who, round, PING_200);
		return;
	}
	for (uint64_t gap_ms = 500, t_ms = 500; t_ms < 32000;
	     gap_ms = gap_ms < 4000 ? 2 * gap_ms : 4000, t_ms += gap_ms)
		plan_add(plan, ts_ns + t_ms * NS_PER_MS, who, round, PING);
}

static void plan_registration(struct plan *plan, uint64_t ts_ns, uint32_t who, uint32_t round,
			      unsigned down)
{
	(void)down;
	plan_add(plan, ts_ns, who, round, REG);
	plan_add(plan, ts_ns + 2 * NS_PER_MS, who, round, REG_401);
	plan_add(plan, ts_ns + 40 * NS_PER_MS, who, round, REG_AUTH);
	plan_add(plan, ts_ns + 45 * NS_PER_MS, who, round, REG_200);
}

typedef void (*plan_one_fn)(struct plan *plan, uint64_t ts_ns, uint32_t who, uint32_t round,
			    unsigned down);

/* Each of N peers or users once every EVERY_S until END_NS, spread evenly over the interval. */
static void plan_rounds(struct plan *plan, unsigned n, unsigned every_s, uint64_t end_ns,
			plan_one_fn plan_one, unsigned down)
{
	for (uint32_t round = 0;; round++) {
		uint64_t round_ns = T0_NS + round * every_s * NS_PER_S;
		if (round_ns >= end_ns)
			return;
		for (uint32_t who = 0; who < n; who++)
			plan_one(plan, round_ns + who * every_s * NS_PER_S / n, who, round, down);
	}
}

static void endpoint(struct endpoint *ep, const char *addr, uint16_t port)
{
	ip_addr_parse(&ep->addr, addr);
	ep->port = port;
}

/* The text of one planned message; its peer's address in PEER. */
static int message_text(struct run *run, const struct planned *m, char *peer, size_t peer_len)
{
	bool ping = m->step == PING || m->step == PING_200;
	bool auth = m->step == REG_AUTH || m->step == REG_200;
	unsigned cseq = ping ? 1 : 2 * m->round + 1 + auth;
	char start[96];

	/* RFC 2544's benchmarking range: peers in 198.18/16, users in 198.19/16 */
	snprintf(peer, peer_len, "198.%u.%u.%u", ping ? 18 : 19, m->who / 250, 1 + m->who % 250);
	if (m->step == PING)
		snprintf(start, sizeof(start), "OPTIONS sip:%s:5060 SIP/2.0", peer);
	else if (m->step == REG || m->step == REG_AUTH)
		snprintf(start, sizeof(start), "REGISTER sip:sbc.example.net SIP/2.0");
	else
		snprintf(start, sizeof(start), "SIP/2.0 %s",
			 m->step == REG_401 ? "401 Unauthorized" : "200 OK");
	return snprintf(
	    run->raw, sizeof(run->raw),
	    "%s\r\n"
	    "Via: SIP/2.0/UDP %s:5060;branch=z9hG4bK-%c%08x-%08x-%u;rport\r\n"
	    "Max-Forwards: 70\r\n"
	    "From: <sip:%s%u@sbc.example.net>;tag=f%08x%08x\r\n"
	    "To: <sip:%s%u@sbc.example.net>%s\r\n"
	    "Call-ID: %08x-%08x@%s\r\n"
	    "CSeq: %u %s\r\n"
	    "Contact: <sip:%s%u@%s:5060>%s\r\n"
	    "%s"
	    "User-Agent: bench-pings\r\n"
	    "Content-Length: 0\r\n\r\n",
	    start, ping ? THIS_HOST : peer, ping ? 'o' : 'r', m->who, m->round, cseq,
	    ping ? "ping" : "user", m->who, m->who, ping ? m->round : 0, ping ? "peer" : "user",
	    m->who, m->step == PING || m->step == REG || m->step == REG_AUTH ? "" : ";tag=t1",
	    m->who, ping ? m->round : 0, ping ? THIS_HOST : peer, cseq,
	    ping ? "OPTIONS" : "REGISTER", ping ? "ping" : "user", m->who, ping ? THIS_HOST : peer,
	    ping ? "" : ";expires=600",
	    m->step == REG_AUTH ? "Authorization: Digest username=\"user\", realm=\"sbc\", "
				  "nonce=\"5f2a\", uri=\"sip:sbc.example.net\", "
				  "response=\"0a4f113b\"\r\n"
				: "");
}

static void feed(struct run *run, const struct planned *m)
{
	struct event ev = {.kind = EV_SIP, .ts_ns = m->ts_ns};
	char peer[32];
	int len = message_text(run, m, peer, sizeof(peer));
	bool from_this_host = m->step == PING || m->step == REG_401 || m->step == REG_200;

	ev.sip.dir = from_this_host ? DIR_OUT : DIR_IN;
	ev.sip.transport = TRANSPORT_UDP;
	endpoint(&ev.sip.local, THIS_HOST, 5060);
	endpoint(&ev.sip.remote, peer, 5060);
	ev.sip.raw = run->raw;
	ev.sip.raw_len = (size_t)len;
	if (correlator_feed(&run->corr, &ev)) {
		fprintf(stderr, "bench_pings: correlator_feed: out of memory at event %lu\n",
			run->events);
		exit(2);
	}
	run->events++;
}

static void on_call(const struct correlator *corr, const struct call *call, void *ctx)
{
	struct run *run = ctx;

	(void)corr;
	(void)call;
	run->retired++;
}

/* Every REPORT_EVERY_S of event time: calls held and heap in use, and the most of the heap. */
static void report(struct run *run, uint64_t ts_ns)
{
	size_t bytes = mallinfo2().uordblks - run->base_bytes;
	uint64_t s = (ts_ns - T0_NS) / NS_PER_S;

	if (bytes > run->most_bytes)
		run->most_bytes = bytes;
	printf("%3llu:%02llu  %10u  %8.2f\n", (unsigned long long)(s / 3600),
	       (unsigned long long)(s % 3600 / 60), run->corr.calls.count,
	       (double)bytes / (1024.0 * 1024.0));
}

int main(int argc, char **argv)
{
	unsigned peers = 100, down = 2, users = 1000, hours = 5;
	struct correlator_config config;
	struct plan plan = {0};
	uint64_t end_ns;
	double cpu0, cpu;
	struct run *run;

	for (int a = 1; a < argc; a++) {
		unsigned *value = !strcmp(argv[a], "--peers")	? &peers
				  : !strcmp(argv[a], "--down")	? &down
				  : !strcmp(argv[a], "--users") ? &users
				  : !strcmp(argv[a], "--hours") ? &hours
								: NULL;
		if (!value || a + 1 == argc) {
			fprintf(stderr, "usage: bench_pings [--peers P] [--down D] [--users U] "
					"[--hours H]\n");
			return 2;
		}
		*value = (unsigned)strtoul(argv[++a], NULL, 10);
	}
	if (!hours || down > peers || peers > 250 * 250 || users > 250 * 250) {
		fprintf(stderr, "bench_pings: --hours at least 1, --down at most --peers, at "
				"most 62,500 peers and users\n");
		return 2;
	}
	end_ns = T0_NS + hours * 3600 * NS_PER_S;
	plan_rounds(&plan, peers, PING_EVERY_S, end_ns, plan_ping, down);
	plan_rounds(&plan, users, REG_EVERY_S, end_ns, plan_registration, 0);
	for (uint64_t ts_ns = T0_NS + REPORT_EVERY_S * NS_PER_S; ts_ns <= end_ns;
	     ts_ns += REPORT_EVERY_S * NS_PER_S)
		plan_add(&plan, ts_ns, 0, 0, REPORT_TICK);
	qsort(plan.at, plan.n, sizeof(*plan.at), by_time);
	run = calloc(1, sizeof(*run));
	if (!run)
		return 2;
	correlator_config_default(&config);
	run->base_bytes = mallinfo2().uordblks;
	correlator_init(&run->corr, &config, on_call, run, stderr);
	printf("out-of-dialog traffic: %u peers pinged every %d s (%u down), %u users registering "
	       "every %d s, %u h of event time\n"
	       " time  calls held  heap MiB\n",
	       peers, PING_EVERY_S, down, users, REG_EVERY_S, hours);
	cpu0 = cpu_seconds();
	for (size_t i = 0; i < plan.n; i++) {
		if (plan.at[i].step == REPORT_TICK) {
			report(run, plan.at[i].ts_ns);
			continue;
		}
		feed(run, &plan.at[i]);
		if (run->corr.calls.count > run->most_calls)
			run->most_calls = run->corr.calls.count;
	}
	cpu = cpu_seconds() - cpu0;
	printf(
	    "most calls held %u, most heap at a report %.2f MiB; retired %lu calls before the end; "
	    "%lu events in %.2f s CPU: %.0f events/s\n",
	    run->most_calls, (double)run->most_bytes / (1024.0 * 1024.0), run->retired, run->events,
	    cpu, (double)run->events / cpu);
	correlator_finish(&run->corr);
	free(plan.at);
	free(run);
	return 0;
}
