/* siptrail live's wire path against real OpenSSL peers on loopback: a PKI made at test time
 * (root -> intermediate -> leaf, and a renewed leaf), openssl s_server and s_client, and
 * plaintext SIP over TCP and UDP. Every wire event must carry the conn id of the
 * socket's conn_open. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "../lib/journal_query.h"
#include "../lib/live_env.h"
#include "../lib/siptrail_run.h"
#include "../lib/ssl_pki.h"
#include "../lib/tcp_pair.h"
#include "../lib/test_children.h"

#define SNI	     SSL_PKI_SERVER_NAME
#define INTERMEDIATE "CN=siptrail test intermediate,O=siptrail test"

enum test_port {
	PORT_TLS13 = 26061,
	PORT_TLS12,
	PORT_RENEWED,
	PORT_SIP_TCP,
	PORT_SIP_UDP,
	PORT_EXPLAIN,
	PORT_SIP_UDP_IP_OPTIONS,
};

static struct ssl_pki pki_files;

/* The PKI, made once per program. */
static const struct ssl_pki *pki(void)
{
	if (!pki_files.dir[0])
		assert_int_equal(ssl_pki_make(&pki_files), 0);
	return &pki_files;
}

struct tls_server {
	pid_t pid;
	int stdin_fd; /* kept open: s_server shuts down at the end of its input */
	FILE *output; /* kept open: s_server fails on a closed stdout */
};

/* openssl s_server on 127.0.0.1:port, serving the server leaf, or the renewed one (and the
 * intermediate when chain_sent); returns once it listens. */
static struct tls_server tls_server_start(uint16_t port, bool renewed, bool chain_sent)
{
	const char *cert = renewed ? pki()->renewed_leaf : pki()->server_leaf;
	const char *key = renewed ? pki()->renewed_key : pki()->server_key;
	const char *chain = pki()->inter;
	char accept_at[32], line[256];
	int out[2], in[2];
	FILE *output;
	pid_t pid;

	snprintf(accept_at, sizeof(accept_at), "127.0.0.1:%u", port);
	assert_int_equal(pipe(out), 0);
	assert_int_equal(pipe(in), 0);
	pid = test_fork();
	if (pid == 0) {
		dup2(out[1], STDOUT_FILENO);
		dup2(in[0], STDIN_FILENO);
		close(out[0]);
		close(in[1]);
		execlp("openssl", "openssl", "s_server", "-accept", accept_at, "-cert", cert,
		       "-key", key, chain_sent ? "-cert_chain" : "-naccept",
		       chain_sent ? chain : "1", chain_sent ? "-naccept" : NULL, "1", NULL);
		_exit(127);
	}
	close(out[1]);
	close(in[0]);
	output = fdopen(out[0], "r");
	alarm(10);
	while (fgets(line, sizeof(line), output) && strncmp(line, "ACCEPT", 6))
		;
	alarm(0);
	return (struct tls_server){pid, in[1], output};
}

static void tls_server_stop(struct tls_server server)
{
	kill(server.pid, SIGTERM);
	waitpid(server.pid, NULL, 0);
	close(server.stdin_fd);
	fclose(server.output);
}

/* openssl s_client trusting only the root; returns its exit status. */
static int tls_client(uint16_t port, bool tls12)
{
	char command[PATH_MAX + 256];

	if (snprintf(command, sizeof(command),
		     "openssl s_client -connect 127.0.0.1:%u -servername %s -CAfile %s "
		     "-verify_return_error %s </dev/null >/dev/null 2>&1",
		     port, SNI, pki()->root, tls12 ? "-tls1_2" : "") >= (int)sizeof(command))
		fail_msg("s_client command too long");
	return system(command);
}

/* siptrail live on PORT, trusting the test root, writing JOURNAL when not NULL. */
static void start_trace(struct siptrail_run *run, uint16_t port, const char *journal)
{
	char port_text[8];
	const char *args[] = {
	    "--ports", port_text, "--ca-file", pki()->root, journal ? "--write" : NULL,
	    journal,   NULL};

	snprintf(port_text, sizeof(port_text), "%u", port);
	siptrail_start(run, NULL, args);
}

static long long conn_of(const json_t *events, const char *direction, uint16_t port)
{
	json_t *open = event_find(events, "conn_open", direction, port);

	if (!open)
		fail_msg("no conn_open %s on port %u", direction, port);
	return event_int(open, "conn");
}

