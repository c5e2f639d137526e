/*
 * main.c - the smtpdiag command: dispatch to a subcommand.
 */
#include <string.h>

#include "cli.h"

static const char usage_text[] =
	"usage: smtpdiag COMMAND [OPTION...] [ARG...]\n"
	"\n"
	"Explain why an e-mail would not send.\n"
	"\n"
	"Commands:\n"
	"  explain [REPLY...]   explain a pasted SMTP reply (or standard input)\n"
	"  scan [FILE...]       find and classify every failed reply in send logs\n"
	"  merge [FILE...]      add up summaries of scan --summary --json\n"
	"  codes [CODE|X.Y.Z|WORD]  look up codes, statuses and rules\n"
	"  clients              list the client profiles for --client\n"
	"\n"
	"  smtpdiag COMMAND --help   the command's options (also -h)\n"
	"  smtpdiag --version        the version (also -V)\n";

int main(int argc, char **argv)
{
	if (argc < 2) {
		fputs(usage_text, stderr);
		return EXIT_USAGE;
	}
	const char *cmd = argv[1];
	char name[32]; /* "smtpdiag explain" in getopt's messages */
	snprintf(name, sizeof name, "smtpdiag %s", cmd);
	argv[1] = name;
	if (!strcmp(cmd, "explain"))
		return cmd_explain(argc - 1, argv + 1);
	if (!strcmp(cmd, "scan"))
		return cmd_scan(argc - 1, argv + 1);
	if (!strcmp(cmd, "merge"))
		return cmd_merge(argc - 1, argv + 1);
	if (!strcmp(cmd, "codes"))
		return cmd_codes(argc - 1, argv + 1);
	if (!strcmp(cmd, "clients"))
		return cmd_clients(argc - 1, argv + 1);
	if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
		fputs(usage_text, stdout);
		return finish_output();
	}
	if (!strcmp(cmd, "--version") || !strcmp(cmd, "-V")) {
		printf("smtpdiag %s\n", smtpdiag_version());
		return finish_output();
	}
	warnx("unknown command '%s' (try 'smtpdiag --help')", cmd);
	return EXIT_USAGE;
}
