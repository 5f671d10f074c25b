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

run: build
	$(BUILD)/daemon/ringmasterd watchers.ini

bench: build
	./bench/run.sh $(BUILD)

clean:
	rm -rf $(BUILD)
