#include <stdio.h>

#include "command.h"

int cmd_decode(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "siptrail decode: not built yet\n");
	return EXIT_USAGE;
}
