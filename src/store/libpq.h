/*
 * libpq.h - libpq, opened when the first PostgreSQL connection is made (util/lazy.h).
 *
 * SQLite users and every short-lived command (mailgate) never load it. Call
 * libpq.exec(...) where the libpq manual says PQexec(...): the members carry the
 * prototypes of <libpq-fe.h>, so the compiler checks every call as before.
 */
#ifndef STORE_LIBPQ_H
#define STORE_LIBPQ_H

#include <libpq-fe.h>

/* the libpq functions deskd calls, without their PQ prefix */
#define LIBPQ_FUNCTIONS(X)                                                                         \
	X(clear)                                                                                   \
	X(connectdb)                                                                               \
	X(describePrepared)                                                                        \
	X(errorMessage)                                                                            \
	X(exec)                                                                                    \
	X(execPrepared)                                                                            \
	X(fformat)                                                                                 \
	X(finish)                                                                                  \
	X(freemem)                                                                                 \
	X(ftype)                                                                                   \
	X(getisnull)                                                                               \
	X(getlength)                                                                               \
	X(getvalue)                                                                                \
	X(nfields)                                                                                 \
	X(ntuples)                                                                                 \
	X(prepare)                                                                                 \
	X(resultErrorField)                                                                        \
	X(resultErrorMessage)                                                                      \
	X(resultMemorySize)                                                                        \
	X(resultStatus)                                                                            \
	X(setNoticeProcessor)                                                                      \
	X(status)                                                                                  \
	X(transactionStatus)                                                                       \
	X(unescapeBytea)

struct libpq_functions {
#define LIBPQ_MEMBER(f) __typeof__(PQ##f) *f;
	LIBPQ_FUNCTIONS(LIBPQ_MEMBER)
#undef LIBPQ_MEMBER
};

/** The loaded functions: valid only after libpq_load returned NULL. */
extern struct libpq_functions libpq;

/**
 * Loads libpq.so.5 the first time (thread-safe). Returns NULL when loaded, or why it
 * cannot be ("PostgreSQL support needs libpq5: ..."); the answer never changes.
 */
const char *libpq_load(void);

#endif
