#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "metrics_text.h"

static void family(FILE *out, const char *name, const char *help)
{
	fprintf(out, "# HELP %s %s\n# TYPE %s counter\n", name, help, name);
}

static void sample_peer(FILE *out, const char *name, const struct ip_addr *peer, const char *labels,
			uint64_t value)
{
	/* label values here are addresses and names: nothing to escape */
	fprintf(out, "%s{peer=\"%s\"%s%s} %llu\n", name,
		ip_addr_given(peer) ? ip_addr_text(peer).text : "other", *labels ? "," : "", labels,
		(unsigned long long)value);
}

static void lost_samples(FILE *out, const struct ev_lost *lost)
{
	const struct {
		const char *where;
		uint64_t count;
	} losses[] = {
	    {"ringbuf", lost->ringbuf},
	    {"map_full", lost->map_full},
	    {"ringbuf_tls", lost->ringbuf_tls},
	    {"wire_drops", lost->wire_drops},
	    {"wire_streams_dropped", lost->wire_streams_dropped},
	    {"wire_gaps", lost->wire_gaps},
	    {"wire_pending_full", lost->wire_pending_full},
	    {"wire_sockets_full", lost->wire_sockets_full},
	};

	family(out, "siptrail_events_lost_total",
	       "Events lost before siptrail read them, by where (journal 'lost' fields).");
	for (size_t i = 0; i < sizeof(losses) / sizeof(losses[0]); i++)
		fprintf(out, "siptrail_events_lost_total{where=\"%s\"} %llu\n", losses[i].where,
			(unsigned long long)losses[i].count);
}

/* Every id, zeros too, so an alert rule has its series from the start. */
static void diagnosis_samples(FILE *out, const struct metrics *metrics)
{
	family(out, "siptrail_diagnoses_total", "Diagnoses made, by id (docs/diagnoses.md).");
	for (int id = 0; id < DIAG_COUNT; id++)
		fprintf(out, "siptrail_diagnoses_total{diagnosis=\"%s\",severity=\"%s\"} %llu\n",
			diag_id_name(id), diag_is_failure(id) ? "failure" : "warning",
			(unsigned long long)metrics->diagnoses[id]);
}

/* The peers' samples, "other" last when it counted anything; only counts above zero. */
static void peer_diagnosis_samples(FILE *out, const struct peer_metrics *peer)
{
	char labels[96];

	for (int id = 0; id < DIAG_COUNT; id++) {
		if (!peer->diagnoses[id])
			continue;
		snprintf(labels, sizeof(labels), "diagnosis=\"%s\"", diag_id_name(id));
		sample_peer(out, "siptrail_peer_diagnoses_total", &peer->addr, labels,
			    peer->diagnoses[id]);
	}
}

static void peer_tls_samples(FILE *out, const struct peer_metrics *peer)
{
	if (peer->tls_failures_client)
		sample_peer(out, "siptrail_peer_tls_handshake_failures_total", &peer->addr,
			    "role=\"client\"", peer->tls_failures_client);
	if (peer->tls_failures_server)
		sample_peer(out, "siptrail_peer_tls_handshake_failures_total", &peer->addr,
			    "role=\"server\"", peer->tls_failures_server);
}

static void peer_close_samples(FILE *out, const struct peer_metrics *peer)
{
	char labels[96];

	for (int side = 0; side < METRICS_SIDES; side++)
		for (int how = 0; how < METRICS_HOWS; how++) {
			if (!peer->closes[side][how])
				continue;
			snprintf(labels, sizeof(labels), "closed_by=\"%s\",how=\"%s\"",
				 side_name(side), close_how_name(how));
			sample_peer(out, "siptrail_peer_connection_ends_total", &peer->addr, labels,
				    peer->closes[side][how]);
		}
}

static void peers_samples(FILE *out, const struct metrics *metrics, const char *name,
			  const char *help, void (*samples)(FILE *, const struct peer_metrics *))
{
	family(out, name, help);
	for (size_t i = 0; i < metrics->n_peers; i++)
		samples(out, &metrics->peers[i]);
	samples(out, &metrics->other);
}

int metrics_text_write(FILE *out, const struct metrics *metrics)
{
	family(out, "siptrail_events_total", "Events siptrail handled (journal events).");
	fprintf(out, "siptrail_events_total %llu\n", (unsigned long long)metrics->events);
	lost_samples(out, &metrics->lost);
	if (metrics->hep) {
		family(
		    out, "siptrail_hep_packets_total",
		    "HEP packets (SIP messages and diagnoses) for the --hep target, by outcome.");
		fprintf(out, "siptrail_hep_packets_total{outcome=\"sent\"} %llu\n",
			(unsigned long long)metrics->hep_sent);
		fprintf(out, "siptrail_hep_packets_total{outcome=\"unsent\"} %llu\n",
			(unsigned long long)metrics->hep_unsent);
	}
	diagnosis_samples(out, metrics);
	peers_samples(out, metrics, "siptrail_peer_diagnoses_total",
		      "Diagnoses made, by the peer address they are about and id.",
		      peer_diagnosis_samples);
	peers_samples(out, metrics, "siptrail_peer_tls_handshake_failures_total",
		      "Failed TLS handshakes with a peer address, by this host's role.",
		      peer_tls_samples);
	peers_samples(out, metrics, "siptrail_peer_connection_ends_total",
		      "Connections with a peer address that ended, by the side that closed "
		      "first and how (fin after idle, rst_in, rst_out, refused, timeout).",
		      peer_close_samples);
	return ferror(out) ? -EIO : 0;
}

int metrics_file_write(const char *dir, const struct metrics *metrics, char *why, size_t why_len)
{
	char tmp_path[4096], path[4096];
	FILE *out;
	int fd, err;

	if (snprintf(path, sizeof(path), "%s/" METRICS_FILE_NAME, dir) >= (int)sizeof(path) ||
	    snprintf(tmp_path, sizeof(tmp_path), "%s/." METRICS_FILE_NAME ".XXXXXX", dir) >=
		(int)sizeof(tmp_path)) {
		snprintf(why, why_len, "metrics directory name too long: %s", dir);
		return -ENAMETOOLONG;
	}
	fd = mkstemp(tmp_path);
	if (fd < 0 || fchmod(fd, 0644) || !(out = fdopen(fd, "w"))) {
		err = -errno;
		snprintf(why, why_len, "cannot write metrics in %s: %s", dir, strerror(errno));
		if (fd >= 0) {
			close(fd);
			unlink(tmp_path);
		}
		return err;
	}
	err = metrics_text_write(out, metrics);
	if (fclose(out) && !err)
		err = -errno;
	if (!err && rename(tmp_path, path))
		err = -errno;
	if (err) {
		snprintf(why, why_len, "cannot write metrics %s: %s", path, strerror(-err));
		unlink(tmp_path);
	}
	return err;
}
