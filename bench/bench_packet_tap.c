/* What a loopback load pays in the kernel for the wire path's packet socket. A TCP
 * request/response load (600-byte messages, a client and a server thread, both on CPU 0) runs
 * in short slices; before each slice one variant of siptrail's packet socket (wire_capture: the
 * same BPF filter and TPACKET_V3 ring, every packet read on CPU 1 as siptrail reads it) is
 * hooked into the kernel and after it unhooked, the variants rotating, so the machine's drift
 * (which swings bench_live_overhead's rounds by +-20 % on a shared VM) hits them alike:
 * - none: no packet socket hooked;
 * - siptrail: the socket as `siptrail live` opens it (every interface, both directions: on lo
 *   the leaving copy of each packet is cloned for the socket and dropped by its filter);
 * - ignore-outgoing: the same with PACKET_IGNORE_OUTGOING, each lo packet seen once, arriving
 *   (what the leaving copy costs; not an option for siptrail as it is, since on a real
 *   interface the leaving packets are seen only leaving);
 * - other-port: siptrail's socket tracing another port, so the filter drops every packet of
 *   the load: what each packet on an untraced port (RTP, other services) pays;
 * - tracepoints: a capture from tracepoints instead of a packet socket: programs on
 *   net_dev_start_xmit and netif_receive_skb with the same filter (bpf/packet_tracepoints.bpf.c),
 *   traced packets copied by bpf_skb_output to per-CPU perf buffers that wake the reader when an
 *   eighth full, every packet read on CPU 1; hooked on and off the tracepoints per slice;
 * - tracepoints-other: the same tracing another port.
 * CPU = the load threads' own clocks over the slice (softirq work on lo runs in the sender's
 * context and is charged to it); per variant the median slice, and the median of each slice's
 * difference to the no-socket slice of the same cycle. A last cycle, not timed, counts the
 * filter's runs per message with the kernel's BPF statistics on (they add their own clock
 * reads to every run, which is why the timed cycles run without them). No tracer process, no
 * libssl probes: the packet socket's kernel side alone. Needs root. Not a test. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/perf_event.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "packet_tracepoints.skel.h"
#include "packets.h"
#include "port_set.h"
#include "wire_capture.h"

#define PORT_DEFAULT	    25092 /* BENCH_PORT=N to use another */
#define CYCLES_DEFAULT	    60	  /* BENCH_CYCLES: slices per variant */
#define ROUND_TRIPS_DEFAULT 2000  /* BENCH_ROUND_TRIPS: per slice */
#define CYCLES_MAX	    1000
#define MESSAGE_BYTES	    600
#define HOOK_SETTLE_US	    2000
#define DRAIN_US	    15000 /* a partly filled ring block is handed over after 10 ms */
/* An ethertype no packet here carries (IEEE 802 local experimental): bound to it, the socket
 * is off every interface's all-protocols tap. Binding to protocol 0 would keep ETH_P_ALL. */
#define ETH_P_UNUSED 0x88B5
/* A CPU's perf buffer for the tracepoint variants: as much as the packet ring on 2 CPUs. */
#define TRACE_BUFFER_BYTES (16u << 20)

enum variant {
	VARIANT_NONE,
	VARIANT_SIPTRAIL,
	VARIANT_IGNORE_OUTGOING,
	VARIANT_OTHER_PORT,
	VARIANT_TRACEPOINTS,
	VARIANT_TRACEPOINTS_OTHER_PORT,
	VARIANT_COUNT
};

#define VARIANT_SOCKETS_END VARIANT_TRACEPOINTS /* the packet socket variants end here */
#define FILTER_PROGS_MAX    2			/* BPF programs a variant's filter runs in */

static const char *const variant_names[VARIANT_COUNT] = {
    "none", "siptrail", "ignore-outgoing", "other-port", "tracepoints", "tracepoints-other"};

static struct wire_capture *captures[VARIANT_COUNT];
static struct trace_tap *taps[VARIANT_COUNT];
static __u32 filter_ids[VARIANT_COUNT][FILTER_PROGS_MAX]; /* the filter programs each loaded */
static volatile bool reader_stop;
static volatile uint64_t bytes_read_sum;
static int listener;
static clockid_t server_clock;

