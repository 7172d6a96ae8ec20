/*
 * jobs.h - the worker that runs the durable jobs table (webhook deliveries).
 */
#ifndef JOBS_JOBS_H
#define JOBS_JOBS_H

#include "store/store.h"

struct jobs;

/** Starts the worker thread on `st`; it wakes after each commit and once a second. */
struct jobs *jobs_start(struct store *st);

/** Asks the worker to look for due jobs now. Safe from any thread. */
void jobs_wake(void *jobs);

/** Stops the worker after the job it is running and frees it. */
void jobs_stop(struct jobs *j);

/** Seconds to wait before attempt `attempt` (1-based): 1, 2, 4 ... capped at an hour. */
long jobs_backoff_seconds(int attempt);

#define JOBS_MAX_ATTEMPTS 8
/* an email is tried for about a day (jobs/mail_send.c) */
#define MAIL_MAX_ATTEMPTS 11

/** Runs one email job (jobs/mail_send.c): compose, send by SMTP, record. */
void jobs_run_email(struct store *st, const struct job *job, struct arena *a);

#endif
