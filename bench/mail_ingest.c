/*
 * mail_ingest.c - in-process email ingestion rate: every .eml file of a folder
 * through mail_ingest() into a fresh store, from several threads at once.
 *
 *   build/bench_mail_ingest FOLDER STORE THREADS
 *
 * STORE is a folder (its deskd.db is used), "sqlite:PATH" or a postgres:// URL;
 * it should be empty, or every email after the first run is a duplicate. The
 * files are read into memory first, so only mail_ingest is timed. Prints one
 * line: emails, stored, duplicates, failures, seconds, emails/s, p50 and p99.
 * bench/mail.sh runs it and makes the corpus.
 */
#include "mail/ingest.h"
#include "util/log.h"

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

struct email {
	char *raw;
	size_t len;
};

struct run {
	struct store *st;
	struct email *emails;
	double *latency_ms; /* per email, by index */
	int n;
	atomic_int next, stored, duplicates, failed;
};

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct stat sb;
	char *p;

	if (!f || fstat(fileno(f), &sb))
		die("cannot read '%s': %s", path, strerror(errno));
	p = xmalloc((size_t)sb.st_size + 1);
	*len = fread(p, 1, (size_t)sb.st_size, f);
	fclose(f);
	return p;
}

/* Every .eml file of the folder, in name order (the corpus's sending order). */
static struct email *load_folder(const char *dir, int *n)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **names = NULL, path[4096];
	struct email *emails;
	int cap = 0;

	if (!d)
		die("cannot open folder '%s': %s", dir, strerror(errno));
	*n = 0;
	while ((e = readdir(d))) {
		size_t l = strlen(e->d_name);

		if (l < 5 || strcmp(e->d_name + l - 4, ".eml"))
			continue;
		if (*n == cap) {
			cap = cap ? 2 * cap : 1024;
			names = realloc(names, cap * sizeof(*names));
			if (!names)
				die("out of memory");
		}
		names[(*n)++] = xstrdup(e->d_name);
	}
	closedir(d);
	qsort(names, *n, sizeof(*names), by_name);
	emails = xcalloc(*n ? *n : 1, sizeof(*emails));
	for (int i = 0; i < *n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		emails[i].raw = read_file(path, &emails[i].len);
		free(names[i]);
	}
	free(names);
	return emails;
}

static void *worker(void *arg)
{
	struct run *r = arg;
	struct mail_result res;
	struct error err;
	int i;

	while ((i = atomic_fetch_add(&r->next, 1)) < r->n) {
		double t = now_ms();
		enum err_code rc = mail_ingest(r->st, r->emails[i].raw, r->emails[i].len, NULL,
					       &res, &err);

		r->latency_ms[i] = now_ms() - t;
		if (rc) {
			if (atomic_fetch_add(&r->failed, 1) < 3)
				fprintf(stderr, "bench_mail_ingest: email %d: %s\n", i + 1, err.message);
		} else if (res.duplicate) {
			atomic_fetch_add(&r->duplicates, 1);
		} else {
			atomic_fetch_add(&r->stored, 1);
		}
	}
	return NULL;
}

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static const char *store_url(const char *arg, char *buf, size_t size)
{
	if (strstr(arg, "://") || !strncmp(arg, "sqlite:", 7))
		return arg;
	if (mkdir(arg, 0700) && errno != EEXIST)
		die("cannot create folder '%s': %s", arg, strerror(errno));
	snprintf(buf, size, "sqlite:%s/deskd.db", arg);
	return buf;
}

int main(int argc, char **argv)
{
	struct run r = { 0 };
	char url_buf[4200], *msg = NULL;
	int threads = argc == 4 ? atoi(argv[3]) : 0;
	pthread_t tid[64];
	double start, seconds;

	if (threads < 1 || threads > 64) {
		fprintf(stderr, "usage: bench_mail_ingest FOLDER STORE THREADS (1-64)\n");
		return 2;
	}
	r.emails = load_folder(argv[1], &r.n);
	r.latency_ms = xcalloc(r.n ? r.n : 1, sizeof(double));
	r.st = store_open(store_url(argv[2], url_buf, sizeof(url_buf)), &msg);
	if (!r.st)
		die("%s", msg);

	start = now_ms();
	for (int t = 0; t < threads; t++)
		if (pthread_create(&tid[t], NULL, worker, &r))
			die("cannot start a thread");
	for (int t = 0; t < threads; t++)
		pthread_join(tid[t], NULL);
	seconds = (now_ms() - start) / 1e3;
	store_free(r.st);

	qsort(r.latency_ms, r.n, sizeof(double), by_value);
	printf("threads=%d emails=%d stored=%d duplicates=%d failed=%d seconds=%.2f rate=%.0f/s"
	       " p50=%.2fms p99=%.2fms\n",
	       threads, r.n, r.stored, r.duplicates, r.failed, seconds,
	       seconds > 0 ? r.n / seconds : 0, r.n ? r.latency_ms[r.n / 2] : 0,
	       r.n ? r.latency_ms[(int)(r.n * 0.99)] : 0);
	for (int i = 0; i < r.n; i++)
		free(r.emails[i].raw);
	free(r.emails);
	free(r.latency_ms);
	return r.failed || r.stored + r.duplicates != r.n;
}
