/* Memory of a long `siptrail live` run: a SIP trunk of a few long-lived TCP connections
 * carrying thousands of short calls (INVITE, 200, ACK, BYE, 200, each call its own Call-ID), at
 * a steady rate, while the resident set size of siptrail is sampled every second. The
 * correlator retires a call 32 s after its BYE, so the tables fill for that long and then hold
 * steady: the second half of the run must add less than GROWTH_LIMIT_KIB (exit 1 otherwise).
 * Runs in a network namespace of its own. Needs root. Not a test.
 * BENCH_SECONDS (default 120), BENCH_RATE calls per second (default 200). */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PORT		 25095
#define TRUNK_CONNS	 8
#define SECONDS_DEFAULT	 120
#define RATE_DEFAULT	 200
#define GROWTH_LIMIT_KIB 2048 /* over the second half */
#define MAX_SAMPLES	 3600
#define NS_PER_S	 1000000000LL

struct trunk_conn {
	int client, server;
};

static long long monotonic_ns(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec * NS_PER_S + now.tv_nsec;
}

static long env_long(const char *name, long fallback)
{
	const char *text = getenv(name);

	return text && *text ? strtol(text, NULL, 10) : fallback;
}

static void die(const char *what)
{
	fprintf(stderr, "bench_live_memory: %s: %s\n", what, strerror(errno));
	exit(2);
}

/* siptrail's VmRSS in KiB, 0 when it is gone. */
static long rss_kib(pid_t pid)
{
	char path[64], line[256];
	long kib = 0;
	FILE *status;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	status = fopen(path, "r");
	if (!status)
		return 0;
	while (fgets(line, sizeof(line), status))
		if (sscanf(line, "VmRSS: %ld kB", &kib) == 1)
			break;
	fclose(status);
	return kib;
}

/* Starts `siptrail live` on PORT and returns once it traces. */
static pid_t siptrail_start(void)
{
	const char *bin = getenv("SIPTRAIL_BIN") ? getenv("SIPTRAIL_BIN") : "build/siptrail";
	char ports[8], line[512];
	int err_pipe[2];
	FILE *err;
	pid_t pid;

	snprintf(ports, sizeof(ports), "%d", PORT);
	if (pipe(err_pipe))
		die("pipe");
	pid = fork();
	if (pid < 0)
		die("fork");
	if (!pid) {
		int devnull = open("/dev/null", O_WRONLY);

		dup2(devnull, STDOUT_FILENO);
		dup2(err_pipe[1], STDERR_FILENO);
		execl(bin, bin, "live", "--json", "--ports", ports, (char *)NULL);
		_exit(127);
	}
	close(err_pipe[1]);
	err = fdopen(err_pipe[0], "r");
	while (fgets(line, sizeof(line), err)) {
		if (strstr(line, "tracing TCP ports")) {
			/* the rest of its stderr (the summary) goes to ours */
			if (!fork()) {
				while (fgets(line, sizeof(line), err))
					fputs(line, stderr);
				_exit(0);
			}
			fclose(err);
			return pid;
		}
	}
	fprintf(stderr, "bench_live_memory: %s live did not start\n", bin);
	exit(2);
}

