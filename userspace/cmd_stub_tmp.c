#include "command.h"
int cmd_correlate(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return 2;
}
int cmd_timeline(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return 2;
}
