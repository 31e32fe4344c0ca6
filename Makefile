# cauris — build, test, run.
#
#   make          build the ledger library and the cauris CLI
#   make deps     install missing Debian packages (needs root or sudo)
#   make test     build and run every test; ends with "N passed, N failed"
#   make test-asan  the same under AddressSanitizer + UndefinedBehaviorSanitizer
#   make test-tsan  the same under ThreadSanitizer
#   make fuzz     the fuzz targets, briefly (FUZZ_RUNS, FUZZ_SECONDS)
#   make run      build, create a demo ledger in ./demo if none, show it
#   make bench    run the benchmarks at a size that finishes in minutes
#                 (FULL=1: the full sizes of PERFORMANCE.md, ~30 min)

BUILD    ?= build
LISTEN   ?= 127.0.0.1:8080
CC       ?= cc
PKGS     := lmdb libsodium libcrypto
CLI_PKGS := jansson cairo pangocairo libqrencode fontconfig
RPC_PKGS := libevent libevent_pthreads libprotobuf-c jansson
TEST_PKGS := cmocka

WARN     := -Wall -Wextra -Werror -Wshadow -Wconversion -Wstrict-prototypes \
            -Wmissing-prototypes -Wvla
CSTD     := -std=c11 -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L
OPT      ?= -O2 -g
SAN      ?=
CFLAGS_ALL = $(CSTD) $(OPT) $(SAN) -I. $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS_LEDGER = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lpthread

