# The two commands of the README, and a few more. Every target installs the
# Debian packages it needs first (deploy/install-deps.sh).
#
#   make run    build (Release) and start relogd on 127.0.0.1:50051 with its
#               data in ./var/relog (LISTEN=host:port, DATA=dir to change)
#   make test   build the test build (clang, ASan+UBSan, -Werror) and run
#               every test
#   make bench  build (Release) and run the benchmark suite of issue 6
#               (deploy/bench/run_all.sh: raw RocksDB, the store, relogd
#               through gRPC, PostgreSQL 15, projections at national scale;
#               ~8 min; BENCH_ARGS="--load_seconds=20 --skip_national"...)
#   make bench-store    the storage benchmark alone (relog-bench-store)
#   make bench-reports  the reports benchmark alone (relog-bench-reports)
#
# Executables land in build/bin/ (Release) and build/bin/test/ (test build).

JOBS ?= $(shell nproc)
DATA ?= var/relog
LISTEN ?= 127.0.0.1:50051
BENCH_ARGS ?=

.PHONY: run test bench bench-deps bench-store bench-reports deps release test-build format clean

deps:
	@deploy/install-deps.sh

release: deps
	@cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release \
	  -DCMAKE_CXX_COMPILER=clang++ -DBUILD_TESTING=OFF \
	  -DRELOG_BIN_DIR=$(CURDIR)/build/bin >/dev/null
	@ninja -C build/release -j $(JOBS)

test-build: deps
	@cmake -S . -B build/test -G Ninja -DRELOG_TEST_BUILD=ON \
	  -DCMAKE_CXX_COMPILER=clang++ \
	  -DRELOG_BIN_DIR=$(CURDIR)/build/bin/test >/dev/null
	@ninja -C build/test -j $(JOBS)

run: release
	@mkdir -p $(DATA)
	build/bin/relogd --data_dir=$(DATA) --listen=$(LISTEN)

test:
	@start=$$(date +%s); \
	$(MAKE) --no-print-directory test-build && \
	(cd build/test && ASAN_OPTIONS=detect_leaks=1 ctest -j $(JOBS) --output-on-failure); \
	rc=$$?; tests/fuzz/coverage_summary.sh build/test; \
	echo "test suite wall time: $$(( $$(date +%s) - start )) s"; exit $$rc

bench-deps:
	@deploy/install-deps.sh --bench

# bench-deps first: the Release build looks for libpq when configured.
bench: bench-deps release
	deploy/bench/run_all.sh $(BENCH_ARGS)

bench-store: release
	build/bin/relog-bench-store $(BENCH_ARGS)

bench-reports: release
	build/bin/relog-bench-reports $(BENCH_ARGS)

format:
	@git ls-files '*.cc' '*.h' | xargs clang-format -i

clean:
	rm -rf build
