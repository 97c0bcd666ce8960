/*
 * Postmortem at trunk size (not a test): time and peak memory of the offline commands
 * (`siptrail calls`, `explain`, `replay --json`) on captures this program writes, at several
 * sizes, so that linearity (or its absence) shows.
 *
 * Two kinds of input (issue 15):
 * - short calls: N trunk calls over UDP (trunk_capture.h), as classic pcap;
 * - chatty dialogs: the corpus capture wireshark.pcap (6 Call-IDs) appended to itself K times,
 *   records as they are, as `mergecap -a` does (so time restarts at every copy).
 *
 * Each command runs as a child process with its output to /dev/null; wall time, CPU time and
 * peak RSS (wait4's ru_maxrss) are printed with the input size, MB/s and messages/s (packets
 * of the capture per second of wall time). tshark's `-Y sip -T fields -e sip.Call-ID` on the
 * same file is printed beside it for inputs up to --tshark-max-mb.
 *
 * usage: bench_postmortem [--calls N,N,...] [--copies K,K,...] [--no-tshark]
 *                         [--tshark-max-mb M] [--corpus PCAP] [--keep DIR]
 * SIPTRAIL_BIN: the siptrail to run (default build/siptrail).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "trunk_capture.h"

#define MAX_SIZES 8

struct sizes {
	unsigned value[MAX_SIZES];
	unsigned count;
};

struct run_figures {
	double wall_s, cpu_s, peak_mib;
	int status;
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int parse_sizes(const char *arg, struct sizes *sizes)
{
	char *end;

	sizes->count = 0;
	do {
		unsigned long v = strtoul(arg, &end, 10);
		if (end == arg || !v || sizes->count == MAX_SIZES)
			return -1;
		sizes->value[sizes->count++] = (unsigned)v;
		arg = end + 1;
	} while (*end == ',');
	return *end ? -1 : 0;
}

/* Runs ARGV with stdout and stderr on /dev/null and measures it. */
static int run_measured(char *const argv[], struct run_figures *fig)
{
	struct rusage ru;
	double t0 = now_s();
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);
		dup2(null, STDOUT_FILENO);
		dup2(null, STDERR_FILENO);
		execvp(argv[0], argv);
		_exit(127);
	}
	if (wait4(pid, &fig->status, 0, &ru) != pid)
		return -errno;
	fig->wall_s = now_s() - t0;
	fig->cpu_s = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
		     (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
	fig->peak_mib = (double)ru.ru_maxrss / 1024.0; /* ru_maxrss is in KiB */
	return 0;
}

static void print_figures(const char *what, double mb, uint64_t packets,
			  const struct run_figures *fig)
{
	int code = WIFEXITED(fig->status) ? WEXITSTATUS(fig->status) : 128 + WTERMSIG(fig->status);

	printf("  %-24s %8.2f s wall %8.2f s CPU %8.1f MB/s %10.0f msg/s  peak RSS %7.1f MiB"
	       "  exit %d\n",
	       what, fig->wall_s, fig->cpu_s, mb / fig->wall_s, (double)packets / fig->wall_s,
	       fig->peak_mib, code);
}

static void bench_file(const char *label, const char *path, uint64_t packets, bool tshark,
		       double tshark_max_mb)
{
	const char *siptrail = getenv("SIPTRAIL_BIN") ? getenv("SIPTRAIL_BIN") : "build/siptrail";
	static const char *const commands[][2] = {
	    {"calls", NULL}, {"explain", NULL}, {"replay", "--json"}};
	struct run_figures fig;
	struct stat st;
	double mb;

	if (stat(path, &st))
		return;
	/* The capture was just written: its writeback would otherwise run during the first
	 * commands and be charged to them (calls read 165-220 MB/s first, 300-370 after). */
	sync();
	mb = (double)st.st_size / 1e6;
	printf("%s: %.1f MB, %llu packets\n", label, mb, (unsigned long long)packets);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		char *argv[] = {(char *)siptrail, (char *)commands[i][0], (char *)path,
				(char *)commands[i][1], NULL};
		char what[64];

		snprintf(what, sizeof(what), "siptrail %s%s%s", commands[i][0],
			 commands[i][1] ? " " : "", commands[i][1] ? commands[i][1] : "");
		if (run_measured(argv, &fig) == 0)
			print_figures(what, mb, packets, &fig);
	}
	if (tshark && mb <= tshark_max_mb) {
		char *argv[] = {"tshark", "-r",	    (char *)path, "-Y",		 "sip",
				"-T",	  "fields", "-e",	  "sip.Call-ID", NULL};
		if (run_measured(argv, &fig) == 0)
			print_figures("tshark -Y sip -e Call-ID", mb, packets, &fig);
	}
	fflush(stdout);
}

