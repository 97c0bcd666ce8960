/* What siptrail runs without on this host, one line per loss saying what the user will not
 * see: collected while loading, printed once at the start (live) or listed (check). */
#ifndef SIPTRAIL_NOTICES_H
#define SIPTRAIL_NOTICES_H

#include <stddef.h>

#define NOTICES_MAX	16
#define NOTICE_TEXT_LEN 256

struct notices {
	char lines[NOTICES_MAX][NOTICE_TEXT_LEN];
	size_t count;
};

/* Adds one line (printf format, no newline). Past NOTICES_MAX the last line says so. */
void notices_add(struct notices *notices, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

#endif
