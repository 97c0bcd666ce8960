/* `siptrail decode` end to end: runs the built program (SIPTRAIL_BIN, default build/siptrail)
 * on files and checks its JSON lines, stderr and exit status (issue 2). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include <jansson.h>

static char dir[64];

struct run {
	int status;
	json_t *lines[16];
	unsigned line_count;
	char err[1024];
};

static void write_file(const char *name, const char *data, size_t len)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *file = fopen(path, "wb");
	assert_non_null(file);
	assert_int_equal(fwrite(data, 1, len, file), len);
	fclose(file);
}

static void run_decode(struct run *run, const char *args)
{
	const char *bin = getenv("SIPTRAIL_BIN") ? getenv("SIPTRAIL_BIN") : "build/siptrail";
	char command[1024], path[256], line[65536];

	snprintf(command, sizeof(command), "'%s' decode %s >%s/out 2>%s/err", bin, args, dir, dir);
	int raw = system(command);
	assert_true(WIFEXITED(raw));
	*run = (struct run){.status = WEXITSTATUS(raw)};

	snprintf(path, sizeof(path), "%s/out", dir);
	FILE *out = fopen(path, "r");
	assert_non_null(out);
	while (fgets(line, sizeof(line), out)) {
		json_error_t error;
		assert_true(run->line_count < 16);
		json_t *object = json_loads(line, 0, &error);
		if (!object)
			fail_msg("not JSON: %s (%s)", line, error.text);
		run->lines[run->line_count++] = object;
	}
	fclose(out);
	snprintf(path, sizeof(path), "%s/err", dir);
	FILE *err = fopen(path, "r");
	size_t n = fread(run->err, 1, sizeof(run->err) - 1, err);
	run->err[n] = '\0';
	fclose(err);
}

static void run_free(struct run *run)
{
	for (unsigned i = 0; i < run->line_count; i++)
		json_decref(run->lines[i]);
}

static const char *str_field(json_t *object, const char *key)
{
	json_t *value = json_object_get(object, key);
	assert_non_null(value);
	return json_string_value(value);
}

static const char call[] = "INVITE sip:bob@192.0.2.2:5061;transport=tls SIP/2.0\r\n"
			   "Via: SIP/2.0/TLS 192.0.2.1:5061;branch=z9hG4bKa1;alias;rport\r\n"
			   "Max-Forwards: 70\r\n"
			   "From: <sip:alice@example.com>;tag=fa\r\n"
			   "To: <sip:bob@example.com>\r\n"
			   "Call-ID: decode-1@192.0.2.1\r\n"
			   "CSeq: 1 INVITE\r\n"
			   "Contact: <sip:alice@192.0.2.1:5061;transport=tls>\r\n"
			   "Record-Route: <sip:sbc.example.net;lr;transport=tls>\r\n"
			   "Supported: timer\r\n"
			   "Session-Expires: 1800;refresher=uac\r\n"
			   "Min-SE: 90\r\n"
			   "Content-Length: 3\r\n\r\nabc"
			   "\r\n\r\n"
			   "SIP/2.0 200 OK\r\n"
			   "Via: SIP/2.0/TLS 192.0.2.1:5061;branch=z9hG4bKa1;alias;rport=5061\r\n"
			   "From: <sip:alice@example.com>;tag=fa\r\n"
			   "To: <sip:bob@example.com>;tag=tb\r\n"
			   "Call-ID: decode-1@192.0.2.1\r\n"
			   "CSeq: 1 INVITE\r\n"
			   "Require: timer\r\n"
			   "x: 1800;refresher=uac\r\n"
			   "l: 0\r\n\r\n";

static void test_valid_call(void **state)
{
	(void)state;
	struct run run;
	write_file("call.sip", call, sizeof(call) - 1);
	char args[256];
	snprintf(args, sizeof(args), "%s/call.sip", dir);
	run_decode(&run, args);
	assert_int_equal(run.status, 0);
	assert_int_equal(run.line_count, 3);

	json_t *invite = run.lines[0];
	assert_string_equal(str_field(invite, "kind"), "request");
	assert_string_equal(str_field(invite, "method"), "INVITE");
	assert_true(json_is_null(json_object_get(invite, "status")));
	assert_string_equal(str_field(invite, "ruri"), "sip:bob@192.0.2.2:5061;transport=tls");
	assert_string_equal(str_field(invite, "call_id"), "decode-1@192.0.2.1");
	json_t *cseq = json_object_get(invite, "cseq");
	assert_int_equal(json_integer_value(json_object_get(cseq, "seq")), 1);
	assert_string_equal(str_field(cseq, "method"), "INVITE");
	assert_string_equal(str_field(invite, "from_tag"), "fa");
	assert_true(json_is_null(json_object_get(invite, "to_tag")));
	json_t *via = json_array_get(json_object_get(invite, "via"), 0);
	assert_string_equal(str_field(via, "transport"), "TLS");
	assert_string_equal(str_field(via, "host"), "192.0.2.1");
	assert_int_equal(json_integer_value(json_object_get(via, "port")), 5061);
	assert_string_equal(str_field(via, "branch"), "z9hG4bKa1");
	assert_true(json_is_true(json_object_get(via, "alias")));
	assert_int_equal(json_integer_value(json_object_get(via, "rport")), 0);
	json_t *contact = json_array_get(json_object_get(invite, "contact"), 0);
	assert_string_equal(str_field(contact, "transport"), "tls");
	assert_int_equal(json_array_size(json_object_get(invite, "record_route")), 1);
	json_t *se = json_object_get(invite, "session_expires");
	assert_int_equal(json_integer_value(json_object_get(se, "delta")), 1800);
	assert_string_equal(str_field(se, "refresher"), "uac");
	assert_int_equal(json_integer_value(json_object_get(invite, "min_se")), 90);
	assert_string_equal(
	    json_string_value(json_array_get(json_object_get(invite, "supported"), 0)), "timer");
	assert_int_equal(json_integer_value(json_object_get(invite, "content_length")), 3);
	assert_int_equal(json_integer_value(json_object_get(invite, "body_len")), 3);
	assert_int_equal(json_array_size(json_object_get(invite, "warnings")), 0);
	assert_null(json_object_get(invite, "error"));

	assert_string_equal(str_field(run.lines[1], "kind"), "keepalive");

	json_t *ok = run.lines[2];
	assert_string_equal(str_field(ok, "kind"), "response");
	assert_int_equal(json_integer_value(json_object_get(ok, "status")), 200);
	assert_string_equal(str_field(ok, "to_tag"), "tb");
	assert_string_equal(json_string_value(json_array_get(json_object_get(ok, "require"), 0)),
			    "timer");
	run_free(&run);
}

static void test_invalid_exit_1(void **state)
{
	(void)state;
	static const char bad[] = "BYE sip:b@h SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z9hG4bK1\r\n"
				  "From: <sip:a@h>;tag=1\r\nTo: <sip:b@h>;tag=2\r\nCSeq: 2 BYE\r\n"
				  "Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n";
	struct run run;
	char args[256];
	write_file("call.sip", call, sizeof(call) - 1);
	write_file("bad.sip", bad, sizeof(bad) - 1);
	snprintf(args, sizeof(args), "%s/call.sip %s/bad.sip", dir, dir);
	run_decode(&run, args);
	assert_int_equal(run.status, 1);
	assert_int_equal(run.line_count, 4);
	const char *error = str_field(run.lines[3], "error");
	assert_non_null(strstr(error, "Call-ID header missing"));
	assert_non_null(strstr(error, "byte "));
	run_free(&run);

	/* garbage and a truncated tail are invalid input too */
	write_file("tail.sip", "hello\r\nINVITE sip:x@h SIP/2.0\r\nVia", 34);
	snprintf(args, sizeof(args), "%s/tail.sip", dir);
	run_decode(&run, args);
	assert_int_equal(run.status, 1);
	assert_int_equal(run.line_count, 2);
	assert_string_equal(str_field(run.lines[0], "kind"), "garbage");
	assert_int_equal(json_integer_value(json_object_get(run.lines[0], "length")), 7);
	assert_string_equal(str_field(run.lines[1], "kind"), "truncated");
	run_free(&run);
}

static void test_usage_and_io_errors(void **state)
{
	(void)state;
	struct run run;
	run_decode(&run, "");
	assert_int_equal(run.status, 2);
	assert_non_null(strstr(run.err, "no FILE given"));
	run_free(&run);

	run_decode(&run, "/nonexistent/stsip.sip");
	assert_int_equal(run.status, 2);
	assert_non_null(strstr(run.err, "cannot open /nonexistent/stsip.sip"));
	run_free(&run);

	run_decode(&run, "--bogus");
	assert_int_equal(run.status, 2);
	assert_non_null(strstr(run.err, "unknown option"));
	run_free(&run);
}

static int setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/stsip-decode-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	char command[128];
	snprintf(command, sizeof(command), "rm -rf '%s'", dir);
	return system(command) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_valid_call),
	    cmocka_unit_test(test_invalid_exit_1),
	    cmocka_unit_test(test_usage_and_io_errors),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