static void trunk_open(struct trunk_conn conns[TRUNK_CONNS])
{
	struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(PORT)};
	int listener = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (listener < 0 || bind(listener, (struct sockaddr *)&addr, sizeof(addr)) ||
	    listen(listener, TRUNK_CONNS))
		die("listen");
	for (int i = 0; i < TRUNK_CONNS; i++) {
		conns[i].client = socket(AF_INET, SOCK_STREAM, 0);
		if (conns[i].client < 0 ||
		    connect(conns[i].client, (struct sockaddr *)&addr, sizeof(addr)))
			die("connect");
		conns[i].server = accept(listener, NULL, NULL);
		if (conns[i].server < 0)
			die("accept");
		/* the ACK and the BYE go back to back: no waiting for a delayed ACK */
		setsockopt(conns[i].client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		setsockopt(conns[i].server, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	}
	close(listener);
}

/* Sends one message from FROM and reads it whole at TO. */
static void carry(int from, int to, const char *message)
{
	size_t len = strlen(message), got = 0;
	char buf[2048];

	if (write(from, message, len) != (ssize_t)len)
		die("write");
	while (got < len) {
		ssize_t n = read(to, buf, sizeof(buf) < len - got ? sizeof(buf) : len - got);

		if (n <= 0)
			die("read");
		got += (size_t)n;
	}
}

/* A request of call CALL; in-dialog ones (TO_TAG) carry the callee's tag. */
static void request(char *buf, size_t size, const char *method, unsigned cseq, long call,
		    bool to_tag)
{
	char tag[32] = "";

	if (to_tag)
		snprintf(tag, sizeof(tag), ";tag=to-%ld", call);
	snprintf(buf, size,
		 "%s sip:+4930%07ld@127.0.0.1:%d;transport=tcp SIP/2.0\r\n"
		 "Via: SIP/2.0/TCP 127.0.0.1:5060;branch=z9hG4bK-%ld-%u\r\n"
		 "Max-Forwards: 70\r\n"
		 "From: <sip:+4989123@127.0.0.1>;tag=from-%ld\r\n"
		 "To: <sip:+4930%07ld@127.0.0.1>%s\r\n"
		 "Call-ID: soak-%ld@127.0.0.1\r\n"
		 "CSeq: %u %s\r\n"
		 "Contact: <sip:carrier@127.0.0.1:5060;transport=tcp>\r\n"
		 "Content-Length: 0\r\n\r\n",
		 method, call, PORT, call, cseq, call, call, tag, call, cseq, method);
}

static void response(char *buf, size_t size, const char *method, unsigned cseq, long call)
{
	snprintf(buf, size,
		 "SIP/2.0 200 OK\r\n"
		 "Via: SIP/2.0/TCP 127.0.0.1:5060;branch=z9hG4bK-%ld-%u\r\n"
		 "From: <sip:+4989123@127.0.0.1>;tag=from-%ld\r\n"
		 "To: <sip:+4930%07ld@127.0.0.1>;tag=to-%ld\r\n"
		 "Call-ID: soak-%ld@127.0.0.1\r\n"
		 "CSeq: %u %s\r\n"
		 "Contact: <sip:pbx@127.0.0.1:%d;transport=tcp>\r\n"
		 "Content-Length: 0\r\n\r\n",
		 call, cseq, call, call, call, call, cseq, method, PORT);
}

/* One whole call on CONN, client side calling. */
static void call_once(const struct trunk_conn *conn, long call)
{
	char buf[1024];

	request(buf, sizeof(buf), "INVITE", 1, call, false);
	carry(conn->client, conn->server, buf);
	response(buf, sizeof(buf), "INVITE", 1, call);
	carry(conn->server, conn->client, buf);
	request(buf, sizeof(buf), "ACK", 1, call, true);
	carry(conn->client, conn->server, buf);
	request(buf, sizeof(buf), "BYE", 2, call, true);
	carry(conn->client, conn->server, buf);
	response(buf, sizeof(buf), "BYE", 2, call);
	carry(conn->server, conn->client, buf);
}

int main(void)
{
	long seconds = env_long("BENCH_SECONDS", SECONDS_DEFAULT);
	long rate = env_long("BENCH_RATE", RATE_DEFAULT);
	static long samples[MAX_SAMPLES];
	struct trunk_conn conns[TRUNK_CONNS];
	long long start_ns, next_call_ns;
	long calls = 0, first_half, second_half, n_samples = 0;
	int status;
	pid_t pid;

	if (geteuid() != 0) {
		fprintf(stderr, "bench_live_memory: needs root\n");
		return 2;
	}
	if (seconds < 4 || seconds >= MAX_SAMPLES || rate < 1)
		return fprintf(stderr, "bench_live_memory: bad BENCH_SECONDS or BENCH_RATE\n"), 2;
	if (unshare(CLONE_NEWNET) || system("ip link set lo up"))
		die("a network namespace of its own");
	pid = siptrail_start();
	trunk_open(conns);
	printf("siptrail live, a trunk of %d TCP connections, %ld calls/s (5 messages each) for "
	       "%ld s\n  s  calls  RSS KiB\n",
	       TRUNK_CONNS, rate, seconds);
	fflush(stdout);
	start_ns = next_call_ns = monotonic_ns();
	while (n_samples < seconds) {
		long long now_ns = monotonic_ns();

		if (now_ns >= start_ns + (n_samples + 1) * NS_PER_S) {
			samples[n_samples++] = rss_kib(pid);
			if (n_samples % 5 == 0 || n_samples == 1)
				printf("%3ld %6ld %8ld\n", n_samples, calls,
				       samples[n_samples - 1]);
			fflush(stdout);
			continue;
		}
		if (now_ns < next_call_ns) {
			struct timespec pause = {0, (long)(next_call_ns - now_ns)};

			nanosleep(&pause, NULL);
			continue;
		}
		call_once(&conns[calls % TRUNK_CONNS], calls);
		calls++;
		next_call_ns += NS_PER_S / rate;
	}
	for (int i = 0; i < TRUNK_CONNS; i++) {
		close(conns[i].client);
		close(conns[i].server);
	}
	sleep(1);
	kill(pid, SIGINT);
	waitpid(pid, &status, 0);
	first_half = samples[seconds / 2 - 1] - samples[0];
	second_half = samples[seconds - 1] - samples[seconds / 2 - 1];
	printf("RSS: %ld KiB after 1 s, %ld KiB at half time, %ld KiB at the end: %+ld KiB in the "
	       "first half, %+ld KiB in the second (limit %d)\n",
	       samples[0], samples[seconds / 2 - 1], samples[seconds - 1], first_half, second_half,
	       GROWTH_LIMIT_KIB);
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		fprintf(stderr, "bench_live_memory: siptrail live did not exit 0\n");
		return 1;
	}
	return second_half < GROWTH_LIMIT_KIB ? 0 : 1;
}