static void die(const char *what)
{
	fprintf(stderr, "bench_packet_tap: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void pin_to_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		die("sched_setaffinity (needs 2 CPUs)");
}

static double clock_s(clockid_t clock)
{
	struct timespec now;

	clock_gettime(clock, &now);
	return now.tv_sec + now.tv_nsec / 1e9;
}

/* Every byte read, as siptrail's decoders and TCP reassembly read them. */
static void packet_read(void *ctx, const struct packet_view *packet)
{
	uint64_t sum = 0;

	for (size_t i = 0; i < packet->len; i++)
		sum += packet->data[i];
	bytes_read_sum += sum;
	(void)ctx;
}

/* The tracepoint variants' capture: the programs, their perf buffers and what came through. */
struct trace_tap {
	struct packet_tracepoints *skel;
	struct perf_buffer *buffers;
	uint64_t samples, lost;
};

static enum bpf_perf_event_ret trace_record(void *ctx, int cpu, struct perf_event_header *header)
{
	const struct {
		struct perf_event_header header;
		uint32_t size;
		uint8_t data[];
	} *sample = (const void *)header;
	const struct {
		struct perf_event_header header;
		uint64_t id, lost;
	} *lost = (const void *)header;
	struct trace_tap *tap = ctx;
	struct wire_packet_meta meta;

	(void)cpu;
	if (header->type == PERF_RECORD_LOST)
		tap->lost += lost->lost;
	if (header->type != PERF_RECORD_SAMPLE || sample->size < sizeof(meta))
		return LIBBPF_PERF_EVENT_CONT;
	memcpy(&meta, sample->data, sizeof(meta));
	if (meta.copied > sample->size - sizeof(meta) || meta.net_offset > meta.copied)
		return LIBBPF_PERF_EVENT_CONT;
	packet_read(NULL,
		    &(struct packet_view){.data = sample->data + sizeof(meta) + meta.net_offset,
					  .len = meta.copied - meta.net_offset});
	tap->samples++;
	return LIBBPF_PERF_EVENT_CONT;
}

/* Loads the tracepoint programs tracing PORTS in this network namespace, not hooked yet. */
static struct trace_tap *trace_tap_open(const struct port_set *ports)
{
	struct perf_event_attr attr = {
	    .type = PERF_TYPE_SOFTWARE,
	    .size = sizeof(attr),
	    .config = PERF_COUNT_SW_BPF_OUTPUT,
	    .sample_type = PERF_SAMPLE_RAW,
	    .sample_period = 1,
	    .watermark = 1,
	    .wakeup_watermark = TRACE_BUFFER_BYTES / 8,
	};
	struct trace_tap *tap = calloc(1, sizeof(*tap));
	struct stat netns;

	if (!tap || stat("/proc/self/ns/net", &netns))
		die("the tracepoint capture's network namespace");
	tap->skel = packet_tracepoints__open();
	if (!tap->skel)
		die("open the packet tracepoints' BPF object");
	memcpy((void *)tap->skel->rodata->traced_ports, ports->traced,
	       sizeof(tap->skel->rodata->traced_ports));
	tap->skel->rodata->traced_netns = netns.st_ino;
	errno = -packet_tracepoints__load(tap->skel);
	if (errno)
		die("load the packet tracepoints");
	tap->buffers = perf_buffer__new_raw(bpf_map__fd(tap->skel->maps.wire_packets),
					    TRACE_BUFFER_BYTES / sysconf(_SC_PAGESIZE), &attr,
					    trace_record, tap, NULL);
	if (!tap->buffers)
		die("open the packet tracepoints' perf buffers");
	return tap;
}

static void trace_tap_close(struct trace_tap *tap)
{
	if (!tap)
		return;
	perf_buffer__free(tap->buffers);
	packet_tracepoints__destroy(tap->skel);
	free(tap);
}

static void *reader_main(void *arg)
{
	struct pollfd fds[VARIANT_COUNT];
	nfds_t count = 0;

	(void)arg;
	pin_to_cpu(1);
	for (int v = VARIANT_SIPTRAIL; v < VARIANT_COUNT; v++)
		fds[count++] = (struct pollfd){.fd = v < VARIANT_SOCKETS_END
							 ? wire_capture_fd(captures[v])
							 : perf_buffer__epoll_fd(taps[v]->buffers),
					       .events = POLLIN};
	while (!reader_stop) {
		poll(fds, count, 50);
		for (int v = VARIANT_SIPTRAIL; v < VARIANT_COUNT; v++)
			if (v < VARIANT_SOCKETS_END)
				wire_capture_drain(captures[v], packet_read, NULL);
			else
				perf_buffer__consume(taps[v]->buffers);
	}
	return NULL;
}

/* Reads one message; false at the end of the connection. */
static bool message_read(int fd, char *buf)
{
	for (size_t done = 0; done < MESSAGE_BYTES;) {
		ssize_t n = read(fd, buf + done, MESSAGE_BYTES - done);

		if (n == 0 && done == 0)
			return false;
		if (n <= 0)
			die("read");
		done += n;
	}
	return true;
}

static void message_write(int fd, const char *buf)
{
	for (size_t done = 0; done < MESSAGE_BYTES;) {
		ssize_t n = write(fd, buf + done, MESSAGE_BYTES - done);

		if (n <= 0)
			die("write");
		done += n;
	}
}

/* Answers every message with one of the same size until the client closes. */
static void *server_main(void *arg)
{
	char buf[MESSAGE_BYTES];
	int fd;

	(void)arg;
	pin_to_cpu(0);
	fd = accept(listener, NULL, NULL);
	if (fd < 0)
		die("accept");
	while (message_read(fd, buf))
		message_write(fd, buf);
	close(fd);
	return NULL;
}

/* The newest program named NAME: the one the capture opened last loaded (program ids only
 * grow). */
static __u32 newest_prog_id(const char *name)
{
	__u32 id = 0, newest = 0;

	while (!bpf_prog_get_next_id(id, &id)) {
		struct bpf_prog_info info = {0};
		__u32 len = sizeof(info);
		int fd = bpf_prog_get_fd_by_id(id);

		if (fd < 0)
			continue;
		if (!bpf_obj_get_info_by_fd(fd, &info, &len) && !strcmp(info.name, name))
			newest = id;
		close(fd);
	}
	if (!newest)
		die("find the filter program just loaded");
	return newest;
}

struct filter_runs {
	__u64 count, ns;
};

/* The runs of variant V's filter programs, summed. */
static struct filter_runs filter_runs_read(enum variant v)
{
	struct filter_runs runs = {0};

	for (int p = 0; p < FILTER_PROGS_MAX && filter_ids[v][p]; p++) {
		struct bpf_prog_info info = {0};
		__u32 len = sizeof(info);
		int fd = bpf_prog_get_fd_by_id(filter_ids[v][p]);

		if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len))
			die("read the filter's statistics");
		close(fd);
		runs.count += info.run_cnt;
		runs.ns += info.run_time_ns;
	}
	return runs;
}

