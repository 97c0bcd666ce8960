/* siptrail probe-reverse [PEER...] [--from JOURNAL|CAPTURE] [trust options] [--options]
 * [--json]: does the reverse TLS path to each trunk peer work, before a call needs it. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "command.h"
#include "event_load.h"
#include "kamailio_tls_cfg.h"
#include "probe_print.h"
#include "reverse_probe.h"
#include "reverse_targets.h"

#define CMD "siptrail probe-reverse"

struct probe_args {
	struct reverse_probe_options probe;
	const char *from, *kamailio_tls_cfg;
	unsigned interval_ms, max_peers;
	bool json;
	struct reverse_target targets[REVERSE_TARGETS_MAX];
	size_t n_targets;
};

static void usage(FILE *out)
{
	fprintf(
	    out,
	    "usage: " CMD " [PEER...] [--from JOURNAL|CAPTURE] [--kamailio-tls-cfg FILE]\n"
	    "       [--ca-file F] [--ca-path D] [--cert F] [--key F] [--no-verify] [--sni NAME]\n"
	    "       [--options] [--timeout-ms N] [--late-alert-ms N] [--interval-ms N]\n"
	    "       [--max-peers N] [--json]\n"
	    "  Opens the connection a BYE or session refresh from this host would open to each\n"
	    "  trunk peer after an idle close: TLS with this host as client, with its trust\n"
	    "  store and client certificate. Reports the connect, the handshake, the chain the\n"
	    "  peer sent, whether the peer took this host's certificate, and the forecast.\n"
	    "  Sends only a handshake (and an OPTIONS with --options).\n"
	    "  PEER                 HOST[:PORT] (port 5061 by default; [v6]:PORT)\n"
	    "  --from FILE          the peers of a journal or capture, at the address and port\n"
	    "                       they published (Record-Route, Contact, Via)\n"
	    "  --kamailio-tls-cfg F this host's Kamailio tls.cfg: the client profile's ca_list,\n"
	    "                       ca_path, certificate, private_key, verify_certificate\n"
	    "  --ca-file/--ca-path  trust store (default: the system's); --cert/--key: client\n"
	    "                       certificate (with its chain) and key; these override tls.cfg\n"
	    "  --no-verify          do not verify the peer's chain (as verify_certificate=no)\n"
	    "  --sni NAME           server name to send (none by default, as Kamailio)\n"
	    "  --options            send one OPTIONS on a working connection, report the answer\n"
	    "  --timeout-ms N       per connect, handshake and answer (3000)\n"
	    "  --late-alert-ms N    how long to read for the peer's verdict on this host's\n"
	    "                       certificate after the handshake (TLS 1.3; 1000)\n"
	    "  --interval-ms N      pause between two peers (1000)\n"
	    "  --max-peers N        probe at most N peers (16)\n"
	    "  --json               one JSON object per peer\n"
	    "exit: 0 every path works, 1 a BYE or refresh would be lost on one, 2 usage or I/O\n");
}

static int parse_uint(const char *option, const char *text, unsigned max, unsigned *value)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(text, &end, 10);
	if (errno || end == text || *end || v > max) {
		fprintf(stderr, CMD ": bad %s '%s' (0..%u)\n", option, text, max);
		return -1;
	}
	*value = (unsigned)v;
	return 0;
}

/* HOST[:PORT] or [V6]:PORT into a target. */
static int add_peer(struct probe_args *a, const char *text)
{
	struct reverse_target *t = &a->targets[a->n_targets];
	const char *colon = strrchr(text, ':'), *host = text;
	size_t host_len = strlen(text);
	unsigned port = 5061;

	if (a->n_targets == REVERSE_TARGETS_MAX) {
		fprintf(stderr, CMD ": at most %d peers\n", REVERSE_TARGETS_MAX);
		return -1;
	}
	if (text[0] == '[') {
		const char *close = strchr(text, ']');
		if (!close || (close[1] && close[1] != ':')) {
			fprintf(stderr, CMD ": bad peer '%s'\n", text);
			return -1;
		}
		host = text + 1;
		host_len = (size_t)(close - host);
		colon = close[1] ? close + 1 : NULL;
	} else if (colon && strchr(text, ':') != colon) {
		colon = NULL; /* a bare IPv6 address */
	} else if (colon) {
		host_len = (size_t)(colon - text);
	}
	if (colon && parse_uint("port", colon + 1, 65535, &port))
		return -1;
	if (!host_len || host_len >= sizeof(t->host) || !port) {
		fprintf(stderr, CMD ": bad peer '%s'\n", text);
		return -1;
	}
	memset(t, 0, sizeof(*t));
	memcpy(t->host, host, host_len);
	snprintf(t->peer, sizeof(t->peer), "%.*s", (int)host_len, host);
	t->port = (uint16_t)port;
	t->source = "command line";
	a->n_targets++;
	return 0;
}

