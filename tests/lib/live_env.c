#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
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