/* Hooks variant V's socket on every interface (ETH_P_ALL), or off them; or its programs on
 * their tracepoints, or off them. */
static void hook(enum variant v, bool on)
{
	struct sockaddr_ll to = {
	    .sll_family = AF_PACKET,
	    .sll_protocol = htons(on ? ETH_P_ALL : ETH_P_UNUSED),
	};

	if (v == VARIANT_NONE)
		return;
	if (v >= VARIANT_SOCKETS_END) {
		if (!on) {
			packet_tracepoints__detach(taps[v]->skel);
			return;
		}
		errno = -packet_tracepoints__attach(taps[v]->skel);
		if (errno)
			die("hook the packet tracepoints");
		return;
	}
	if (bind(wire_capture_fd(captures[v]), (struct sockaddr *)&to, sizeof(to)))
		die("bind the packet socket");
}

/* One slice: variant V hooked while ROUND_TRIPS round trips run; returns the load's CPU. */
static double slice_run(enum variant v, int fd, char *buf, unsigned round_trips)
{
	double load_start, load_end;

	hook(v, true);
	usleep(HOOK_SETTLE_US);
	load_start = clock_s(CLOCK_THREAD_CPUTIME_ID) + clock_s(server_clock);
	for (unsigned m = 0; m < round_trips; m++) {
		message_write(fd, buf);
		if (!message_read(fd, buf))
			die("the server closed");
	}
	load_end = clock_s(CLOCK_THREAD_CPUTIME_ID) + clock_s(server_clock);
	usleep(DRAIN_US);
	hook(v, false);
	return load_end - load_start;
}

