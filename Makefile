# Thin wrapper around CMake. `make run` and `make test` are the two entry points.
BUILD ?= build
JOBS ?= 2
CMAKE_FLAGS ?=
ifdef CI
CMAKE_FLAGS += -DRINGMASTER_WERROR=ON
endif

# `make test SANITIZE=1` (also build, unit, e2e): everything under ASan and
# UBSan in a build dir of its own. ASAN_OPTIONS reaches the daemon and, through
# its environment, every child it spawns (fake_worker, ringctl and the example
# workers are instrumented too; uninstrumented programs ignore it):
# * detect_leaks=1: leaks fail a test (the default, stated so it is kept).
#   Forked children need no exception: between fork and exec the daemon's
#   child only calls async-signal-safe functions and leaves by execve or
#   _exit(127), and _exit skips LeakSanitizer's atexit check; after exec an
#   instrumented program checks its own leaks at exit.
# * exitcode=86: a report (ASan, or leaks at exit) exits 86, which no test
#   program uses, so a failure reads as a sanitizer report at once.
# * check_initialization_order=1: cheap; off by default.
# UBSan reports are fatal (built with -fno-sanitize-recover=undefined);
# print_stacktrace=1 says where.
# With SANITIZE=1 only the tests and the programs they run are built (no benches).
BUILD_TARGETS ?= all
ifeq ($(SANITIZE),1)
BUILD = build-asan
CMAKE_FLAGS += -DRINGMASTER_SANITIZE=ON
BUILD_TARGETS = unit_tests e2e_tests
export ASAN_OPTIONS ?= detect_leaks=1:exitcode=86:check_initialization_order=1
export UBSAN_OPTIONS ?= print_stacktrace=1
endif

# `make fuzz`: the libFuzzer targets of fuzz/ (clang), FUZZ_SECONDS each.
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 60

# `make install [PREFIX=/usr/local] [DESTDIR=...]`: ringmasterd to PREFIX/sbin,
# ringctl to PREFIX/bin, man pages, completion, an example config (PREFIX/etc,
# or /etc for PREFIX=/usr). `make package`: the Debian package, in $(BUILD)/.
# Both use the normal build dir: the prefix is given at install time.
PREFIX ?= /usr/local

.PHONY: deps build test unit e2e run bench fuzz clean install package

deps:
	@./scripts/install-deps.sh

build: deps
	@cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j$(JOBS) --target $(BUILD_TARGETS)

test: build
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS) --timeout 300

unit: build
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS) -L unit

e2e: build
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS) -L e2e

install: build
	DESTDIR=$(DESTDIR) cmake --install $(BUILD) --prefix $(PREFIX)

package: build
	cmake --build $(BUILD) -j$(JOBS) --target package

# The demo's HTTP token: random, mode 0600, kept across runs.
run: build
	@mkdir -p build/demo
	@(umask 077; test -s build/demo/http-token || \
	  od -An -N16 -tx1 /dev/urandom | tr -d ' \n' > build/demo/http-token)
	@echo "status page: http://127.0.0.1:8080/  (token for actions: $$(cat build/demo/http-token))"
	$(BUILD)/daemon/ringmasterd watchers.ini

# Benchmarks: an optimised build of their own (see bench/README.md).
BENCH_BUILD ?= build-rel
BENCH_TARGETS = ringmasterd ringctl bench_worker bench_spawn bench_control bench_http bench_storm bench_http_conns bench_upgrade
bench: deps
	@cmake -S . -B $(BENCH_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BENCH_BUILD) -j$(JOBS) --target $(BENCH_TARGETS)
	./bench/run.sh $(BENCH_BUILD)

fuzz: deps
	@CC=clang CXX=clang++ cmake -S . -B $(FUZZ_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DRINGMASTER_FUZZ=ON $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(FUZZ_BUILD) -j$(JOBS) --target fuzzers
	FUZZ_SECONDS=$(FUZZ_SECONDS) ./fuzz/run.sh $(FUZZ_BUILD)

clean:
	rm -rf $(BUILD)
