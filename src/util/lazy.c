/*
 * lazy.c - dlopen a library and resolve the functions a module calls.
 */
#include "util/lazy.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>

static int failed(struct lazy_lib *lib)
{
	const char *why = dlerror();

	snprintf(lib->error, sizeof(lib->error), "%s needs %s: %s", lib->feature, lib->package,
		 why ? why : "unknown error");
	return -1;
}

static int open_lib(struct lazy_lib *lib)
{
	/* RTLD_LAZY: functions bind on first call, as they did when the library was linked */
	void *handle = dlopen(lib->soname, RTLD_LAZY | RTLD_LOCAL);

	if (!handle)
		return failed(lib);
	for (size_t i = 0; i < lib->n_symbols; i++) {
		/* POSIX guarantees a function pointer survives the trip through void * */
		if (!(*lib->symbols[i].slot = dlsym(handle, lib->symbols[i].name))) {
			failed(lib);
			dlclose(handle);
			return -1;
		}
	}
	return lib->init ? lib->init(lib) : 0;
}

const char *lazy_load(struct lazy_lib *lib)
{
	/* one lock for all libraries: taken once per connection or transfer, never contended */
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

	pthread_mutex_lock(&lock);
	if (!lib->tried) {
		lib->tried = 1;
		open_lib(lib);
	}
	pthread_mutex_unlock(&lock);
	return lib->error[0] ? lib->error : NULL;
}