static int parse_args(int argc, char **argv, struct probe_args *a)
{
	enum {
		O_FROM = 0x200,
		O_KAM,
		O_CA_FILE,
		O_CA_PATH,
		O_CERT,
		O_KEY,
		O_NO_VERIFY,
		O_SNI,
		O_OPTIONS,
		O_TIMEOUT,
		O_LATE,
		O_INTERVAL,
		O_MAX_PEERS,
		O_JSON,
		O_HELP
	};
	static const struct option options[] = {
	    {"from", required_argument, NULL, O_FROM},
	    {"kamailio-tls-cfg", required_argument, NULL, O_KAM},
	    {"ca-file", required_argument, NULL, O_CA_FILE},
	    {"ca-path", required_argument, NULL, O_CA_PATH},
	    {"cert", required_argument, NULL, O_CERT},
	    {"key", required_argument, NULL, O_KEY},
	    {"no-verify", no_argument, NULL, O_NO_VERIFY},
	    {"sni", required_argument, NULL, O_SNI},
	    {"options", no_argument, NULL, O_OPTIONS},
	    {"timeout-ms", required_argument, NULL, O_TIMEOUT},
	    {"late-alert-ms", required_argument, NULL, O_LATE},
	    {"interval-ms", required_argument, NULL, O_INTERVAL},
	    {"max-peers", required_argument, NULL, O_MAX_PEERS},
	    {"json", no_argument, NULL, O_JSON},
	    {"help", no_argument, NULL, O_HELP},
	    {NULL, 0, NULL, 0},
	};
	int opt, rc = 0;

	optind = 1;
	while (!rc && (opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
		switch (opt) {
		case O_FROM:
			a->from = optarg;
			break;
		case O_KAM:
			a->kamailio_tls_cfg = optarg;
			break;
		case O_CA_FILE:
			a->probe.ca_file = optarg;
			break;
		case O_CA_PATH:
			a->probe.ca_path = optarg;
			break;
		case O_CERT:
			a->probe.cert_file = optarg;
			break;
		case O_KEY:
			a->probe.key_file = optarg;
			break;
		case O_NO_VERIFY:
			a->probe.verify = false;
			break;
		case O_SNI:
			a->probe.sni = optarg;
			break;
		case O_OPTIONS:
			a->probe.send_options = true;
			break;
		case O_TIMEOUT:
			rc = parse_uint("--timeout-ms", optarg, 600000, &a->probe.timeout_ms);
			break;
		case O_LATE:
			rc = parse_uint("--late-alert-ms", optarg, 600000, &a->probe.late_alert_ms);
			break;
		case O_INTERVAL:
			rc = parse_uint("--interval-ms", optarg, 3600000, &a->interval_ms);
			break;
		case O_MAX_PEERS:
			rc = parse_uint("--max-peers", optarg, REVERSE_TARGETS_MAX, &a->max_peers);
			break;
		case O_JSON:
			a->json = true;
			break;
		case O_HELP:
			usage(stdout);
			return EXIT_OK;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	for (int i = optind; !rc && i < argc; i++)
		rc = add_peer(a, argv[i]);
	if (!rc && !a->probe.timeout_ms) {
		fprintf(stderr, CMD ": --timeout-ms must be at least 1\n");
		rc = -1;
	}
	if (rc)
		return EXIT_USAGE;
	if (!a->n_targets && !a->from) {
		fprintf(stderr, CMD ": name a PEER or give --from JOURNAL|CAPTURE\n");
		usage(stderr);
		return EXIT_USAGE;
	}
	return -1;
}

static int targets_from(struct probe_args *a)
{
	struct capture_source_options capture = {0};
	struct event_list list = {0};
	int rc = event_load("probe-reverse", a->from, &capture, &list);

	if (!rc)
		a->n_targets += reverse_targets_find(&list, a->targets + a->n_targets,
						     REVERSE_TARGETS_MAX - a->n_targets);
	event_list_free(&list);
	return rc;
}

/* The trust store and certificate for T: tls.cfg's client profile, then the options. */
static int options_for(const struct probe_args *a, const struct reverse_target *t,
		       struct reverse_probe_options *o, struct tls_client_profile *profile)
{
	char err[256];
	int rc;

	*o = a->probe;
	if (!a->kamailio_tls_cfg)
		return 0;
	rc = kamailio_tls_cfg_client(a->kamailio_tls_cfg, t->host, t->port, profile, err,
				     sizeof(err));
	if (rc) {
		fprintf(stderr, CMD ": cannot use Kamailio tls.cfg %s: %s\n", a->kamailio_tls_cfg,
			err);
		return rc;
	}
	if (!o->ca_file && !o->ca_path) {
		o->ca_file = profile->ca_list[0] ? profile->ca_list : NULL;
		o->ca_path = profile->ca_path[0] ? profile->ca_path : NULL;
	}
	if (!o->cert_file && profile->certificate[0]) {
		o->cert_file = profile->certificate;
		o->key_file = profile->private_key[0] ? profile->private_key : NULL;
	}
	o->verify = o->verify && profile->verify_certificate;
	return 0;
}

static void pause_ms(unsigned ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

int cmd_probe_reverse(int argc, char **argv)
{
	struct probe_args a = {
	    .probe = {.verify = true, .timeout_ms = 3000, .late_alert_ms = 1000},
	    .interval_ms = 1000,
	    .max_peers = 16,
	};
	size_t lost = 0, probed = 0;
	int rc = parse_args(argc, argv, &a);

	if (rc >= 0)
		return rc;
	if (a.from && targets_from(&a))
		return EXIT_USAGE;
	for (size_t i = 0; i < a.n_targets && probed < a.max_peers; i++) {
		const struct reverse_target *t = &a.targets[i];
		struct tls_client_profile profile;
		struct reverse_probe_options o;
		struct probe_result result;
		char err[256];
		SSL_CTX *ctx;

		if (!t->source)
			continue; /* a peer seen without any address it can be reached at */
		if (options_for(&a, t, &o, &profile))
			return EXIT_USAGE;
		ctx = reverse_probe_ctx(&o, err, sizeof(err));
		if (!ctx) {
			fprintf(stderr, CMD ": %s\n", err);
			return EXIT_USAGE;
		}
		if (probed++)
			pause_ms(a.interval_ms); /* the rate limit: one peer at a time */
		reverse_probe_run(ctx, &o, t->host, t->port, &result);
		SSL_CTX_free(ctx);
		lost += !result.works;
		if (a.json) {
			if (probe_print_json(stdout, &result, t->peer, t->source)) {
				fprintf(stderr, CMD ": out of memory\n");
				return EXIT_USAGE;
			}
		} else {
			probe_print_text(stdout, &result, t->peer, t->source);
		}
		fflush(stdout);
	}
	if (!probed) {
		fprintf(stderr, CMD ": no peer to probe%s\n",
			a.from ? " (none with TLS SIP or a connection opened to it in the input)"
			       : "");
		return EXIT_USAGE;
	}
	if (!a.json)
		printf("%zu peer(s) probed, %zu where a BYE or refresh would be lost\n", probed,
		       lost);
	return lost ? EXIT_FINDINGS : EXIT_OK;
}
