# Thin wrapper around meson so that a fresh Debian 12 machine needs two
# commands: `make run` and `make test`. Both install missing Debian packages
# first (as root, or through sudo when it is there).

DEBS = meson ninja-build pkg-config gcc libc6-dev libncurses-dev libsqlite3-dev libopencc-dev \
       libcurl4-openssl-dev libyaml-dev libxml2-dev libutf8proc-dev libjansson-dev \
       libcmocka-dev libssl-dev liblinear-dev python3 tmux locales ca-certificates
BENCH_DEBS = newsboat sqlite3 time nginx-light
# libFuzzer comes with Debian's clang (its runtime in libclang-rt-dev).
FUZZ_DEBS = clang libclang-rt-dev
FUZZ_SECONDS ?= 60

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: all run test bench fuzz deps bench-deps fuzz-deps clean format

all: build/build.ninja
	ninja -C build

build/build.ninja:
	meson setup build --buildtype=debugoptimized

deps:
	@missing=""; for p in $(DEBS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(SUDO) apt-get update -q && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q $$missing; \
	fi

bench-deps: deps
	@missing=""; for p in $(BENCH_DEBS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  $(SUDO) apt-get update -q && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q $$missing || \
	  echo "note: could not install$$missing; the benchmark skips what needs them"; \
	fi

fuzz-deps: deps
	@missing=""; for p in $(FUZZ_DEBS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(SUDO) apt-get update -q && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q $$missing; \
	fi

# The demo registers whoever runs it (the first person needs no admin; once
# someone is registered this does nothing) so that the console can act.
run: deps all
	@./build/jingyu person add "$$(id -un)" --name 演示值班员 --roles operator,leader,admin \
	  >/dev/null 2>&1 || true
	./build/jingyu

# The test tree compiles the test hooks in (JINGYU_FAKE_NOW); an existing
# tree made without them is switched on here.
build-test/build.ninja:
	meson setup build-test --buildtype=debug -Db_sanitize=address,undefined -Db_lundef=false \
	  -Dtest_hooks=true

test: deps build-test/build.ninja
	meson configure build-test -Dtest_hooks=true
	ninja -C build-test
	-meson test -C build-test --print-errorlogs --num-processes 2 --timeout-multiplier 3 >build-test/test-output.txt 2>&1; \
	  tail -n 40 build-test/test-output.txt
	python3 tests/summary.py build-test/meson-logs/testlog.json

# `make fuzz [FUZZ_SECONDS=60]`: the libFuzzer harnesses of tests/fuzz, built
# with clang, AddressSanitizer and UBSan, each run for FUZZ_SECONDS.
build-fuzz/build.ninja:
	CC=clang meson setup build-fuzz --buildtype=debugoptimized -Dfuzz=true \
	  -Db_sanitize=address,undefined -Db_lundef=false

fuzz: fuzz-deps build-fuzz/build.ninja
	ninja -C build-fuzz fuzzers
	python3 tests/fuzz/run.py build-fuzz $(FUZZ_SECONDS)

build-bench/build.ninja:
	meson setup build-bench --buildtype=release

bench: bench-deps build-bench/build.ninja
	ninja -C build-bench
	bench/run.sh build-bench

format:
	clang-format -i src/*/*.[ch] ui/*.[ch] tests/unit/*/*.c bench/*.[ch] tests/fuzz/*.[ch]

clean:
	rm -rf build build-test build-bench build-fuzz
