#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "capture_events.h"

struct pcapng_writer *capture_temp_open(char *path, const char *stem, int linktype)
{
	struct pcapng_writer *w;
	int fd;

	snprintf(path, 64, "/tmp/siptrail-%s-XXXXXX", stem);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(pcapng_writer_open(&w, path, linktype, 262144), 0);
	return w;
}

struct event_list capture_events(const char *path, const char *host, uint16_t vxlan_port)
{
	struct capture_source_options options = {.vxlan_port = vxlan_port};
	struct event_list list;

	if (host)
		options.hosts[options.n_hosts++] = host;
	assert_int_equal(event_load("test", path, &options, &list), 0);
	assert_true(list.input.from_capture);
	return list;
}

static void assert_same_endpoint(const struct endpoint *want, const struct endpoint *got)
{
	assert_string_equal(ip_addr_text(&got->addr).text, ip_addr_text(&want->addr).text);
	assert_int_equal(got->port, want->port);
}

void assert_same_events(const struct event_list *want, const struct event_list *got,
			enum transport transport)
{
	size_t sip = 0;

	assert_int_equal(got->count, want->count);
	assert_true(ip_addr_equal(&got->input.capture.local_addr, &want->input.capture.local_addr));
	for (size_t i = 0; i < want->count; i++) {
		const struct event *a = &want->events[i], *b = &got->events[i];
		assert_int_equal(b->kind, a->kind);
		assert_int_equal(b->ts_ns, a->ts_ns);
		assert_int_equal(b->conn, a->conn);
		if (a->kind == EV_SIP) {
			sip++;
			assert_int_equal(b->sip.transport,
					 transport ? transport : a->sip.transport);
			assert_int_equal(b->sip.dir, a->sip.dir);
			assert_same_endpoint(&a->sip.local, &b->sip.local);
			assert_same_endpoint(&a->sip.remote, &b->sip.remote);
			assert_int_equal(b->sip.raw_len, a->sip.raw_len);
			assert_memory_equal(b->sip.raw, a->sip.raw, a->sip.raw_len);
		} else if (a->kind == EV_CONN_OPEN || a->kind == EV_CONN_END) {
			assert_same_endpoint(&a->conn_ev.local, &b->conn_ev.local);
			assert_same_endpoint(&a->conn_ev.remote, &b->conn_ev.remote);
			assert_int_equal(b->conn_ev.how, a->conn_ev.how);
			assert_int_equal(b->conn_ev.closed_by, a->conn_ev.closed_by);
		}
	}
	assert_true(sip > 0);
}
