/*
 * jobs.c - claims due jobs, delivers webhooks with libcurl, records the outcome;
 * emails go out through jobs/mail_send.c.
 */
#include "jobs/jobs.h"
#include "core/auth.h"
#include "util/libcurl.h"
#include "util/log.h"
#include "util/timeutil.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* a claim's lease: long enough for a batch's first email (SMTP may take 130 s) */
#define LEASE_US ((int64_t)300 * 1000000)
#define BATCH 16
#define HOUR_US ((int64_t)3600 * 1000000)

/*
 * One thread per kind of job, so that a slow SMTP server (an email may take
 * 130 s) never holds up webhook deliveries, nor a slow receiver the email.
 */
struct worker {
	struct jobs *j;
	const char *kind;
	int woken, housekeeping;
	pthread_t thread;
	CURL *curl; /* webhooks: reused between deliveries */
};

static const char *const kinds[] = { "webhook", "email" };
#define N_KINDS (sizeof(kinds) / sizeof(kinds[0]))

struct jobs {
	struct store *store;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	atomic_int stopping; /* read by the workers between jobs, without the lock */
	struct worker workers[N_KINDS];
};

long jobs_backoff_seconds(int attempt)
{
	if (attempt < 1)
		attempt = 1;
	return attempt > 12 ? 3600 : (1L << (attempt - 1)) > 3600 ? 3600 : 1L << (attempt - 1);
}

void jobs_wake(void *arg)
{
	struct jobs *j = arg;

	pthread_mutex_lock(&j->lock);
	for (size_t i = 0; i < N_KINDS; i++)
		j->workers[i].woken = 1;
	pthread_cond_broadcast(&j->cond);
	pthread_mutex_unlock(&j->lock);
}

static size_t discard(char *p, size_t size, size_t n, void *arg)
{
	(void)p;
	(void)arg;
	return size * n;
}

/*
 * One POST; returns the HTTP status, or 0 with *error set when it never got
 * one (and *refused set when netguard refused the address: final).
 */
static long post(CURL *curl, const struct delivery *d, const struct webhook *w, char *error,
		 size_t error_size, int *refused)
{
	struct libcurl_guard guard;
	char ts[24], *mac, *signed_text, header[256], errbuf[CURL_ERROR_SIZE] = "";
	struct curl_slist *h = NULL;
	long status = 0;
	CURLcode rc;

	snprintf(ts, sizeof(ts), "%" PRId64, time_now_us() / 1000000);
	if (asprintf(&signed_text, "%s.%s", ts, d->payload) < 0)
		die("out of memory");
	mac = auth_hmac_hex(w->secret, signed_text, strlen(signed_text));
	h = libcurl.slist_append(h, "Content-Type: application/json");
	snprintf(header, sizeof(header), "X-Deskd-Event: %s", d->event_type);
	h = libcurl.slist_append(h, header);
	snprintf(header, sizeof(header), "X-Deskd-Delivery: %" PRId64, d->id);
	h = libcurl.slist_append(h, header);
	snprintf(header, sizeof(header), "X-Deskd-Signature: t=%s,v1=%s", ts, mac);
	h = libcurl.slist_append(h, header);
	h = libcurl.slist_append(h, "User-Agent: deskd-webhooks/1");

	libcurl.easy_reset(curl);
	libcurl.easy_setopt(curl, CURLOPT_URL, w->url);
	libcurl.easy_setopt(curl, CURLOPT_POSTFIELDS, d->payload);
	libcurl.easy_setopt(curl, CURLOPT_HTTPHEADER, h);
	libcurl.easy_setopt(curl, CURLOPT_TIMEOUT, 10L);
	libcurl.easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 5L);
	libcurl.easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	libcurl.easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
	libcurl.easy_setopt(curl, CURLOPT_WRITEFUNCTION, discard);
	libcurl.easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
	libcurl_guard(curl, &guard);
	rc = libcurl.easy_perform(curl);
	*refused = rc != CURLE_OK && guard.refused[0];
	if (rc == CURLE_OK)
		libcurl.easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	else if (*refused)
		snprintf(error, error_size, "%s", guard.refused);
	else
		snprintf(error, error_size, "%s", errbuf[0] ? errbuf : libcurl.easy_strerror(rc));
	libcurl.slist_free_all(h);
	free(mac);
	free(signed_text);
	return status;
}

static void run_webhook(struct worker *wk, const struct job *job, struct arena *a)
{
	struct jobs *j = wk->j;
	struct delivery d;
	struct webhook w;
	struct error err;
	char error[CURL_ERROR_SIZE + 32] = "";
	int64_t retry_at = 0;
	long status;
	int ok, refused = 0;

	if (store_delivery_load(j->store, job->ref_id, &d, &w, a, &err)) {
		log_error("webhook job %" PRId64 ": %s", job->id, err.message);
		store_delivery_result(j->store, job->id, job->ref_id, 0, 0, err.message, 0, &err);
		return;
	}
	if (!w.active) {
		store_delivery_result(j->store, job->id, d.id, 0, 0, "webhook deleted", 0, &err);
		return;
	}
	status = post(wk->curl, &d, &w, error, sizeof(error), &refused);
	ok = status >= 200 && status < 300;
	if (!ok && status)
		snprintf(error, sizeof(error), "HTTP %ld", status);
	if (refused) /* the same address would be refused again: a refusal is final */
		log_error("webhook %" PRId64 " delivery %" PRId64 ": %s", w.id, d.id, error);
	else if (!ok && job->attempts + 1 < JOBS_MAX_ATTEMPTS)
		retry_at = time_now_us() + jobs_backoff_seconds(job->attempts + 1) * 1000000;
	if (store_delivery_result(j->store, job->id, d.id, ok, (int)status, ok ? NULL : error,
				  retry_at, &err))
		log_error("recording delivery %" PRId64 ": %s", d.id, err.message);
}

