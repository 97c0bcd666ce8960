/* Layer cli/ (the top one): the siptrail subcommands, each in its own cmd_NAME.c and listed in
 * main.c, and the live pipeline that wires sources to the engine and the outputs. It may call
 * every layer below; nothing calls it. */
#ifndef SIPTRAIL_COMMAND_H
#define SIPTRAIL_COMMAND_H

/* Exit statuses shared by every command. */
enum siptrail_exit {
	EXIT_OK = 0,
	EXIT_FINDINGS = 1, /* ran, and found invalid input or a failure to report */
	EXIT_USAGE = 2,	   /* bad arguments, I/O error, or cannot start */
};

struct command {
	const char *name;
	const char *summary;
	int (*run)(int argc, char **argv); /* argv[0] is the command name */
};

int cmd_decode(int argc, char **argv);
int cmd_live(int argc, char **argv);
int cmd_explain(int argc, char **argv);
int cmd_calls(int argc, char **argv);
int cmd_tls_trace(int argc, char **argv);
int cmd_replay(int argc, char **argv);
int cmd_correlate(int argc, char **argv);
int cmd_timeline(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_hints(int argc, char **argv);
int cmd_probe_reverse(int argc, char **argv);

#endif
