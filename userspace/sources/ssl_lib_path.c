#include <errno.h>
#include <limits.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ssl_lib_path.h"

struct lib_search {
	const char *prefix; /* "libssl.so." */
	char *path;
	size_t path_len;
	int found;
};

static int lib_search_one(struct dl_phdr_info *info, size_t size, void *data)
{
	struct lib_search *search = data;
	const char *slash = strrchr(info->dlpi_name, '/');
	char resolved[PATH_MAX];

	(void)size;
	if (!slash || strncmp(slash + 1, search->prefix, strlen(search->prefix)) != 0)
		return 0;
	if (!realpath(info->dlpi_name, resolved) || strlen(resolved) >= search->path_len)
		return 0;
	strcpy(search->path, resolved);
	search->found = 1;
	return 1;
}

int ssl_lib_path_default(char *path, size_t path_len)
{
	struct lib_search search = {"libssl.so.", path, path_len, 0};

	dl_iterate_phdr(lib_search_one, &search);
	return search.found ? 0 : -ENOENT;
}

int ssl_lib_path_crypto_for(const char *ssl_lib, char *path, size_t path_len)
{
	const char *slash = strrchr(ssl_lib, '/');
	const char *base = slash ? slash + 1 : ssl_lib;
	int dir_len = (int)(base - ssl_lib);
	int n;

	if (strncmp(base, "libssl", 6) != 0) {
		/* A program with OpenSSL linked in: libcrypto's symbols are in the same file. */
		if (strlen(ssl_lib) >= path_len)
			return -ENAMETOOLONG;
		strcpy(path, ssl_lib);
		return access(path, R_OK) == 0 ? 0 : -ENOENT;
	}
	n = snprintf(path, path_len, "%.*slibcrypto%s", dir_len, ssl_lib, base + 6);
	if (n < 0 || (size_t)n >= path_len)
		return -ENAMETOOLONG;
	return access(path, R_OK) == 0 ? 0 : -ENOENT;
}
