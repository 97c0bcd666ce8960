#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
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

uint32_t live_netns_enter(void)
{
	struct ifreq ifr = {0};
	struct stat st;
	int fd;

	assert_int_equal(unshare(CLONE_NEWNET), 0);
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	assert_true(fd >= 0);
	strcpy(ifr.ifr_name, "lo");
	assert_int_equal(ioctl(fd, SIOCGIFFLAGS, &ifr), 0);
	ifr.ifr_flags |= IFF_UP;
	assert_int_equal(ioctl(fd, SIOCSIFFLAGS, &ifr), 0);
	close(fd);
	assert_int_equal(stat("/proc/self/ns/net", &st), 0);
	return (uint32_t)st.st_ino;
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
			/* the kernel keeps the first BPF_OBJ_NAME_LEN - 1 bytes of a name */
			found = !strncmp(prog.name, name, sizeof(prog.name) - 1);
		if (prog_fd >= 0)
			close(prog_fd);
		if (link_fd >= 0)
			close(link_fd);
	}
	return found;
}
