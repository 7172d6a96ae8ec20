/*
 * cli.c - options shared by every subcommand, and the small subcommands.
 */
#include "cli/cli.h"
#include "mail/ingest.h"
#include "mail/poll.h"
#include "api/api.h"
#include "core/auth.h"
#include "core/netguard.h"
#include "jobs/jobs.h"
#include "live/live.h"
#include "util/log.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#ifndef DESKD_VERSION
#define DESKD_VERSION "0.1.0"
#endif

const char *cli_option(int argc, char **argv, const char *name)
{
	size_t n = strlen(name);

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], name))
			return i + 1 < argc ? argv[i + 1] : NULL;
		if (!strncmp(argv[i], name, n) && argv[i][n] == '=')
			return argv[i] + n + 1;
	}
	return NULL;
}

int cli_flag(int argc, char **argv, const char *name)
{
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], name))
			return 1;
	return 0;
}

static const char *env_or(const char *name, const char *def)
{
	const char *v = getenv(name);

	return v && *v ? v : def;
}

int cli_parse(int argc, char **argv, struct cli_options *o)
{
	static const char *const common[] = { "--data", "--db", "--listen" };
	const char **slots[] = { &o->data, &o->db, &o->listen };

	memset(o, 0, sizeof(*o));
	o->data = env_or("DESKD_DATA", "./deskd-data");
	o->db = env_or("DESKD_DB", NULL);
	o->listen = env_or("DESKD_LISTEN", "127.0.0.1:8080");
	for (int i = 0; i < argc; i++) {
		int taken = 0;

		for (int k = 0; k < 3 && !taken; k++) {
			size_t n = strlen(common[k]);

			if (!strcmp(argv[i], common[k])) {
				if (i + 1 >= argc) {
					fprintf(stderr, "deskd: %s needs a value\n", common[k]);
					return -1;
				}
				*slots[k] = argv[++i];
				taken = 1;
			} else if (!strncmp(argv[i], common[k], n) && argv[i][n] == '=') {
				*slots[k] = argv[i] + n + 1;
				taken = 1;
			}
		}
		if (!taken) {
			if (o->argc == (int)(sizeof(o->argv) / sizeof(o->argv[0])) - 1) {
				fprintf(stderr, "deskd: too many arguments\n");
				return -1;
			}
			o->argv[o->argc++] = argv[i];
		}
	}
	if (!o->db) {
		snprintf(o->db_buf, sizeof(o->db_buf), "sqlite:%s/deskd.db", o->data);
		o->db = o->db_buf;
	}
	return 0;
}

struct store *cli_open_store(const struct cli_options *o)
{
	struct store *st;
	char *err = NULL;

	if (!strncmp(o->db, "sqlite:", 7) && mkdir(o->data, 0700) && errno != EEXIST)
		die("cannot create data folder '%s': %s", o->data, strerror(errno));
	st = store_open(o->db, &err);
	if (!st)
		die("%s", err);
	return st;
}

/* After each commit: the job worker may have work, live streams may have news. */
static void committed(void *jobs)
{
	jobs_wake(jobs);
	live_notify(NULL);
}

/*
 * Whether webhooks and mailboxes may reach loopback, private and link-local
 * addresses (core/netguard.h): --allow-private-targets, or
 * DESKD_ALLOW_PRIVATE_TARGETS=1. Anything but 0 or 1 there is a mistake.
 */
static int private_targets(int argc, char **argv)
{
	const char *v = getenv("DESKD_ALLOW_PRIVATE_TARGETS");
	int allow = cli_flag(argc, argv, "--allow-private-targets");

	if (v && *v && strcmp(v, "0") && strcmp(v, "1"))
		die("DESKD_ALLOW_PRIVATE_TARGETS must be 0 or 1, not '%s'", v);
	allow = allow || (v && !strcmp(v, "1"));
	if (allow)
		log_info("private targets allowed: webhooks and mailboxes may reach loopback, "
			 "private and link-local addresses");
	return allow;
}

/*
 * The address shoppers reach deskd at, for the links deskd sends them:
 * --public-url or DESKD_PUBLIC_URL, else the address it listens on.
 */
static const char *public_url(int argc, char **argv, const struct cli_options *o)
{
	static char own[300];
	const char *v = cli_option(argc, argv, "--public-url");

	if (!v)
		v = getenv("DESKD_PUBLIC_URL");
	if (v && *v) {
		if (strncmp(v, "https://", 8) && strncmp(v, "http://", 7))
			die("--public-url must start with https:// or http://, not '%s'", v);
		return v;
	}
	snprintf(own, sizeof(own), "http://%s", o->listen);
	return own;
}

