/* The wire path of `siptrail live` on loopback: how many packets per second it decodes and what
 * CPU it costs. A sender blasts SIP OPTIONS datagrams (600 bytes) to a traced UDP port at fixed
 * rates and then as fast as it can; each datagram goes through the socket filter, the packet
 * ring, packet_decode, the SIP parser and the JSON writer (stdout to /dev/null). Reported per
 * run: packets the filter passed, dropped in the ring, siptrail's user+sys CPU, CPU per packet.
 * The same blast with --no-wire gives the baseline. Needs root. Not a test. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PORT	      25091
#define PORT_TEXT     "25091"
#define SECONDS	      3
#define MESSAGE_BYTES 600
#define SIP_HEADER                                                                                 \
	"OPTIONS sip:probe@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bK1\r\n"    \
	"From: <sip:bench@127.0.0.1>;tag=1\r\nTo: <sip:probe@127.0.0.1>\r\n"                       \
	"Call-ID: bench@127.0.0.1\r\nCSeq: 1 OPTIONS\r\nContent-Length: "

static void die(const char *what)
{
	fprintf(stderr, "bench_wire: %s: %s\n", what, strerror(errno));
	exit(1);
}

static double now_s(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec + now.tv_nsec / 1e9;
}

static pid_t siptrail_start(bool wire, const char *stderr_path)
{
	char line[512];
	pid_t pid = fork();

	if (pid < 0)
		die("fork");
	if (pid == 0) {
		int out = open("/dev/null", O_WRONLY), err = creat(stderr_path, 0600);

		dup2(out, STDOUT_FILENO);
		dup2(err, STDERR_FILENO);
		execl("build/siptrail", "siptrail", "live", "--json", "--ports", PORT_TEXT,
		      wire ? NULL : "--no-wire", NULL);
		_exit(127);
	}
	for (int tries = 0; tries < 200; tries++) {
		FILE *log = fopen(stderr_path, "r");
		bool ready = false;

		while (log && fgets(line, sizeof(line), log))
			ready |= strstr(line, "tracing TCP ports") != NULL;
		if (log)
			fclose(log);
		if (ready)
			return pid;
		usleep(50000);
	}
	fprintf(stderr, "bench_wire: siptrail did not start\n");
	exit(1);
}

/* Sends for SECONDS at rate packets/s (0: as fast as possible). Returns packets sent. */
static uint64_t blast(int sender, const struct sockaddr_in *to, const char *message, double rate)
{
	double start = now_s(), next = start;
	uint64_t sent = 0;

	while (now_s() - start < SECONDS) {
		if (rate > 0) {
			next += 1.0 / rate;
			while (now_s() < next)
				;
		}
		if (sendto(sender, message, MESSAGE_BYTES, 0, (const struct sockaddr *)to,
			   sizeof(*to)) == MESSAGE_BYTES)
			sent++;
	}
	return sent;
}

static void run(bool wire, double rate, int sender, const struct sockaddr_in *to,
		const char *message)
{
	const char *stderr_path = "/tmp/stwire-bench-stderr";
	unsigned long long packets = 0, drops = 0, streams, not_followed, events = 0;
	struct rusage usage;
	char line[512];
	uint64_t sent;
	double cpu_s;
	FILE *log;
	int status;
	pid_t pid = siptrail_start(wire, stderr_path);

	sent = blast(sender, to, message, rate);
	usleep(300000);
	kill(pid, SIGINT);
	if (wait4(pid, &status, 0, &usage) != pid)
		die("wait4");
	cpu_s = usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6 + usage.ru_stime.tv_sec +
		usage.ru_stime.tv_usec / 1e6;
	log = fopen(stderr_path, "r");
	while (log && fgets(line, sizeof(line), log))
		sscanf(line,
		       "siptrail live: wire: %llu packets, %llu dropped in the kernel, %llu TCP "
		       "streams (%llu not followed), %llu wire events",
		       &packets, &drops, &streams, &not_followed, &events);
	if (log)
		fclose(log);
	unlink(stderr_path);
	printf("%-7s %-5s sent %7.0f/s  passed %8llu  dropped %7llu  sip events %8llu  "
	       "siptrail CPU %5.2f s (%5.1f%% of a core)  %5.2f us/packet\n",
	       wire ? "wire" : "no-wire", rate > 0 ? "paced" : "max", sent / (double)SECONDS,
	       packets, drops, events, cpu_s, 100 * cpu_s / (SECONDS + 0.3),
	       packets ? 1e6 * cpu_s / packets : 0.0);
}

int main(void)
{
	static const double rates[] = {10000, 50000, 0};
	struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(PORT)};
	char message[MESSAGE_BYTES];
	int receiver, sender, buffer = 1 << 20, header_len;

	if (geteuid() != 0) {
		fprintf(stderr, "bench_wire: needs root\n");
		return 1;
	}
	header_len = snprintf(message, sizeof(message), "%s%d\r\n\r\n", SIP_HEADER, 0);
	header_len = snprintf(message, sizeof(message), "%s%d\r\n\r\n", SIP_HEADER,
			      MESSAGE_BYTES - header_len);
	memset(message + header_len, 'x', sizeof(message) - header_len);
	inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
	receiver = socket(AF_INET, SOCK_DGRAM, 0);
	sender = socket(AF_INET, SOCK_DGRAM, 0);
	if (receiver < 0 || sender < 0 || bind(receiver, (struct sockaddr *)&to, sizeof(to)))
		die("UDP sockets");
	/* Datagrams that fill the receiver's buffer are dropped there, after the packet tap. */
	setsockopt(receiver, SOL_SOCKET, SO_RCVBUF, &buffer, sizeof(buffer));
	printf("bench_wire: %d s per run, %d-byte SIP datagrams to 127.0.0.1:%d\n", SECONDS,
	       MESSAGE_BYTES, PORT);
	for (size_t i = 0; i < sizeof(rates) / sizeof(rates[0]); i++) {
		run(false, rates[i], sender, &to, message);
		run(true, rates[i], sender, &to, message);
	}
	return 0;
}
