/* Runs the siptrail program from a test through popen. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>

#include "siptrail_cmd.h"

int siptrail_cmd(const char *args, char *out, size_t out_len)
{
	const char *bin = getenv("SIPTRAIL_BIN");
	const char *build = getenv("BUILD") ? getenv("BUILD") : "build";
	char cmd[1024];
	size_t n;
	FILE *p;

	if (bin)
		snprintf(cmd, sizeof(cmd), "'%s' %s 2>&1", bin, args);
	else
		snprintf(cmd, sizeof(cmd), "'%s/siptrail' %s 2>&1", build, args);
	p = popen(cmd, "r");
	assert_non_null(p);
	n = fread(out, 1, out_len - 1, p);
	out[n] = '\0';
	return WEXITSTATUS(pclose(p));
}
