/* Where probe-reverse would connect to each peer of a journal: the peer's own Record-Route
 * entry first (the lab's carrier), then its Contact. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "reverse_targets.h"

static size_t targets_of(const char *path, struct reverse_target *targets)
{
	struct capture_source_options capture = {0};
	struct event_list list = {0};
	size_t n;

	assert_int_equal(event_load("test", path, &capture, &list), 0);
	n = reverse_targets_find(&list, targets, REVERSE_TARGETS_MAX);
	event_list_free(&list);
	return n;
}

/* demo-carrier-in-leaf-only: the carrier's INVITE came in with its double Record-Route; its
 * TLS entry (10.99.0.2:5061;transport=tls) is where the sbc's BYE goes. */
static void test_record_route_of_the_peer(void **state)
{
	struct reverse_target targets[REVERSE_TARGETS_MAX];

	(void)state;
	assert_int_equal(targets_of("tests/data/lab-demo-carrier-in-leaf-only.jsonl", targets), 1);
	assert_string_equal(targets[0].peer, "10.99.0.2");
	assert_string_equal(targets[0].host, "10.99.0.2");
	assert_int_equal(targets[0].port, 5061);
	assert_string_equal(targets[0].source, "Record-Route");
}

/* The carrier's SIP has no Record-Route and a Via without its address; its Contact
 * (sip:alice@198.51.100.20:5061;transport=tls) is the target. */
static void test_contact_of_the_peer(void **state)
{
	struct reverse_target targets[REVERSE_TARGETS_MAX];
	size_t n = targets_of("tests/data/bye_failed_incomplete_chain.jsonl", targets);

	(void)state;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(targets[i].peer, "198.51.100.20"))
			continue;
		assert_string_equal(targets[i].host, "198.51.100.20");
		assert_int_equal(targets[i].port, 5061);
		assert_string_equal(targets[i].source, "Contact");
		return;
	}
	fail_msg("no target for 198.51.100.20");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_record_route_of_the_peer),
	    cmocka_unit_test(test_contact_of_the_peer),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
