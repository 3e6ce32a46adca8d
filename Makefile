# faultline — the two commands of the README are `make demo` and `make test`.
BUILD      ?= build
BUILD_ASAN ?= build-asan
BUILD_TSAN ?= build-tsan
BUILD_FUZZ ?= build-fuzz
FUZZ_SECONDS ?= 300
FUZZ_CI_SECONDS ?= 20
JOBS       ?= $(shell nproc)
CMAKE_GEN  := -G Ninja
CTEST_ARGS ?= --output-on-failure --timeout 600

# ccache keys on relative paths, so a fresh clone in another folder reuses the cache.
export CCACHE_BASEDIR := $(CURDIR)
export CCACHE_NOHASHDIR := 1

.PHONY: all deps configure build test demo screenshots test-asan test-tsan fuzz-build fuzz fuzz-ci format clean package test-deploy deps-deploy

all: build

deps:
	@scripts/install-deps.sh

$(BUILD)/build.ninja:
	cmake -S . -B $(BUILD) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=RelWithDebInfo

configure: $(BUILD)/build.ninja

build: deps configure
	cmake --build $(BUILD) -j $(JOBS)

test: build
	ctest --test-dir $(BUILD) $(CTEST_ARGS) -j 2

demo: build
	$(BUILD)/app/faultline demo

# The README's pictures of the live page and the HTML report, taken by their browser tests.
screenshots: build
	cd tests/integration && FAULTLINE_BIN=$(CURDIR)/$(BUILD)/app/faultline FAULTLINE_SOURCE_DIR=$(CURDIR) \
	  FAULTLINE_SCREENSHOT_DIR=$(CURDIR)/docs PYTHONDONTWRITEBYTECODE=1 python3 -m unittest -v test_live_page test_html_report

# The sanitizer trees build only the programs their suites run (asan_suites and tsan_suites
# in tests/CMakeLists.txt): no micro-benchmarks, and no fuzz replays under TSan.
$(BUILD_ASAN)/build.ninja:
	cmake -S . -B $(BUILD_ASAN) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=Debug -DFAULTLINE_SANITIZE=address

test-asan: deps $(BUILD_ASAN)/build.ninja
	cmake --build $(BUILD_ASAN) -j $(JOBS) --target asan_suites
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --test-dir $(BUILD_ASAN) $(CTEST_ARGS) -L asan

$(BUILD_TSAN)/build.ninja:
	cmake -S . -B $(BUILD_TSAN) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=Debug -DFAULTLINE_SANITIZE=thread

test-tsan: deps $(BUILD_TSAN)/build.ninja
	cmake --build $(BUILD_TSAN) -j $(JOBS) --target tsan_suites
	TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 ctest --test-dir $(BUILD_TSAN) $(CTEST_ARGS) -L tsan

# libFuzzer targets (tests/fuzz, clang 14 with ASan+UBSan): `make fuzz` runs each for
# FUZZ_SECONDS; `make fuzz-ci` replays the seeds and regressions, then runs each target for
# FUZZ_CI_SECONDS (9 targets: about 3.5 minutes) and fails on any finding.
$(BUILD_FUZZ)/build.ninja:
	CXX=clang++-14 cmake -S . -B $(BUILD_FUZZ) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFAULTLINE_FUZZ=ON

fuzz-build: deps $(BUILD_FUZZ)/build.ninja
	cmake --build $(BUILD_FUZZ) -j $(JOBS)

fuzz: fuzz-build
	tests/fuzz/run_fuzzers.sh --build $(BUILD_FUZZ) --seconds $(FUZZ_SECONDS)

fuzz-ci: fuzz-build
	ctest --test-dir $(BUILD_FUZZ) $(CTEST_ARGS)
	tests/fuzz/run_fuzzers.sh --build $(BUILD_FUZZ) --seconds $(FUZZ_CI_SECONDS)

format:
	find app base toml net http echo config faults metrics loadgen proxy tcp tests bench -name '*.cpp' -o -name '*.hpp' | xargs -r clang-format -i

clean:
	rm -rf $(BUILD) $(BUILD_ASAN) $(BUILD_TSAN) $(BUILD_FUZZ)

# ---- deploy/: the .deb and the deployment checks (see README "Deploy") ----
package: build
	cmake --build $(BUILD) --target package

deps-deploy:
	@scripts/install-deps.sh deploy

# Compose, Kubernetes, systemd and .deb checks (tests/deploy), then the container image
# built and run with Podman (deploy/test-image.sh). IMAGE_BINARY=prebuilt puts the binary
# just built and tested in $(BUILD) into the image; IMAGE_BINARY=source compiles it inside
# the image build (minutes longer on 2 cores).
IMAGE_BINARY ?= prebuilt
test-deploy: deps-deploy package
	cd tests/deploy && FAULTLINE_BIN=$(CURDIR)/$(BUILD)/app/faultline \
	  FAULTLINE_DEB=$$(ls -t $(CURDIR)/$(BUILD)/faultline_*.deb | head -1) \
	  PYTHONDONTWRITEBYTECODE=1 /usr/bin/python3 -m unittest -v
	deploy/test-image.sh $(if $(filter prebuilt,$(IMAGE_BINARY)),--prebuilt $(BUILD)/app/faultline)
