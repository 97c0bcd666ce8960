/* Live, end to end: `siptrail tls-trace --json` prints tls_handshake and sip lines for real
 * OpenSSL peers on 127.0.0.1:5061 in a private network namespace. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "../lib/live_env.h"
#include "../lib/ssl_pki.h"
#include "../lib/tls_peer.h"
#include "../lib/test_children.h"

#define PORT 5061

static const char options_msg[] = "OPTIONS sip:carrier@server.stssl.test SIP/2.0\r\n"
				  "Content-Length: 0\r\n\r\n";
static const char ok_msg[] = "SIP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n";

/* Starts tls-trace with stdout on a pipe; returns once it says it is probing (attached). */
static pid_t trace_start(FILE **out)
{
	const char *build = getenv("BUILD") ? getenv("BUILD") : "build";
	int out_pipe[2], err_pipe[2];
	char siptrail[512], line[512];
	FILE *err;
	pid_t pid;

	snprintf(siptrail, sizeof(siptrail), "%s/siptrail", build);
	assert_int_equal(pipe(out_pipe), 0);
	assert_int_equal(pipe(err_pipe), 0);
	pid = test_fork();
	if (pid == 0) {
		dup2(out_pipe[1], STDOUT_FILENO);
		dup2(err_pipe[1], STDERR_FILENO);
		execl(siptrail, siptrail, "tls-trace", "--json", "--ports", "5061", "--duration",
		      "20", (char *)NULL);
		_exit(127);
	}
	close(out_pipe[1]);
	close(err_pipe[1]);
	err = fdopen(err_pipe[0], "r");
	assert_non_null(fgets(line, sizeof(line), err));
	assert_non_null(strstr(line, "probing"));
	fclose(err);
	*out = fdopen(out_pipe[0], "r");
	return pid;
}

static void test_json_lines_for_a_sip_exchange(void **state)
{
	struct tls_peer_opts server = {.server = true,
				       .port = PORT,
				       .send = ok_msg,
				       .send_len = strlen(ok_msg),
				       .expect_len = strlen(options_msg)};
	struct tls_peer_opts client = {.port = PORT,
				       .send = options_msg,
				       .send_len = strlen(options_msg),
				       .expect_len = strlen(ok_msg)};
	struct tls_peer server_peer, client_peer;
	struct tls_peer_result server_result, client_result;
	bool client_hs = false, server_hs = false, sip_out = false;
	struct ssl_pki pki;
	char line[65536];
	FILE *out;
	pid_t trace;
	int status;

	(void)state;
	live_env_require();
	live_netns_enter();
	assert_int_equal(ssl_pki_make(&pki), 0);
	server.cert_chain = pki.server_chain;
	server.key = pki.server_key;
	client.ca_file = pki.root;
	trace = trace_start(&out);

	assert_int_equal(tls_peer_start(&server, &server_peer), 0);
	assert_int_equal(tls_peer_start(&client, &client_peer), 0);
	assert_int_equal(tls_peer_wait(&client_peer, 10000, &client_result), 0);
	assert_int_equal(tls_peer_wait(&server_peer, 10000, &server_result), 0);
	assert_int_equal(client_result.exit_status, 0);
	usleep(300 * 1000);
	kill(trace, SIGINT);

	while (fgets(line, sizeof(line), out)) {
		json_t *obj = json_loads(line, 0, NULL);
		const char *event = json_string_value(json_object_get(obj, "event"));
		json_int_t pid = json_integer_value(json_object_get(obj, "pid"));
		json_int_t conn = json_integer_value(json_object_get(obj, "conn"));

		assert_non_null(obj);
		if (!strcmp(event, "tls_handshake") && pid == client_peer.pid) {
			assert_true(json_is_true(json_object_get(obj, "ok")));
			assert_string_equal(json_string_value(json_object_get(obj, "role")),
					    "client");
			assert_int_equal(conn, client_result.cookie);
			client_hs = true;
		} else if (!strcmp(event, "tls_handshake") && pid == server_peer.pid) {
			assert_string_equal(json_string_value(json_object_get(obj, "role")),
					    "server");
			server_hs = true;
		} else if (!strcmp(event, "sip") && pid == client_peer.pid &&
			   !strcmp(json_string_value(json_object_get(obj, "dir")), "out")) {
			assert_string_equal(json_string_value(json_object_get(obj, "raw")),
					    options_msg);
			assert_int_equal(conn, client_result.cookie);
			sip_out = true;
		}
		json_decref(obj);
	}
	fclose(out);
	assert_int_equal(waitpid(trace, &status, 0), trace);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	ssl_pki_remove(&pki);
	assert_true(client_hs);
	assert_true(server_hs);
	assert_true(sip_out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    unit_test_with_children(test_json_lines_for_a_sip_exchange),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
