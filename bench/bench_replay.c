/*
 * Replay speed (not a test): writes a capture of N trunk calls as SIP over UDP (trunk_capture.h),
 * times `siptrail replay` (the capture source: file reader, decode, SIP events) on it, and
 * `tshark -r FILE -Y sip` on the same file, and prints packets/s, MB/s and the ratio.
 *
 * The same packets are timed as classic pcap and as pcapng.
 *
 * usage: bench_replay [--calls N] [--no-tshark]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "capture_source.h"
#include "trunk_capture.h"

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int drop(void *ctx, struct event *ev)
{
	(*(uint64_t *)ctx)++;
	event_release(ev);
	return 0;
}

/* Times siptrail replay and (optionally) tshark -Y sip on PATH. */
static void time_file(const char *label, const char *path, uint64_t packets, bool tshark)
{
	struct capture_source_options options = {.hosts = {"192.0.2.10"}, .n_hosts = 1};
	uint64_t events = 0;
	struct capture_source_run run = {&options, drop, NULL, &events};
	struct capture_source_stats stats;
	struct capture_error err;
	struct stat st;
	double t0, ours_s, tshark_s, mb;
	char cmd[512];

	stat(path, &st);
	mb = (double)st.st_size / 1e6;
	t0 = now_s();
	if (capture_source_read(path, &run, &stats, &err)) {
		fprintf(stderr, "bench_replay: %s\n", err.message);
		return;
	}
	ours_s = now_s() - t0;
	printf("%s, %.1f MB:\n  siptrail replay: %.3f s, %.0f packets/s, %.1f MB/s, %llu events\n",
	       label, mb, ours_s, packets / ours_s, mb / ours_s, (unsigned long long)events);
	if (!tshark)
		return;
	snprintf(cmd, sizeof(cmd), "tshark -r %s -Y sip >/dev/null 2>&1", path);
	t0 = now_s();
	if (system(cmd))
		fprintf(stderr, "bench_replay: tshark failed\n");
	tshark_s = now_s() - t0;
	printf("  tshark -Y sip:   %.3f s, %.0f packets/s, %.1f MB/s\n  ratio: %.1f times "
	       "faster than tshark -Y sip\n",
	       tshark_s, packets / tshark_s, mb / tshark_s, tshark_s / ours_s);
}

int main(int argc, char **argv)
{
	unsigned calls = 20000;
	bool tshark = true;
	char ng_path[] = "/tmp/bench-replay-XXXXXX", pcap_path[64];
	uint64_t packets = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--calls") && i + 1 < argc)
			calls = (unsigned)strtoul(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--no-tshark"))
			tshark = false;
		else {
			fprintf(stderr, "usage: bench_replay [--calls N] [--no-tshark]\n");
			return 2;
		}
	}
	close(mkstemp(ng_path));
	snprintf(pcap_path, sizeof(pcap_path), "%s.pcap", ng_path);
	if (write_capture(ng_path, calls, &packets) || convert_to_pcap(ng_path, pcap_path)) {
		fprintf(stderr, "bench_replay: cannot write the captures\n");
		return 2;
	}
	printf("%u calls, %llu packets of SIP over UDP\n", calls, (unsigned long long)packets);
	time_file("pcap (as tcpdump -w writes)", pcap_path, packets, tshark);
	time_file("pcapng (siptrail's writer: a comment on every packet)", ng_path, packets,
		  tshark);
	unlink(ng_path);
	unlink(pcap_path);
	return 0;
}
