#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "keylog_out.h"

FILE *keylog_out_open(const char *path, char *why, size_t why_len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	FILE *out;

	if (fd < 0 || fchmod(fd, 0600) != 0 || !(out = fdopen(fd, "a"))) {
		snprintf(why, why_len, "--keylog-out %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	return out;
}

static void hex_write(FILE *out, const uint8_t *bytes, size_t len)
{
	for (size_t i = 0; i < len; i++)
		fprintf(out, "%02x", bytes[i]);
}

int keylog_out_write(FILE *out, const struct tls_secrets *secrets)
{
	for (size_t i = 0; i < secrets->count; i++) {
		fprintf(out, "%s ", tls_secret_label_name(secrets->secrets[i].label));
		hex_write(out, secrets->client_random, sizeof(secrets->client_random));
		fputc(' ', out);
		hex_write(out, secrets->secrets[i].bytes, secrets->secrets[i].len);
		fputc('\n', out);
	}
	return fflush(out) == 0 && !ferror(out) ? 0 : -EIO;
}