static int compare_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static unsigned env_or(const char *name, unsigned fallback)
{
	return getenv(name) ? strtoul(getenv(name), NULL, 10) : fallback;
}

int main(void)
{
	static double slice_us[VARIANT_COUNT][CYCLES_MAX], diff_us[VARIANT_COUNT][CYCLES_MAX];
	unsigned cycles = env_or("BENCH_CYCLES", CYCLES_DEFAULT);
	unsigned round_trips = env_or("BENCH_ROUND_TRIPS", ROUND_TRIPS_DEFAULT);
	unsigned port = env_or("BENCH_PORT", PORT_DEFAULT);
	double reader_s[VARIANT_COUNT] = {0};
	struct sockaddr_in at = {.sin_family = AF_INET, .sin_port = htons(port)};
	static struct port_set ports;
	char buf[MESSAGE_BYTES], port_text[8], why[256];
	struct filter_runs runs[VARIANT_COUNT] = {0};
	pthread_t server, reader;
	clockid_t reader_clock;
	int one = 1, fd, stats_fd;

	if (geteuid() != 0) {
		fprintf(stderr, "bench_packet_tap: needs root (packet sockets, BPF)\n");
		return 1;
	}
	if (cycles < 3 || cycles > CYCLES_MAX || !round_trips || !port || port > 65535) {
		fprintf(stderr,
			"bench_packet_tap: BENCH_CYCLES 3-%d, BENCH_ROUND_TRIPS > 0, "
			"BENCH_PORT 1-65535\n",
			CYCLES_MAX);
		return 1;
	}
	snprintf(port_text, sizeof(port_text), "%u", port);
	for (int v = VARIANT_SIPTRAIL; v < VARIANT_COUNT; v++) {
		bool other_port = v == VARIANT_OTHER_PORT || v == VARIANT_TRACEPOINTS_OTHER_PORT;

		snprintf(port_text, sizeof(port_text), "%u",
			 other_port ? (port == 1 ? 2 : port - 1) : port);
		if (port_set_parse(&ports, port_text, why, sizeof(why))) {
			fprintf(stderr, "bench_packet_tap: %s\n", why);
			return 1;
		}
		if (v >= VARIANT_SOCKETS_END) {
			taps[v] = trace_tap_open(&ports);
			filter_ids[v][0] = newest_prog_id("wire_leaving");
			filter_ids[v][1] = newest_prog_id("wire_arriving");
		} else if (wire_capture_open(&ports, &captures[v], why, sizeof(why))) {
			fprintf(stderr, "bench_packet_tap: %s\n", why);
			return 1;
		} else {
			filter_ids[v][0] = newest_prog_id("wire_filter");
		}
		hook(v, false);
	}
	if (setsockopt(wire_capture_fd(captures[VARIANT_IGNORE_OUTGOING]), SOL_PACKET,
		       PACKET_IGNORE_OUTGOING, &one, sizeof(one)))
		die("PACKET_IGNORE_OUTGOING");
	pin_to_cpu(0);
	if (pthread_create(&reader, NULL, reader_main, NULL))
		die("pthread_create");
	inet_pton(AF_INET, "127.0.0.1", &at.sin_addr);
	listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(listener, (struct sockaddr *)&at, sizeof(at)) || listen(listener, 8))
		die("listen on the bench port (BENCH_PORT)");
	if (pthread_create(&server, NULL, server_main, NULL))
		die("pthread_create");
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&at, sizeof(at)))
		die("connect");
	pthread_getcpuclockid(server, &server_clock);
	pthread_getcpuclockid(reader, &reader_clock);
	memset(buf, 'x', sizeof(buf));

	printf("packet socket's kernel cost: loopback TCP request/response of %d-byte messages "
	       "on port %u (load on CPU 0, packets read on CPU 1), %u cycles of %d slices of %u "
	       "round trips, the variants rotating\n",
	       MESSAGE_BYTES, port, cycles, VARIANT_COUNT, round_trips);
	/* one cycle first, not counted: connections, caches and rings warm */
	for (int cycle = -1; cycle < (int)cycles; cycle++) {
		for (int place = 0; place < VARIANT_COUNT; place++) {
			enum variant v = (cycle + VARIANT_COUNT + place) % VARIANT_COUNT;
			double reader_start = clock_s(reader_clock);
			double load_s = slice_run(v, fd, buf, round_trips);

			if (cycle < 0)
				continue;
			slice_us[v][cycle] = load_s / (2.0 * round_trips) * 1e6;
			reader_s[v] += clock_s(reader_clock) - reader_start;
		}
	}
	stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
	if (stats_fd < 0)
		die("BPF_ENABLE_STATS");
	for (int v = VARIANT_SIPTRAIL; v < VARIANT_COUNT; v++) {
		struct filter_runs start = filter_runs_read(v), end;

		slice_run(v, fd, buf, round_trips);
		end = filter_runs_read(v);
		runs[v].count = end.count - start.count;
		runs[v].ns = end.ns - start.ns;
	}
	close(stats_fd);
	close(fd);
	pthread_join(server, NULL);
	reader_stop = true;
	pthread_join(reader, NULL);

	for (unsigned c = 0; c < cycles; c++)
		for (int v = 0; v < VARIANT_COUNT; v++)
			diff_us[v][c] = slice_us[v][c] - slice_us[VARIANT_NONE][c];
	qsort(slice_us[VARIANT_NONE], cycles, sizeof(double), compare_double);
	for (int v = 0; v < VARIANT_COUNT; v++) {
		double none_us = slice_us[VARIANT_NONE][cycles / 2];
		struct packet_ring_stats stats = {0};

		if (v != VARIANT_NONE) {
			qsort(slice_us[v], cycles, sizeof(double), compare_double);
			qsort(diff_us[v], cycles, sizeof(double), compare_double);
			if (v >= VARIANT_SOCKETS_END)
				stats = (struct packet_ring_stats){.packets = taps[v]->samples +
									      taps[v]->lost,
								   .drops = taps[v]->lost};
			else if (wire_capture_stats(captures[v], &stats))
				die("PACKET_STATISTICS");
		}
		printf("  %-17s %6.3f us/message (median slice)", variant_names[v],
		       slice_us[v][cycles / 2]);
		if (v != VARIANT_NONE)
			printf(", over none %+6.3f us (%+.1f %%; quartiles %+.3f to %+.3f us), "
			       "%.2f packets/message to its ring, %llu dropped, reader %.3f "
			       "us/message, filter %.2f runs/message at %.0f ns/run",
			       diff_us[v][cycles / 2], diff_us[v][cycles / 2] / none_us * 100,
			       diff_us[v][cycles / 4], diff_us[v][cycles * 3 / 4],
			       /* the warm-up, the timed cycles and the counting one */
			       stats.packets / (2.0 * round_trips * (cycles + 2)),
			       (unsigned long long)stats.drops,
			       reader_s[v] / (2.0 * round_trips * cycles) * 1e6,
			       runs[v].count / (2.0 * round_trips),
			       runs[v].count ? (double)runs[v].ns / runs[v].count : 0);
		printf("\n");
	}
	for (int v = VARIANT_SIPTRAIL; v < VARIANT_COUNT; v++) {
		wire_capture_close(captures[v]);
		trace_tap_close(taps[v]);
	}
	close(listener);
	return 0;
}
