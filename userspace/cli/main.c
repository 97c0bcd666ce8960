/* siptrail: explains why calls on a SIP trunk lose their BYE or die at a session refresh. */
#include <stdio.h>
#include <string.h>

#include "command.h"

static const struct command commands[] = {
    {"decode", "parse files of raw SIP bytes, one JSON object per message", cmd_decode},
    {"live", "trace SIP connections, TLS and calls on this host, diagnosing as it goes", cmd_live},
    {"explain", "why calls in a journal or capture lost their BYE or refresh, with evidence",
     cmd_explain},
    {"calls", "one line per call in a journal: times, hang-up, conns, timers, verdict", cmd_calls},
    {"replay", "a pcap/pcapng capture as the events live tracing writes", cmd_replay},
    {"correlate", "join a failure report (CSV) to the calls and their diagnoses", cmd_correlate},
    {"timeline", "a call's ladder: connections, TLS, SIP, timers (text or HTML)", cmd_timeline},
    {"tls-trace", "TLS handshakes and SIP plaintext seen through libssl uprobes", cmd_tls_trace},
    {"probe-reverse", "does the reverse TLS path to each trunk peer work (before a call needs it)",
     cmd_probe_reverse},
    {"hints", "what to change so a diagnosis does not happen, per SBC family", cmd_hints},
    {"check", "what this kernel and host give live tracing, and whether it can run", cmd_check},
};

#define COMMAND_COUNT (sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *out)
{
	int width = 0;

	/* the summaries in one column, after the longest name */
	for (size_t i = 0; i < COMMAND_COUNT; i++)
		if ((int)strlen(commands[i].name) > width)
			width = (int)strlen(commands[i].name);
	fprintf(out, "usage: siptrail COMMAND [OPTIONS] [ARGS]\n\ncommands:\n");
	for (size_t i = 0; i < COMMAND_COUNT; i++)
		fprintf(out, "  %-*s %s\n", width, commands[i].name, commands[i].summary);
	fprintf(out, "\n'siptrail COMMAND --help' describes each command.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("siptrail %s\n", SIPTRAIL_VERSION);
		return EXIT_OK;
	}
	for (size_t i = 0; i < COMMAND_COUNT; i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "siptrail: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return EXIT_USAGE;
}