/*
 * Attempts are counted when a job is claimed: a job whose every attempt
 * ended the process (or outlived its lease) stops here instead of for ever.
 */
static int gave_up(struct jobs *j, const struct job *job)
{
	int email = !strcmp(job->kind, "email");
	int max = email ? MAIL_MAX_ATTEMPTS : JOBS_MAX_ATTEMPTS;
	const char *why = "gave up: no attempt finished";
	struct error err;

	if (job->attempts < max)
		return 0;
	log_error("job %" PRId64 " (%s): %s after %d attempts", job->id, job->kind, why,
		  job->attempts);
	if (email)
		store_mail_job_result(j->store, job->id, job->ref_id, 0, why, 0, &err);
	else
		store_delivery_result(j->store, job->id, job->ref_id, 0, 0, why, 0, &err);
	return 1;
}

static void run_due(struct worker *w)
{
	struct jobs *j = w->j;
	struct job batch[BATCH];
	struct arena a;
	struct error err;
	int email = !strcmp(w->kind, "email"), n = 0;
	/*
	 * A claim counts an attempt for each job it takes: emails (up to 130 s
	 * each) are claimed one at a time, so none uses up its attempts waiting
	 * behind the others of a batch.
	 */
	int max = email ? 1 : BATCH;
	/*
	 * A job whose lease may end during the attempt is left to the next
	 * claim: another worker would run it too. An email may take 130 s
	 * (connect and send timeouts), a webhook 15.
	 */
	int64_t needs_us = (email ? 135 : 15) * (int64_t)1000000;

	do {
		int64_t now = time_now_us();

		arena_init(&a); /* per claim: a long queue must not grow one arena */
		if (store_jobs_claim(j->store, w->kind, now, now + LEASE_US, batch, max, &n, &a,
				     &err)) {
			log_error("claiming %s jobs: %s", w->kind, err.message);
			arena_release(&a);
			break;
		}
		for (int i = 0; i < n && !j->stopping; i++) {
			if (time_now_us() > now + LEASE_US - needs_us)
				break;
			if (gave_up(j, &batch[i]))
				continue;
			if (email)
				jobs_run_email(j->store, &batch[i], &a);
			else
				run_webhook(w, &batch[i], &a);
		}
		arena_release(&a);
	} while (n == max && !j->stopping);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct jobs *j = w->j;
	int64_t last_expiry = 0;

	pthread_mutex_lock(&j->lock);
	while (!j->stopping) {
		struct timespec ts;
		int64_t due = 0;
		struct error err;

		w->woken = 0;
		pthread_mutex_unlock(&j->lock);
		/* claiming is a write; look first, so an idle queue costs the writer nothing */
		if (store_jobs_pending(j->store, w->kind, time_now_us(), &due, &err) == E_OK && due)
			run_due(w);
		/* hourly: uploads no reply took within a day */
		if (w->housekeeping && (time_mono_us() - last_expiry > HOUR_US || !last_expiry)) {
			last_expiry = time_mono_us();
			if (store_uploads_expire(j->store, time_now_us() - 24 * HOUR_US, &err))
				log_error("expiring uploads: %s", err.message);
		}
		pthread_mutex_lock(&j->lock);
		if (w->woken || j->stopping)
			continue;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += 1;
		pthread_cond_timedwait(&j->cond, &j->lock, &ts);
	}
	pthread_mutex_unlock(&j->lock);
	return NULL;
}

struct jobs *jobs_start(struct store *st)
{
	const char *missing = libcurl_load();
	struct jobs *j;

	if (missing)
		die("%s", missing);
	j = xcalloc(1, sizeof(*j));
	j->store = st;
	pthread_mutex_init(&j->lock, NULL);
	pthread_cond_init(&j->cond, NULL);
	for (size_t i = 0; i < N_KINDS; i++) {
		struct worker *w = &j->workers[i];

		w->j = j;
		w->kind = kinds[i];
		w->housekeeping = i == 0;
		if (!strcmp(w->kind, "webhook") && !(w->curl = libcurl.easy_init()))
			die("cannot initialise libcurl");
		if (pthread_create(&w->thread, NULL, worker_main, w))
			die("cannot start the %s worker", w->kind);
	}
	return j;
}

void jobs_stop(struct jobs *j)
{
	pthread_mutex_lock(&j->lock);
	j->stopping = 1;
	pthread_cond_broadcast(&j->cond);
	pthread_mutex_unlock(&j->lock);
	for (size_t i = 0; i < N_KINDS; i++) {
		pthread_join(j->workers[i].thread, NULL);
		if (j->workers[i].curl)
			libcurl.easy_cleanup(j->workers[i].curl);
	}
	free(j);
}
