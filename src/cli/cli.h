/*
 * cli.h - the subcommands of the deskd binary.
 */
#ifndef CLI_CLI_H
#define CLI_CLI_H

struct store;

struct cli_options {
	const char *data, *db, *listen;
	char db_buf[4096];
	/* what is left after the common options, argv[0] being the subcommand */
	int argc;
	char *argv[64];
};

/** Takes --data, --db and --listen (and the DESKD_* variables) out of argv. */
int cli_parse(int argc, char **argv, struct cli_options *o);

/** Creates the data folder and opens the store; dies with a clear message on failure. */
struct store *cli_open_store(const struct cli_options *o);

/** The value of option `name` in argv, or NULL; "--name value" or "--name=value". */
const char *cli_option(int argc, char **argv, const char *name);
int cli_flag(int argc, char **argv, const char *name);

int cli_serve(int argc, char **argv, const struct cli_options *o);
int cli_user(int argc, char **argv, const struct cli_options *o);
int cli_token(int argc, char **argv, const struct cli_options *o);
int cli_migrate(int argc, char **argv, const struct cli_options *o);
int cli_demo(int argc, char **argv, const struct cli_options *o);
int cli_import(int argc, char **argv, const struct cli_options *o);
int cli_mailgate(int argc, char **argv, const struct cli_options *o);
int cli_version(int argc, char **argv, const struct cli_options *o);

/** Seeds demo data through the store; returns 0 on success. */
int demo_seed(struct store *st, const char *admin_password);

#endif
