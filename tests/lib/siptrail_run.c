#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>

#include "siptrail_run.h"

int siptrail_run(const char *args, char *out, size_t out_len)
{
	const char *build = getenv("BUILD") ? getenv("BUILD") : "build";
	char cmd[4096];
	size_t n;
	FILE *p;
	int status;

	snprintf(cmd, sizeof(cmd), "%s/siptrail %s 2>&1", build, args);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	n = fread(out, 1, out_len - 1, p);
	out[n] = '\0';
	while (fread(cmd, 1, sizeof(cmd), p) > 0)
		; /* drain, so the child never blocks on a full pipe */
	status = pclose(p);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}