/* The only event NAME on connection CONN (and with FIELD == VALUE when field is given). */
static json_t *wire_event(const json_t *events, const char *name, long long conn, const char *field,
			  const char *value)
{
	json_t *event, *found = NULL;
	size_t i;

	json_array_foreach(events, i, event)
	{
		json_t *event_conn = json_object_get(event, "conn");
		const char *got = field ? event_str(event, field) : NULL;

		if (strcmp(event_str(event, "event"), name) || !json_is_integer(event_conn) ||
		    json_integer_value(event_conn) != conn ||
		    (field && (!got || strcmp(got, value))))
			continue;
		if (found)
			fail_msg("two %s events on conn %lld", name, conn);
		found = event;
	}
	if (!found)
		fail_msg("no %s event on conn %lld%s%s", name, conn, field ? " with " : "",
			 field ? value : "");
	return found;
}

static void assert_field(const json_t *event, const char *key, const char *want)
{
	const char *got = event_str(event, key);

	if (!got || strcmp(got, want))
		fail_msg("%s: want '%s', got '%s'", key, want, got ? got : "null");
}

static void assert_alert_unknown_ca(const json_t *events, long long conn, const char *from)
{
	json_t *alert = wire_event(events, "tls_alert", conn, NULL, NULL);

	assert_field(alert, "from", from);
	assert_field(alert, "level", "fatal");
	assert_field(alert, "description", "unknown_ca");
	assert_int_equal(event_int(alert, "code"), 48);
}

/* TLS 1.3, server sends only its leaf: the certificates are encrypted, but the client's
 * unknown_ca alert is plaintext (LAB-NOTES case B), on both sockets' conn ids. */
static void test_tls13_leaf_only_alert(void **state)
{
	struct siptrail_run run;
	json_t *events, *hello;
	struct tls_server server;
	long long client_conn, server_conn;

	(void)state;
	live_env_require();
	server = tls_server_start(PORT_TLS13, false, false);
	start_trace(&run, PORT_TLS13, NULL);
	assert_int_not_equal(tls_client(PORT_TLS13, false), 0);
	tls_server_stop(server);
	events = siptrail_stop(&run);

	client_conn = conn_of(events, "out", PORT_TLS13);
	server_conn = conn_of(events, "in", PORT_TLS13);
	hello = wire_event(events, "tls_hello", client_conn, NULL, NULL);
	assert_field(hello, "role", "client");
	assert_field(hello, "sni", SNI);
	assert_field(hello, "version", "TLS 1.3");
	assert_field(wire_event(events, "tls_hello", server_conn, NULL, NULL), "role", "server");
	assert_alert_unknown_ca(events, client_conn, "local");
	assert_alert_unknown_ca(events, server_conn, "peer");
	assert_null(event_find(events, "tls_chain", NULL, PORT_TLS13));
	json_decref(events);
}

/* TLS 1.2, server sends only its leaf: the chain is in clear and judged incomplete, naming
 * the intermediate the client needed. */
static void test_tls12_chain_incomplete(void **state)
{
	struct siptrail_run run;
	json_t *events, *chain, *certs;
	struct tls_server server;
	long long client_conn;

	(void)state;
	live_env_require();
	server = tls_server_start(PORT_TLS12, false, false);
	start_trace(&run, PORT_TLS12, NULL);
	assert_int_not_equal(tls_client(PORT_TLS12, true), 0);
	tls_server_stop(server);
	events = siptrail_stop(&run);

	client_conn = conn_of(events, "out", PORT_TLS12);
	assert_field(wire_event(events, "tls_hello", client_conn, NULL, NULL), "version",
		     "TLS 1.2");
	chain = wire_event(events, "tls_chain", client_conn, NULL, NULL);
	assert_field(chain, "from", "peer");
	assert_field(chain, "sni", SNI);
	assert_field(chain, "verdict", "incomplete");
	assert_field(chain, "missing_issuer", INTERMEDIATE);
	certs = json_object_get(chain, "certs");
	assert_int_equal(json_array_size(certs), 1);
	assert_field(json_array_get(certs, 0), "subject", "CN=" SNI ",O=siptrail test");
	assert_field(json_array_get(certs, 0), "issuer", INTERMEDIATE);
	assert_alert_unknown_ca(events, client_conn, "local");
	assert_field(wire_event(events, "tls_chain", conn_of(events, "in", PORT_TLS12), NULL, NULL),
		     "from", "local");
	json_decref(events);
}

