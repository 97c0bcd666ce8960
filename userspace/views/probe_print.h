/* The reverse-path probe's result per peer (sources/reverse_probe.h): text for an engineer,
 * one JSON object per peer for programs, both with the forecast and, when the path fails,
 * the fix hints of the predicted diagnosis. */
#ifndef SIPTRAIL_PROBE_PRINT_H
#define SIPTRAIL_PROBE_PRINT_H

#include <stdio.h>

#include "reverse_probe.h"

/* SOURCE: where the target came from ("command line", "Record-Route", ...). */
void probe_print_text(FILE *out, const struct probe_result *r, const char *peer,
		      const char *source);

/* Returns 0 or -ENOMEM. */
int probe_print_json(FILE *out, const struct probe_result *r, const char *peer, const char *source);

/* "works" or the predicted diagnosis id: the one-word verdict (JSON "prediction"). */
const char *probe_prediction_name(const struct probe_result *r);

#endif
