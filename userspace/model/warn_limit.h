/*
 * Warnings an input can repeat without end (a capture of a million messages that all break the
 * same rule): the first few of each kind are printed in full, naming what and where; the rest
 * are counted and summed up once at the end.
 */
#ifndef SIPTRAIL_WARN_LIMIT_H
#define SIPTRAIL_WARN_LIMIT_H

#include <stdbool.h>

/* kinds are small numbers below this (e.g. a decoder's problem code) */
#define WARN_LIMIT_KINDS 64
#define WARN_LIMIT_SHOWN 5 /* printed in full, per kind */

struct warn_limit {
	unsigned long seen[WARN_LIMIT_KINDS];
};

/* Counts one warning of KIND (kinds past the table share its last entry). True when it is one
 * of the first WARN_LIMIT_SHOWN of its kind, to be printed; *last_shown then says whether it
 * is the last one printed (the caller says that further ones are only counted). */
bool warn_limit_take(struct warn_limit *limit, unsigned kind, bool *last_shown);

/* How many of KIND were counted and not printed. */
unsigned long warn_limit_hidden(const struct warn_limit *limit, unsigned kind);

#endif
