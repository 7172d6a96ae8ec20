/*
 * classify.c - how many messages classify_message handles per second on one
 * thread: the labelled set's messages (tests/data/wismo/{en,ko,ja,tr}.tsv), over and over
 * for about SECONDS seconds (default 3).
 *
 *   build/bench_classify [SECONDS]
 *
 * Run from the repository root; bench/classify.sh builds it and pins it to
 * one core. Prints one line: messages, seconds, messages/s, mean bytes per
 * message, and how many were WISMO (so the work cannot be optimised away).
 */
#include "orders/classify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_MESSAGES 4096

static char *messages[MAX_MESSAGES];
static size_t lengths[MAX_MESSAGES];
static int n_messages;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void load(const char *path)
{
	char line[8192];
	FILE *f = fopen(path, "rb");

	if (!f) {
		fprintf(stderr, "bench_classify: cannot open %s (run from the repository root)\n",
			path);
		exit(1);
	}
	while (fgets(line, sizeof(line), f) && n_messages < MAX_MESSAGES) {
		char *tab = strchr(line, '\t');
		size_t n;

		if (line[0] == '#' || !tab)
			continue;
		n = strcspn(tab + 1, "\r\n");
		messages[n_messages] = malloc(n ? n : 1);
		if (!messages[n_messages])
			exit(1);
		memcpy(messages[n_messages], tab + 1, n);
		lengths[n_messages++] = n;
	}
	fclose(f);
}

int main(int argc, char **argv)
{
	static const char *const files[] = {"en", "ko", "ja", "tr"};
	double seconds = argc > 1 ? atof(argv[1]) : 3.0, start, elapsed;
	long done = 0, wismo = 0;
	size_t bytes = 0;
	char path[64];
	int i;

	for (i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "tests/data/wismo/%s.tsv", files[i]);
		load(path);
	}
	if (!n_messages) {
		fprintf(stderr, "bench_classify: no messages\n");
		return 1;
	}
	start = now();
	do {
		for (i = 0; i < n_messages; i++) {
			struct classify_result r;

			classify_message(messages[i], lengths[i], &r);
			wismo += r.wismo;
			bytes += lengths[i];
		}
		done += n_messages;
		elapsed = now() - start;
	} while (elapsed < seconds);
	printf("messages=%ld seconds=%.2f rate=%.0f/s bytes_per_message=%.0f wismo=%ld\n", done,
	       elapsed, done / elapsed, (double)bytes / done, wismo);
	return 0;
}
