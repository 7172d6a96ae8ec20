# deskd: `make run` builds and starts the server on demo data; `make test` runs every test.
# Both install the Debian packages they need first (scripts/deps.sh).

CC ?= cc
CFLAGS ?= -O2 -g
PKG_CFLAGS := $(shell pkg-config --cflags libpq gmime-3.0 gumbo 2>/dev/null)
CFLAGS += -std=c17 -D_GNU_SOURCE -Wall -Wextra -Werror -Isrc -pthread $(PKG_CFLAGS)
LDLIBS = -ljansson -lsodium -lsqlite3 $(shell pkg-config --libs gmime-3.0 gumbo 2>/dev/null) -pthread

SRC = $(shell find src -name '*.c' | sort)
OBJ = $(SRC:src/%.c=build/obj/%.o) build/obj/migrations.o build/obj/web.o
WEB = $(shell find web -type f ! -name '.*' 2>/dev/null)
GEN = build/gen/migrations.c build/gen/web.c
LIB_SRC = $(filter-out src/main.c,$(SRC))
SAN_FLAGS = -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

DATA ?= ./deskd-data

.PHONY: all run test deps test-deps clean bench fuzz fuzz-long

all: build/deskd

build/gen/migrations.c: scripts/embed-sql.sh $(wildcard sql/*/*.sql)
	@mkdir -p $(@D)
	sh scripts/embed-sql.sh > $@

build/gen/web.c: scripts/embed-web.sh $(WEB)
	@mkdir -p $(@D)
	sh scripts/embed-web.sh > $@

build/obj/%.o: build/gen/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c $< -o $@

build/obj/%.o: src/%.c $(wildcard src/*/*.h)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c $< -o $@

build/deskd: $(OBJ)
	$(CC) $(CFLAGS) $(OBJ) -o $@ $(LDLIBS)

# the same program with AddressSanitizer and UndefinedBehaviorSanitizer
build/deskd-asan: $(SRC) $(GEN) $(wildcard src/*/*.h)
	$(CC) -std=c17 -D_GNU_SOURCE -Wall -Wextra -Werror -Isrc -pthread $(PKG_CFLAGS) $(SAN_FLAGS) \
		$(SRC) $(GEN) -o $@ $(LDLIBS)

build/test_%: tests/unit/test_%.c $(LIB_SRC) $(GEN)
	$(CC) -std=c17 -D_GNU_SOURCE -Wall -Wextra -Werror -Isrc -pthread $(PKG_CFLAGS) $(SAN_FLAGS) \
		$< $(LIB_SRC) $(GEN) -o $@ $(LDLIBS)

# what mail_parse makes of email files, as JSON, for tests/oracle/mail_oracle.py
build/mail_dump: tests/oracle/mail_dump.c $(LIB_SRC) $(GEN)
	$(CC) -std=c17 -D_GNU_SOURCE -Wall -Wextra -Werror -Isrc -pthread $(PKG_CFLAGS) $(SAN_FLAGS) \
		$< $(LIB_SRC) $(GEN) -o $@ $(LDLIBS)

# the in-process email ingestion bench (bench/mail.sh): optimised, no sanitizers
build/bench_mail_ingest: bench/mail_ingest.c $(LIB_SRC) $(GEN)
	$(CC) -std=c17 -D_GNU_SOURCE -Wall -Wextra -Werror -Isrc -pthread $(PKG_CFLAGS) -O2 -g \
		$< $(LIB_SRC) $(GEN) -o $@ $(LDLIBS)

# the WISMO classifier's rate (bench/classify.sh): optimised, no sanitizers
build/bench_classify: bench/classify.c $(LIB_SRC) $(GEN)
	$(CC) -std=c17 -D_GNU_SOURCE -Wall -Wextra -Werror -Isrc -pthread $(PKG_CFLAGS) -O2 -g \
		$< $(LIB_SRC) $(GEN) -o $@ $(LDLIBS)

build/fuzz_%: tests/fuzz/fuzz_%.c $(LIB_SRC) $(GEN)
	clang -std=c17 -D_GNU_SOURCE -Isrc -pthread $(PKG_CFLAGS) -g -O1 -fsanitize=fuzzer,address,undefined \
		$< $(LIB_SRC) $(GEN) -o $@ $(LDLIBS)

deps:
	sh scripts/deps.sh run

test-deps:
	sh scripts/deps.sh test

# a sub-make, so that compiler flags are read after the packages are installed
run: deps
	$(MAKE) build/deskd
	build/deskd demo --data $(DATA)
	build/deskd serve --data $(DATA)

test: test-deps
	$(MAKE) build/deskd build/deskd-asan
	sh tests/run.sh

bench: deps
	$(MAKE) build/deskd
	sh bench/creates.sh
	sh bench/views.sh
	sh bench/run.sh
	sh bench/mail.sh
	sh bench/hooks.sh
	sh bench/classify.sh

# every fuzz target for 10M executions or FUZZ_LONG_SECONDS each (docs/TESTING.md); not in `test`
fuzz-long: test-deps
	bash tests/fuzz/long.sh

clean:
	rm -rf build
