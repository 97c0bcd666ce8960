#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <cmocka.h>

#include "live_env.h"

static const char *live_env_missing(void)
{
	if (geteuid() != 0)
		return "not running as root";
	if (access("/sys/kernel/btf/vmlinux", R_OK) != 0)
		return "kernel has no BTF at /sys/kernel/btf/vmlinux";
	return NULL;
}

void live_env_require(void)
{
	const char *missing = live_env_missing();
	const char *require = getenv("SIPTRAIL_REQUIRE_LIVE");

	if (!missing)
		return;
	if (require && strcmp(require, "1") == 0)
		fail_msg("live test cannot run (%s) and SIPTRAIL_REQUIRE_LIVE=1", missing);
	fprintf(stderr, "\n*** SKIPPING LIVE TEST: %s ***\n\n", missing);
	skip();
}

bool live_program_linked(const char *name)
{
	bool found = false;
	__u32 id = 0;

	while (!found && !bpf_link_get_next_id(id, &id)) {
		struct bpf_link_info link = {0};
		struct bpf_prog_info prog = {0};
		__u32 link_len = sizeof(link), prog_len = sizeof(prog);
		int link_fd = bpf_link_get_fd_by_id(id), prog_fd = -1;

		if (link_fd >= 0 && !bpf_obj_get_info_by_fd(link_fd, &link, &link_len))
			prog_fd = bpf_prog_get_fd_by_id(link.prog_id);
		if (prog_fd >= 0 && !bpf_obj_get_info_by_fd(prog_fd, &prog, &prog_len))
			found = !strcmp(prog.name, name);
		if (prog_fd >= 0)
			close(prog_fd);
		if (link_fd >= 0)
			close(link_fd);
	}
	return found;
}