static void sha256_of_pem(const char *path, char hex[65])
{
	unsigned char digest[32];
	unsigned int len = sizeof(digest);
	FILE *in = fopen(path, "r");
	X509 *cert;

	assert_non_null(in);
	cert = PEM_read_X509(in, NULL, NULL, NULL);
	fclose(in);
	assert_non_null(cert);
	assert_int_equal(X509_digest(cert, EVP_sha256(), digest, &len), 1);
	for (unsigned i = 0; i < len; i++)
		sprintf(hex + 2 * i, "%02x", digest[i]);
	X509_free(cert);
}

/* The server's leaf is renewed under the same intermediate between two connections: the
 * second one reports the fingerprint change. */
static void test_leaf_renewed(void **state)
{
	char old_sha[65], new_sha[65];
	struct siptrail_run run;
	json_t *events, *changed;
	long long first_conn, second_conn;
	json_t *event;
	size_t i;
	struct tls_server server;

	(void)state;
	live_env_require();
	sha256_of_pem(pki()->server_leaf, old_sha);
	sha256_of_pem(pki()->renewed_leaf, new_sha);
	server = tls_server_start(PORT_RENEWED, false, true);
	start_trace(&run, PORT_RENEWED, NULL);
	assert_int_equal(tls_client(PORT_RENEWED, true), 0);
	tls_server_stop(server);
	server = tls_server_start(PORT_RENEWED, true, true);
	assert_int_equal(tls_client(PORT_RENEWED, true), 0);
	tls_server_stop(server);
	events = siptrail_stop(&run);

	/* The two client connections, in order. */
	first_conn = second_conn = 0;
	json_array_foreach(events, i,
			   event) if (event_matches(event, "conn_open", "out", PORT_RENEWED))
	{
		if (!first_conn)
			first_conn = event_int(event, "conn");
		else
			second_conn = event_int(event, "conn");
	}
	assert_true(first_conn && second_conn);
	assert_field(wire_event(events, "tls_chain", first_conn, NULL, NULL), "verdict", "ok");
	assert_field(wire_event(events, "tls_chain", second_conn, NULL, NULL), "verdict", "ok");
	json_array_foreach(events, i, event)
	{
		if (!strcmp(event_str(event, "event"), "tls_leaf_changed") &&
		    event_int(event, "conn") == first_conn)
			fail_msg("tls_leaf_changed on the first connection");
	}
	changed = wire_event(events, "tls_leaf_changed", second_conn, NULL, NULL);
	assert_field(changed, "from", "peer");
	assert_field(changed, "peer", "127.0.0.1");
	assert_field(changed, "old", old_sha);
	assert_field(changed, "new", new_sha);
	json_decref(events);
}

static void assert_sip(const json_t *event, const char *dir, const char *raw, uint16_t lport)
{
	assert_field(event, "transport", "tcp");
	assert_field(event, "dir", dir);
	assert_field(event, "raw", raw);
	assert_int_equal(event_int(event, "lport"), lport);
}

/* Plaintext SIP over TCP: one sip event per message and socket, with that socket's conn. */
static void test_sip_tcp(void **state)
{
	struct siptrail_run run;
	json_t *events;
	long long client_conn, server_conn;

	(void)state;
	live_env_require();
	start_trace(&run, PORT_SIP_TCP, NULL);
	tcp_pair_once("127.0.0.1", PORT_SIP_TCP);
	events = siptrail_stop(&run);

	client_conn = conn_of(events, "out", PORT_SIP_TCP);
	server_conn = conn_of(events, "in", PORT_SIP_TCP);
	assert_sip(wire_event(events, "sip", client_conn, "dir", "out"), "out", TCP_PAIR_REQUEST,
		   event_int(event_find(events, "conn_open", "out", PORT_SIP_TCP), "lport"));
	assert_sip(wire_event(events, "sip", client_conn, "dir", "in"), "in", TCP_PAIR_RESPONSE,
		   event_int(event_find(events, "conn_open", "out", PORT_SIP_TCP), "lport"));
	assert_sip(wire_event(events, "sip", server_conn, "dir", "in"), "in", TCP_PAIR_REQUEST,
		   PORT_SIP_TCP);
	assert_sip(wire_event(events, "sip", server_conn, "dir", "out"), "out", TCP_PAIR_RESPONSE,
		   PORT_SIP_TCP);
	json_decref(events);
}