LEDGER_SRC := $(wildcard ledger/*.c)
LEDGER_OBJ := $(LEDGER_SRC:%.c=$(BUILD)/%.o)
RPC_SRC    := $(wildcard rpc/*.c)
RPC_OBJ    := $(RPC_SRC:%.c=$(BUILD)/%.o)
PROTO      := proto/cauris/v1/ledger.proto
PROTO_GEN  := $(BUILD)/gen/cauris/v1/ledger.pb-c
CLI_SRC    := $(wildcard cli/*.c)
CLI_OBJ    := $(CLI_SRC:%.c=$(BUILD)/%.o)
TEST_SRC   := $(wildcard tests/test_*.c)
TEST_BIN   := $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
TEST_LIB_SRC := $(filter-out $(TEST_SRC),$(wildcard tests/*.c))
TEST_LIB_OBJ := $(TEST_LIB_SRC:%.c=$(BUILD)/%.o)
BENCH_SRC  := $(wildcard bench/*.c)
BENCH_BIN  := $(BENCH_SRC:bench/%.c=$(BUILD)/bench/%)

LIB := $(BUILD)/libcauris.a
RPC_LIB := $(BUILD)/libcaurisrpc.a
LDLIBS_RPC = $(shell pkg-config --libs $(RPC_PKGS) 2>/dev/null)
CAURIS := $(BUILD)/cauris

.PHONY: all deps test test-asan test-tsan run bench fuzz clean format check-deps interop
all: $(CAURIS)

deps:
	@sh .ci/deps.sh

check-deps:
	@sh .ci/deps.sh --quiet

$(BUILD)/ledger/%.o: ledger/%.c ledger/*.h | $(BUILD)/ledger
	$(CC) $(CFLAGS_ALL) $(WARN) -c -o $@ $<

$(BUILD)/cli/%.o: cli/%.c cli/*.h ledger/ledger.h rpc/rpc.h | $(BUILD)/cli
	$(CC) $(CFLAGS_ALL) $(WARN) $(shell pkg-config --cflags $(CLI_PKGS)) -c -o $@ $<

# C code for the RPC messages is generated from proto/ at build time.
$(PROTO_GEN).c $(PROTO_GEN).h: $(PROTO)
	@mkdir -p $(BUILD)/gen
	protoc-c -Iproto --c_out=$(BUILD)/gen $(PROTO)

# Generated code is built with fewer warnings (-Wconversion trips it).
$(PROTO_GEN).o: $(PROTO_GEN).c
	$(CC) $(CFLAGS_ALL) -I$(BUILD)/gen $(shell pkg-config --cflags libprotobuf-c) -c -o $@ $<

RPC_CFLAGS = -I$(BUILD)/gen $(shell pkg-config --cflags $(RPC_PKGS))
$(BUILD)/rpc/%.o: rpc/%.c rpc/*.h ledger/ledger.h $(PROTO_GEN).h | $(BUILD)/rpc
	$(CC) $(CFLAGS_ALL) $(WARN) $(RPC_CFLAGS) -c -o $@ $<

$(LIB): $(LEDGER_OBJ)
	ar rcs $@ $^

$(RPC_LIB): $(RPC_OBJ) $(PROTO_GEN).o
	ar rcs $@ $^

# libcsv (Debian's libcsv-dev) ships no pkg-config file.
LDLIBS_CLI = $(shell pkg-config --libs $(CLI_PKGS)) -lcsv

# Translations of the printed statements: po/<lang>.po compiled into
# $(BUILD)/locale, where the cauris binary looks first (beside itself).
MO_FILES := $(patsubst po/%.po,$(BUILD)/locale/%/LC_MESSAGES/cauris.mo,$(wildcard po/*.po))
$(BUILD)/locale/%/LC_MESSAGES/cauris.mo: po/%.po
	@mkdir -p $(dir $@)
	msgfmt --check -o $@ $<

$(CAURIS): $(CLI_OBJ) $(RPC_LIB) $(LIB) | $(MO_FILES)
	$(CC) $(SAN) -o $@ $(CLI_OBJ) $(RPC_LIB) $(LIB) $(LDLIBS_CLI) \
	  $(LDLIBS_RPC) $(LDLIBS_LEDGER)

# Tests: -Wconversion is left out (cmocka's macros trip it); the rest holds.
$(BUILD)/tests/%.o: tests/%.c tests/*.h ledger/*.h rpc/*.h $(PROTO_GEN).h | $(BUILD)/tests
	$(CC) $(CFLAGS_ALL) -Wall -Wextra -Werror $(RPC_CFLAGS) \
	  $(shell pkg-config --cflags $(TEST_PKGS)) -c -o $@ $<

# Fault-injection tests wrap LMDB calls with the linker (WRAP_<test name>).
WRAP_faults := -Wl,--wrap=mdb_put -Wl,--wrap=mdb_txn_commit

$(BUILD)/tests/test_%: $(BUILD)/tests/test_%.o $(TEST_LIB_OBJ) $(RPC_LIB) $(LIB)
	$(CC) $(SAN) $(WRAP_$*) -o $@ $< $(TEST_LIB_OBJ) $(RPC_LIB) $(LIB) \
	  $(shell pkg-config --libs $(TEST_PKGS)) $(LDLIBS_RPC) $(LDLIBS_LEDGER)

$(BUILD)/bench/%: bench/%.c bench/*.h $(RPC_LIB) $(LIB) | $(BUILD)/bench
	$(CC) $(CFLAGS_ALL) -Wall -Wextra -Werror $(RPC_CFLAGS) -o $@ $< $(RPC_LIB) $(LIB) \
	  $(LDLIBS_RPC) $(LDLIBS_LEDGER)

# The benchmarks with a PostgreSQL peer (bench/pg.h) link libpq.
PQ_CFLAGS = $(shell pkg-config --cflags libpq 2>/dev/null)
LDLIBS_PQ = $(shell pkg-config --libs libpq 2>/dev/null)
PG_BENCH_BIN := $(BUILD)/bench/bench_pg $(BUILD)/bench/bench_post $(BUILD)/bench/bench_rpc
$(PG_BENCH_BIN): $(BUILD)/bench/%: bench/%.c bench/*.h $(RPC_LIB) $(LIB) | $(BUILD)/bench
	$(CC) $(CFLAGS_ALL) -Wall -Wextra -Werror $(RPC_CFLAGS) $(PQ_CFLAGS) -o $@ $< $(RPC_LIB) \
	  $(LIB) $(LDLIBS_RPC) $(LDLIBS_LEDGER) $(LDLIBS_PQ)

# bench_statements prints statements with the CLI's own code (cli/render_*,
# i18n, format) and its libraries.
STATEMENT_OBJ := $(filter $(BUILD)/cli/render_%.o,$(CLI_OBJ)) $(BUILD)/cli/i18n.o \
  $(BUILD)/cli/format.o
$(BUILD)/bench/bench_statements: bench/bench_statements.c bench/*.h $(STATEMENT_OBJ) $(LIB) \
  | $(BUILD)/bench $(MO_FILES)
	$(CC) $(CFLAGS_ALL) $(WARN) $(shell pkg-config --cflags $(CLI_PKGS)) -o $@ $< \
	  $(STATEMENT_OBJ) $(LIB) $(LDLIBS_CLI) $(LDLIBS_LEDGER)

$(BUILD)/ledger $(BUILD)/cli $(BUILD)/rpc $(BUILD)/tests $(BUILD)/bench:
	mkdir -p $@

# test_bench runs the benchmarks at a small size: they are built too.
test: check-deps
	@$(MAKE) --no-print-directory $(CAURIS) $(TEST_BIN) $(BENCH_BIN)
	@BUILD=$(BUILD) sh tests/run.sh $(TEST_BIN)

test-asan: check-deps
	@$(MAKE) --no-print-directory BUILD=build-asan CC=clang OPT="-O1 -g" \
	  SAN="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer" test

# Dependencies first, then a sub-make: pkg-config's flags are read after a
# fresh machine has installed it.
test-tsan: check-deps
	@$(MAKE) --no-print-directory BUILD=build-tsan CC=clang OPT="-O1 -g" \
	  SAN="-fsanitize=thread" test

run: check-deps
	@$(MAKE) --no-print-directory $(CAURIS)
	@sh cli/demo.sh $(CAURIS) demo $(LISTEN)

# The library first, then the server, then printing; each prints its table
# (bench/RESULTS.md keeps the latest). FULL=1 passes --full to each.
BENCH_ORDER := bench_post bench_pg bench_rpc bench_history bench_memory bench_statements
BENCH_RUN := $(foreach b,$(BENCH_ORDER),$(filter $(BUILD)/bench/$(b),$(BENCH_BIN))) \
  $(filter-out $(addprefix $(BUILD)/bench/,$(BENCH_ORDER)),$(BENCH_BIN))
bench: check-deps
	@$(MAKE) --no-print-directory $(CAURIS) $(BENCH_BIN)
	@for b in $(BENCH_RUN); do $$b $(if $(FULL),--full) || exit 1; done

# Fuzzing (clang's libFuzzer): each target runs FUZZ_RUNS inputs from a
# fixed seed, so a run is repeatable; FUZZ_RUNS=-1 FUZZ_SECONDS=600 for a
# long search. Crashes are written to build-fuzz/.
FUZZ_SRC  := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BIN  := $(FUZZ_SRC:tests/fuzz/%.c=build-fuzz/%)
FUZZ_RUNS ?= 300000
FUZZ_SECONDS ?= 120
FUZZ_FLAGS := -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -g -O1
CLI_LIB_SRC := cli/jsonl.c cli/format.c cli/args.c cli/common.c

build-fuzz/fuzz_jsonl: tests/fuzz/fuzz_jsonl.c $(CLI_LIB_SRC) $(LEDGER_SRC) ledger/*.h cli/*.h
	@mkdir -p build-fuzz
	clang $(CSTD) $(FUZZ_FLAGS) -I. $(shell pkg-config --cflags $(PKGS) jansson) -o $@ \
	  $< $(CLI_LIB_SRC) $(LEDGER_SRC) $(shell pkg-config --libs $(PKGS) jansson) -lpthread

# The JSON codec and the arena, over the generated ledger.proto code.
build-fuzz/fuzz_pbjson: tests/fuzz/fuzz_pbjson.c rpc/pbjson.c rpc/arena.c rpc/pbjson.h rpc/arena.h \
  $(PROTO_GEN).c ledger/text.c ledger/ledger.h
	@mkdir -p build-fuzz
	clang $(CSTD) $(FUZZ_FLAGS) -I. -I$(BUILD)/gen $(shell pkg-config --cflags $(RPC_PKGS)) -o $@ \
	  $< rpc/pbjson.c rpc/arena.c ledger/text.c $(PROTO_GEN).c \
	  $(shell pkg-config --libs libprotobuf-c jansson)

build-fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(LEDGER_SRC) ledger/*.h
	@mkdir -p build-fuzz
	clang $(CSTD) $(FUZZ_FLAGS) -I. $(shell pkg-config --cflags $(PKGS)) -o $@ $< $(LEDGER_SRC) \
	  $(shell pkg-config --libs $(PKGS)) -lpthread

# Each target starts from its committed seeds (tests/fuzz/corpus/<name>),
# copied so that what it finds stays out of the tree.
fuzz: check-deps
	@$(MAKE) --no-print-directory $(FUZZ_BIN)
	@for f in $(FUZZ_BIN); do \
	  name=$${f#build-fuzz/fuzz_}; corpus=build-fuzz/corpus-$$name; \
	  mkdir -p $$corpus && cp tests/fuzz/corpus/$$name/* $$corpus/; \
	  $$f $$corpus -seed=1 -runs=$(FUZZ_RUNS) -max_total_time=$(FUZZ_SECONDS) \
	    -max_len=4096 -artifact_prefix=build-fuzz/ >build-fuzz/$$name.log 2>&1; rc=$$?; \
	  echo "fuzz $$name: $$(grep -E '^#[0-9]+[[:space:]]+DONE' build-fuzz/$$name.log | tail -n 1)"; \
	  if [ $$rc -ne 0 ]; then tail -n 40 build-fuzz/$$name.log; exit 1; fi; \
	done

# The Node.js Connect client (tests/interop) against the server, alone.
interop: check-deps
	@$(MAKE) --no-print-directory $(CAURIS)
	@sh tests/interop/run.sh $(CAURIS)

format:
	clang-format -i ledger/*.[ch] rpc/*.[ch] cli/*.[ch] tests/*.[ch] bench/*.c

clean:
	rm -rf build build-asan build-tsan build-fuzz tests/interop/gen
