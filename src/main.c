/*
 * main.c - parses the command line and starts what it names.
 */
#include "api/api.h"
#include "cli/cli.h"
#include "core/auth.h"
#include "util/log.h"

#include <stdio.h>
#include <string.h>

static const struct command {
	const char *name, *usage;
	int (*fn)(int argc, char **argv, const struct cli_options *o);
} commands[] = {
	{ "serve", "serve [--data DIR] [--db URL] [--listen HOST:PORT]\n"
		   "        [--allow-private-targets] [--public-url URL]\n"
		   "  Serves the API (and later the web app). Defaults: ./deskd-data, SQLite inside\n"
		   "  it, 127.0.0.1:8080. DESKD_DATA, DESKD_DB and DESKD_LISTEN do the same.\n"
		   "  Webhooks and mailbox servers may only be at public addresses unless\n"
		   "  --allow-private-targets (or DESKD_ALLOW_PRIVATE_TARGETS=1) is given.\n"
		   "  --public-url (or DESKD_PUBLIC_URL) is the address shoppers reach deskd at,\n"
		   "  for the tracking links it sends; default http:// and the listen address.",
	  cli_serve },
	{ "user", "user add --email E --name N --role admin|agent [--password-stdin]\n"
		  "  Adds an agent. Without --password-stdin a random password is printed.",
	  cli_user },
	{ "token", "token create --user EMAIL [--name LABEL]\n"
		   "  Creates an API token for the user and prints it alone on stdout, once.",
	  cli_token },
	{ "migrate", "migrate [--data DIR] [--db URL]\n  Applies pending schema migrations.",
	  cli_migrate },
	{ "demo", "demo [--data DIR] [--db URL]\n"
		  "  Seeds demo data (agents, customers, tickets) into an empty database and\n"
		  "  prints the admin login.",
	  cli_demo },
	{ "mailgate", "mailgate [--data DIR | --db URL | --url URL --token T] [--mailbox ADDRESS]\n"
		      "  Stores the one email on stdin (for an MTA's pipe transport). Exits 0 once it\n"
		      "  is committed, 75 to be retried, 65 if it is not an email, 69 if too large.\n"
		      "  With --url it posts to a running server (DESKD_TOKEN may hold the token).",
	  cli_mailgate },
	{ "import", "import orders --store SLUG FILE.csv\n"
		    "  Imports a store's orders from a CSV file (deskd's columns or Shopify's order\n"
		    "  export; - reads stdin). Each order that cannot be taken is reported with its\n"
		    "  line; a re-run changes nothing. Exits 1 when some order was not imported.",
	  cli_import },
	{ "version", "version\n  Prints the version.", cli_version },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: deskd <command> [options]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %s\n", commands[i].usage);
	fprintf(f, "\nevery command takes --data DIR and --db URL (sqlite:PATH or postgres://...)\n");
}

int main(int argc, char **argv)
{
	struct cli_options o;

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(argv[1], commands[i].name))
			continue;
		for (int k = 2; k < argc; k++) {
			if (!strcmp(argv[k], "--help") || !strcmp(argv[k], "-h")) {
				printf("usage: deskd %s\n", commands[i].usage);
				return 0;
			}
		}
		auth_init();
		if (cli_parse(argc - 1, argv + 1, &o))
			return 2;
		return commands[i].fn(o.argc, o.argv, &o);
	}
	fprintf(stderr, "deskd: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
