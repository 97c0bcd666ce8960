/* A small INI reader for Kamailio's tls.cfg: only what a client profile needs. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "kamailio_tls_cfg.h"

/* Trims S in place (spaces, and one pair of surrounding double quotes). */
static char *trim(char *s)
{
	size_t len;

	while (isspace((unsigned char)*s))
		s++;
	len = strlen(s);
	while (len && isspace((unsigned char)s[len - 1]))
		s[--len] = '\0';
	if (len >= 2 && s[0] == '"' && s[len - 1] == '"') {
		s[len - 1] = '\0';
		s++;
	}
	return s;
}

/* DIR/VALUE unless VALUE is absolute. */
static void set_path(char *dst, size_t len, const char *dir, const char *value)
{
	if (value[0] == '/' || !*dir)
		snprintf(dst, len, "%s", value);
	else
		snprintf(dst, len, "%s/%s", dir, value);
}

static bool is_yes(const char *value)
{
	return !strcasecmp(value, "yes") || !strcasecmp(value, "on") ||
	       !strcasecmp(value, "true") || !strcmp(value, "1");
}

static void apply(struct tls_client_profile *p, const char *dir, const char *key, const char *value)
{
	if (!strcmp(key, "certificate"))
		set_path(p->certificate, sizeof(p->certificate), dir, value);
	else if (!strcmp(key, "private_key"))
		set_path(p->private_key, sizeof(p->private_key), dir, value);
	else if (!strcmp(key, "ca_list"))
		set_path(p->ca_list, sizeof(p->ca_list), dir, value);
	else if (!strcmp(key, "ca_path"))
		set_path(p->ca_path, sizeof(p->ca_path), dir, value);
	else if (!strcmp(key, "verify_certificate"))
		p->verify_certificate = is_yes(value);
}

int kamailio_tls_cfg_client(const char *path, const char *peer_addr, unsigned peer_port,
			    struct tls_client_profile *profile, char *err, size_t err_len)
{
	struct tls_client_profile by_default = {0}, by_peer = {0};
	char line[PATH_MAX + 128], dir[PATH_MAX], wanted[96], *slash;
	struct tls_client_profile *current = NULL;
	bool have_default = false, have_peer = false;
	unsigned lineno = 0;
	FILE *f = fopen(path, "r");

	if (!f) {
		int rc = -errno;
		snprintf(err, err_len, "%s", strerror(errno));
		return rc;
	}
	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	else
		dir[0] = '\0';
	snprintf(wanted, sizeof(wanted), "client:%s:%u", peer_addr, peer_port);
	while (fgets(line, sizeof(line), f)) {
		char *text = line, *eq;
		lineno++;
		if (!strchr(line, '\n') && !feof(f)) {
			snprintf(err, err_len, "line %u is too long", lineno);
			fclose(f);
			return -EINVAL;
		}
		text[strcspn(text, "#\r\n")] = '\0';
		text = trim(text);
		if (!*text)
			continue;
		if (*text == '[') {
			char *close = strrchr(text, ']');
			if (!close) {
				snprintf(err, err_len, "line %u: a section without ']'", lineno);
				fclose(f);
				return -EINVAL;
			}
			*close = '\0';
			text = trim(text + 1);
			current = NULL;
			if (!strcmp(text, "client:default")) {
				current = &by_default;
				have_default = true;
			} else if (!strcmp(text, wanted)) {
				current = &by_peer;
				have_peer = true;
			}
			if (current)
				snprintf(current->name, sizeof(current->name), "%s", text);
			continue;
		}
		eq = strchr(text, '=');
		if (!eq) {
			snprintf(err, err_len, "line %u: neither [section] nor key = value",
				 lineno);
			fclose(f);
			return -EINVAL;
		}
		*eq = '\0';
		if (current)
			apply(current, dir, trim(text), trim(eq + 1));
	}
	if (ferror(f)) {
		int rc = -(errno ? errno : EIO);
		snprintf(err, err_len, "%s", strerror(-rc));
		fclose(f);
		return rc;
	}
	fclose(f);
	if (!have_peer && !have_default) {
		snprintf(err, err_len, "no [client:default] or [%s] profile", wanted);
		return -EINVAL;
	}
	*profile = have_peer ? by_peer : by_default;
	return 0;
}
