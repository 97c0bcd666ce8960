/* The counters of metrics.h in the Prometheus text exposition format (version 0.0.4), and the
 * file node_exporter's textfile collector reads: DIR/siptrail.prom, replaced whole by a rename
 * so a scrape never sees half a file. Metric names: docs/metrics.md. */
#ifndef SIPTRAIL_METRICS_TEXT_H
#define SIPTRAIL_METRICS_TEXT_H

#include <stddef.h>
#include <stdio.h>

#include "metrics.h"

#define METRICS_FILE_NAME "siptrail.prom"

/* Returns 0 or -EIO. */
int metrics_text_write(FILE *out, const struct metrics *metrics);

/* Writes DIR/siptrail.prom (mode 0644: node_exporter runs as its own user) through a
 * temporary file in DIR. Returns 0 or a negative errno with the reason in WHY. */
int metrics_file_write(const char *dir, const struct metrics *metrics, char *why, size_t why_len);

#endif