/* CORPUS appended to itself COPIES times, records unchanged (mergecap -a). */
static int write_copies(const char *corpus, unsigned copies, const char *path, uint64_t *packets)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	pcap_t *in =
	    pcap_open_offline_with_tstamp_precision(corpus, PCAP_TSTAMP_PRECISION_MICRO, errbuf);
	pcap_dumper_t *out = in ? pcap_dump_open(in, path) : NULL;
	struct pcap_pkthdr *hdr, *hdrs = NULL;
	u_char **datas = NULL;
	const u_char *data;
	size_t n = 0, cap = 0;
	int rc = 0;

	if (!out) {
		fprintf(stderr, "bench_postmortem: %s: %s\n", corpus,
			in ? pcap_geterr(in) : errbuf);
		if (in)
			pcap_close(in);
		return -1;
	}
	while (pcap_next_ex(in, &hdr, &data) == 1) {
		if (n == cap) {
			cap = cap ? cap * 2 : 256;
			hdrs = realloc(hdrs, cap * sizeof(*hdrs));
			datas = realloc(datas, cap * sizeof(*datas));
			if (!hdrs || !datas)
				return -1; /* a bench: the process ends */
		}
		hdrs[n] = *hdr;
		datas[n] = malloc(hdr->caplen);
		if (!datas[n])
			return -1;
		memcpy(datas[n++], data, hdr->caplen);
	}
	for (unsigned c = 0; c < copies; c++)
		for (size_t i = 0; i < n; i++)
			pcap_dump((u_char *)out, &hdrs[i], datas[i]);
	*packets = (uint64_t)n * copies;
	if (pcap_dump_flush(out))
		rc = -1;
	pcap_dump_close(out);
	pcap_close(in);
	for (size_t i = 0; i < n; i++)
		free(datas[i]);
	free(datas);
	free(hdrs);
	return rc;
}

static void usage(void)
{
	fprintf(stderr, "usage: bench_postmortem [--calls N,N,...] [--copies K,K,...] "
			"[--no-tshark] [--tshark-max-mb M] [--corpus PCAP] [--keep DIR]\n");
}

int main(int argc, char **argv)
{
	struct sizes calls = {{20000, 60000}, 2}, copies = {{100, 200, 400}, 3};
	const char *corpus = "../shared/corpus/sip-captures/wireshark.pcap", *keep = NULL;
	char dir[] = "/tmp/bench-postmortem-XXXXXX", path[512], ng_path[512];
	double tshark_max_mb = 70;
	bool tshark = true;

	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(arg, "--no-tshark")) {
			tshark = false;
			continue;
		}
		if (!val) {
			usage();
			return 2;
		}
		i++;
		if (!strcmp(arg, "--calls") && !parse_sizes(val, &calls))
			continue;
		if (!strcmp(arg, "--copies") && !parse_sizes(val, &copies))
			continue;
		if (!strcmp(arg, "--tshark-max-mb")) {
			tshark_max_mb = strtod(val, NULL);
			continue;
		}
		if (!strcmp(arg, "--corpus")) {
			corpus = val;
			continue;
		}
		if (!strcmp(arg, "--keep")) {
			keep = val;
			continue;
		}
		usage();
		return 2;
	}
	if (!mkdtemp(dir)) {
		perror("bench_postmortem: mkdtemp");
		return 2;
	}
	for (unsigned i = 0; i < calls.count; i++) {
		uint64_t packets = 0;
		char label[128];

		snprintf(ng_path, sizeof(ng_path), "%s/calls-%u.pcapng", keep ? keep : dir,
			 calls.value[i]);
		snprintf(path, sizeof(path), "%s/calls-%u.pcap", keep ? keep : dir, calls.value[i]);
		if (write_capture(ng_path, calls.value[i], &packets) ||
		    convert_to_pcap(ng_path, path)) {
			fprintf(stderr, "bench_postmortem: cannot write %s\n", path);
			return 2;
		}
		unlink(ng_path);
		snprintf(label, sizeof(label), "%u short calls over UDP", calls.value[i]);
		bench_file(label, path, packets, tshark, tshark_max_mb);
		if (!keep)
			unlink(path);
	}
	for (unsigned i = 0; i < copies.count; i++) {
		uint64_t packets = 0;
		char label[128];

		snprintf(path, sizeof(path), "%s/wireshark-x%u.pcap", keep ? keep : dir,
			 copies.value[i]);
		if (write_copies(corpus, copies.value[i], path, &packets))
			return 2;
		snprintf(label, sizeof(label), "wireshark.pcap appended %u times (6 Call-IDs)",
			 copies.value[i]);
		bench_file(label, path, packets, tshark, tshark_max_mb);
		if (!keep)
			unlink(path);
	}
	rmdir(dir);
	return 0;
}