/* Plaintext SIP over UDP to PORT: one sip event per datagram, without conn. IP_OPTIONS: the
 * sender's IPv4 header options (NULL: none), which move the UDP header and its ports. */
static void sip_udp_seen(uint16_t port, const unsigned char *ip_options, socklen_t options_len)
{
	struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(port)};
	struct siptrail_run run;
	json_t *events, *sip;
	int receiver, sender;

	live_env_require();
	inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
	receiver = socket(AF_INET, SOCK_DGRAM, 0);
	sender = socket(AF_INET, SOCK_DGRAM, 0);
	assert_int_equal(bind(receiver, (struct sockaddr *)&to, sizeof(to)), 0);
	if (ip_options)
		assert_int_equal(
		    setsockopt(sender, IPPROTO_IP, IP_OPTIONS, ip_options, options_len), 0);
	start_trace(&run, port, NULL);
	assert_int_equal(sendto(sender, TCP_PAIR_REQUEST, strlen(TCP_PAIR_REQUEST), 0,
				(struct sockaddr *)&to, sizeof(to)),
			 strlen(TCP_PAIR_REQUEST));
	close(sender);
	close(receiver);
	events = siptrail_stop(&run);

	assert_int_equal(event_count(events, "sip", NULL, port), 1);
	sip = event_find(events, "sip", NULL, port);
	assert_null(json_object_get(sip, "conn"));
	assert_field(sip, "transport", "udp");
	assert_field(sip, "dir", "in");
	assert_field(sip, "raw", TCP_PAIR_REQUEST);
	assert_field(sip, "laddr", "127.0.0.1");
	assert_int_equal(event_int(sip, "lport"), port);
	json_decref(events);
}

static void test_sip_udp(void **state)
{
	(void)state;
	sip_udp_seen(PORT_SIP_UDP, NULL, 0);
}

/* The packet filter reads an IPv4 header without options and the ports after it in one load;
 * with options (here four: no-operation three times, end of list) the ports are further on. */
static void test_sip_udp_ip_options(void **state)
{
	static const unsigned char options[4] = {1, 1, 1, 0};

	(void)state;
	sip_udp_seen(PORT_SIP_UDP_IP_OPTIONS, options, sizeof(options));
}

/* The journal of a failed TLS 1.2 handshake goes through `siptrail explain`: every wire line
 * is read (none skipped). */
static void test_journal_explained(void **state)
{
	char journal[64] = "/tmp/stwire-journal-XXXXXX", command[256], line[512];
	struct siptrail_run run;
	FILE *explain;
	int fd, status;
	struct tls_server server;

	(void)state;
	live_env_require();
	fd = mkstemp(journal);
	assert_true(fd >= 0);
	close(fd);
	server = tls_server_start(PORT_EXPLAIN, false, false);
	start_trace(&run, PORT_EXPLAIN, journal);
	assert_int_not_equal(tls_client(PORT_EXPLAIN, true), 0);
	tls_server_stop(server);
	json_decref(siptrail_stop(&run));

	snprintf(command, sizeof(command), "%s explain %s 2>&1",
		 getenv("SIPTRAIL_BIN") ? getenv("SIPTRAIL_BIN") : "build/siptrail", journal);
	explain = popen(command, "r");
	assert_non_null(explain);
	while (fgets(line, sizeof(line), explain)) {
		fputs(line, stderr);
		if (strstr(line, "skipped"))
			fail_msg("siptrail explain skipped a wire line: %s", line);
	}
	status = pclose(explain);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) != 2);
	unlink(journal);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    unit_test_with_children(test_tls13_leaf_only_alert),
	    unit_test_with_children(test_tls12_chain_incomplete),
	    unit_test_with_children(test_leaf_renewed),
	    unit_test_with_children(test_sip_tcp),
	    unit_test_with_children(test_sip_udp),
	    unit_test_with_children(test_sip_udp_ip_options),
	    unit_test_with_children(test_journal_explained),
	};
	int failed = cmocka_run_group_tests_name("live wire", tests, NULL, NULL);

	ssl_pki_remove(&pki_files);
	return failed;
}
