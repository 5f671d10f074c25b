# Thin wrapper around CMake. `make run` and `make test` are the two entry points.
BUILD ?= build
JOBS ?= 2
CMAKE_FLAGS ?=
ifdef CI
CMAKE_FLAGS += -DRINGMASTER_WERROR=ON
endif

.PHONY: deps build test unit e2e run bench clean

deps:
	@./scripts/install-deps.sh

build: deps
	@cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j$(JOBS)

test: build
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS) --timeout 300

unit: build
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS) -L unit

e2e: build
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS) -L e2e

# The demo's HTTP token: random, mode 0600, kept across runs.
run: build
	@mkdir -p build/demo
	@(umask 077; test -s build/demo/http-token || \
	  od -An -N16 -tx1 /dev/urandom | tr -d ' \n' > build/demo/http-token)
	@echo "status page: http://127.0.0.1:8080/  (token for actions: $$(cat build/demo/http-token))"
	$(BUILD)/daemon/ringmasterd watchers.ini

# Benchmarks: an optimised build of their own (see bench/README.md).
BENCH_BUILD ?= build-rel
BENCH_TARGETS = ringmasterd ringctl bench_worker bench_spawn bench_control bench_http bench_storm bench_http_conns
bench: deps
	@cmake -S . -B $(BENCH_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BENCH_BUILD) -j$(JOBS) --target $(BENCH_TARGETS)
	./bench/run.sh $(BENCH_BUILD)

clean:
	rm -rf $(BUILD)
