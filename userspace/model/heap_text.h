/*
 * Evidence text kept on the heap at its own length (capped), instead of fixed arrays that are
 * empty on most records. An empty field points to one shared "" so readers never see NULL.
 */
#ifndef SIPTRAIL_HEAP_TEXT_H
#define SIPTRAIL_HEAP_TEXT_H

#include <stddef.h>

extern const char heap_text_empty[];

/* Replaces *FIELD with a copy of VALUE (NULL: empty) cut to MAX_LEN bytes (a cut name is
 * still evidence). Returns 0 or -ENOMEM (the field is then empty). */
int heap_text_set(const char **field, const char *value, size_t max_len);

/* Frees *FIELD and leaves it empty. */
void heap_text_free(const char **field);

#endif