int cli_serve(int argc, char **argv, const struct cli_options *o)
{
	struct app app = { 0 };
	struct mail_poller *poller;
	struct http_server *http;
	sigset_t signals;
	char *err = NULL;
	int sig = 0;

	netguard_allow_private(private_targets(argc, argv));
	/* every thread started from here on leaves SIGTERM and SIGINT to sigwait below */
	sigemptyset(&signals);
	sigaddset(&signals, SIGTERM);
	sigaddset(&signals, SIGINT);
	pthread_sigmask(SIG_BLOCK, &signals, NULL);
	signal(SIGPIPE, SIG_IGN);

	app.store = cli_open_store(o);
	if (mkdir(o->data, 0700) && errno != EEXIST)
		die("cannot create data folder '%s': %s", o->data, strerror(errno));
	if (mail_secret_init(o->data, &err))
		die("%s", err);
	store_wismo_links(public_url(argc, argv, o), api_track_key());
	app.jobs = jobs_start(app.store);
	store_on_commit(app.store, committed, app.jobs);
	poller = mail_poll_start(app.store);
	http = http_start(o->listen, api_routes, api_authenticate, &app, &err);
	if (!http)
		die("%s", err);
	fprintf(stderr, "deskd listening on http://%s\n", o->listen);
	sigwait(&signals, &sig);
	log_info("stopping (signal %d): finishing requests in flight", sig);
	live_stop();
	http_stop(http);
	store_on_commit(app.store, NULL, NULL);
	mail_poll_stop(poller);
	jobs_stop(app.jobs);
	store_free(app.store);
	log_info("stopped");
	return 0;
}

static char *read_password_stdin(void)
{
	char line[1100];
	size_t n;

	if (!fgets(line, sizeof(line), stdin))
		return NULL;
	n = strcspn(line, "\r\n");
	line[n] = '\0';
	return xstrdup(line);
}

int cli_user(int argc, char **argv, const struct cli_options *o)
{
	const char *email = cli_option(argc, argv, "--email"), *name = cli_option(argc, argv, "--name");
	const char *role = cli_option(argc, argv, "--role");
	char *password, *hash, *lower;
	struct store *st;
	struct arena a;
	struct error err;
	struct user u;
	int generated = 0;

	if (argc < 2 || strcmp(argv[1], "add") || !email || !name || !role) {
		fprintf(stderr, "usage: deskd user add --email E --name N --role admin|agent"
				" [--password-stdin]\n");
		return 2;
	}
	if (strcmp(role, "admin") && strcmp(role, "agent")) {
		fprintf(stderr, "deskd: --role must be admin or agent\n");
		return 2;
	}
	if (cli_flag(argc, argv, "--password-stdin")) {
		password = read_password_stdin();
	} else {
		password = auth_random_token("");
		generated = 1;
	}
	if (!password || strlen(password) < 8) {
		fprintf(stderr, "deskd: the password must be at least 8 characters\n");
		free(password);
		return 2;
	}
	lower = xstrdup(email);
	for (char *p = lower; *p; p++)
		*p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
	hash = auth_password_hash(password);
	if (!hash)
		die("cannot hash the password");
	st = cli_open_store(o);
	arena_init(&a);
	if (store_user_create(st, lower, name, role, hash, &u, &a, &err)) {
		fprintf(stderr, "deskd: %s\n", err.message);
		store_free(st);
		return 1;
	}
	printf("added %s %s (id %lld)\n", u.role, u.email, (long long)u.id);
	if (generated)
		printf("password: %s\n", password);
	arena_release(&a);
	store_free(st);
	free(password);
	free(hash);
	free(lower);
	return 0;
}

int cli_token(int argc, char **argv, const struct cli_options *o)
{
	const char *email = cli_option(argc, argv, "--user");
	const char *label = cli_option(argc, argv, "--name");
	char *token, *hash, *lower;
	struct token_info t;
	struct store *st;
	struct arena a;
	struct error err;
	struct user u;
	const char *pw;
	int rc = 0;

	if (argc < 2 || strcmp(argv[1], "create") || !email) {
		fprintf(stderr, "usage: deskd token create --user EMAIL [--name LABEL]\n");
		return 2;
	}
	lower = xstrdup(email);
	for (char *p = lower; *p; p++)
		*p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
	st = cli_open_store(o);
	arena_init(&a);
	token = auth_random_token("dsk_");
	hash = auth_digest(token);
	if (store_user_by_email(st, lower, &u, &pw, &a, &err) ||
	    store_token_create(st, u.id, label ? label : "cli", hash, &t, &a, &err)) {
		fprintf(stderr, "deskd: %s\n", err.message);
		rc = 1;
	} else {
		printf("%s\n", token);
	}
	arena_release(&a);
	store_free(st);
	free(token);
	free(hash);
	free(lower);
	return rc;
}

int cli_migrate(int argc, char **argv, const struct cli_options *o)
{
	(void)argc;
	(void)argv;
	store_free(cli_open_store(o));
	printf("database is up to date\n");
	return 0;
}

int cli_version(int argc, char **argv, const struct cli_options *o)
{
	(void)argc;
	(void)argv;
	(void)o;
	printf("deskd %s\n", DESKD_VERSION);
	return 0;
}
