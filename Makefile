# TR1L — the two commands: `make run` (the main job on the embedded default) and `make test`.
BUILD_DIR ?= build
ASAN_BUILD_DIR ?= build-asan
MONTH ?= 2026-10
USERS ?= 10000
JOBS ?= $(shell nproc)
# Benchmarks `make bench` runs (bench/NAME.sh), e.g. `make bench BENCH=invoice`.
BENCH ?= settle invoice deliver delivery_rows

.PHONY: all build deps run test test-unit test-asan clean bench

all: build

deps:
	@scripts/install-deps.sh

$(BUILD_DIR)/build.ninja:
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Release

build: deps $(BUILD_DIR)/build.ninja
	cmake --build $(BUILD_DIR) -j $(JOBS)

run: build
	$(BUILD_DIR)/tr1l run --month $(MONTH) --users $(USERS)

test: build
	scripts/run-tests.sh

test-asan: deps
	cmake -S . -B $(ASAN_BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DTR1L_SANITIZE=ON
	cmake --build $(ASAN_BUILD_DIR) -j $(JOBS) --target tr1l_unit_tests
	$(ASAN_BUILD_DIR)/tr1l_unit_tests

bench: build
	@for name in $(BENCH); do \
	  test -x bench/$$name.sh || { echo "make bench: no bench/$$name.sh (known: settle invoice deliver delivery_rows)" >&2; exit 2; }; \
	  echo "== bench/$$name.sh"; bench/$$name.sh || exit $$?; \
	done

clean:
	rm -rf $(BUILD_DIR) $(ASAN_BUILD_DIR)
