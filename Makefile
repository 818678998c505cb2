# One entry point. `make test` works on a fresh Debian machine with only the Swift toolchain:
# it installs OpenBLAS/LAPACKE/simdjson/pkg-config first when they are missing.
SWIFT ?= swift
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT_PACKAGES := libopenblas-dev liblapacke-dev libsimdjson-dev pkg-config

PYTHON ?= python3
# A C compiler and nm for the C ABI test: the system's, else the Swift toolchain's clang / llvm-nm.
ABI_CC := $(shell command -v cc 2>/dev/null || command -v clang 2>/dev/null || echo cc)
ABI_NM := $(shell command -v nm 2>/dev/null || command -v llvm-nm 2>/dev/null || echo nm)
# The debug build that `swift test` makes: the C ABI test and the Python tests run against it.
DEBUG_BIN := .build/debug

.PHONY: deps python-deps build release test c-test python-test peer-venv peer-test python trl-example ray-example demo bench compare compare-all fuzz clean experiment-venv experiment experiment-smoke experiment-why-phi

deps:
	@if pkg-config --exists openblas lapacke simdjson 2>/dev/null; then \
	  echo "deps: openblas, lapacke and simdjson found by pkg-config"; \
	else \
	  echo "deps: installing $(APT_PACKAGES)"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $(APT_PACKAGES); \
	fi

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

test: deps
	$(MAKE) api-check
	$(SWIFT) test
	$(MAKE) c-test python-test

# The public surface: docs/API.md lists every public declaration with its whole signature, generated from the
# sources; a change to the surface must come with the regenerated file (run by `make test`, so CI fails otherwise).
.PHONY: api-check
api-check:
	@tmp=$$(mktemp) && $(PYTHON) scripts/list_public_api.py > $$tmp && \
	  if diff -u docs/API.md $$tmp; then rm -f $$tmp; echo "api-check: docs/API.md matches the public API"; \
	  else rm -f $$tmp; echo "api-check: the public API differs from docs/API.md (- committed, + sources):" \
	    "run \`python3 scripts/list_public_api.py > docs/API.md\` and commit"; exit 1; fi

# The C ABI (include/infalign.h) from C: the header declares exactly the `@_cdecl` functions of Sources/InfAlignC,
# the library exports each of them, and a C program exercising each function (good inputs and misuse) passes
# (abi_test.c; the tilt weights in tilt_test.c);
# then the text-boundary program (invalid UTF-8 in every text argument) and the fork-safety program (threaded
# calls in forked children, with alarm() guards so a hang fails instead of stalling).
# (The library also exports the internal vector kernels' C symbols; the header is what is stable.)
c-test: deps
	$(SWIFT) build --product InfAlignC
	@grep -rhoE '@_cdecl\("infalign_[a-z0-9_]+"\)' Sources/InfAlignC | sed -E 's/.*"(.*)".*/\1/' | sort > .build/abi-defined.txt
	@grep -oE '\binfalign_[a-z0-9_]+\(' include/infalign.h | tr -d '(' | sort -u > .build/abi-declared.txt
	@diff -u .build/abi-declared.txt .build/abi-defined.txt || \
	  { echo "c-test: include/infalign.h and the @_cdecl functions differ (- header, + Swift)"; exit 1; }
	@$(ABI_NM) -D --defined-only $(DEBUG_BIN)/libInfAlignC.so | awk '{print $$3}' | sort > .build/abi-exported.txt
	@missing=$$(comm -23 .build/abi-defined.txt .build/abi-exported.txt); \
	  if [ -n "$$missing" ]; then echo "c-test: not exported by libInfAlignC: $$missing"; exit 1; fi
	$(ABI_CC) -std=c11 -Wall -Wextra -Werror -Iinclude Tests/CABI/abi_test.c -L$(DEBUG_BIN) -lInfAlignC \
	  -Wl,-rpath,$(CURDIR)/$(DEBUG_BIN) -lpthread -lm -o .build/abi_test
	.build/abi_test
	$(ABI_CC) -std=c11 -Wall -Wextra -Werror -Iinclude Tests/CABI/tilt_test.c -L$(DEBUG_BIN) -lInfAlignC \
	  -Wl,-rpath,$(CURDIR)/$(DEBUG_BIN) -lpthread -lm -o .build/tilt_test
	.build/tilt_test
	$(ABI_CC) -std=c11 -Wall -Wextra -Werror -Iinclude Tests/CABI/text_test.c -L$(DEBUG_BIN) -lInfAlignC \
	  -Wl,-rpath,$(CURDIR)/$(DEBUG_BIN) -lpthread -lm -o .build/text_test
	.build/text_test
	$(ABI_CC) -std=c11 -Wall -Wextra -Werror -Iinclude $$(pkg-config --cflags openblas) Tests/CABI/fork_test.c \
	  -L$(DEBUG_BIN) -lInfAlignC $$(pkg-config --libs openblas) -Wl,-rpath,$(CURDIR)/$(DEBUG_BIN) -lpthread -lm \
	  -o .build/fork_test
	.build/fork_test

# libFuzzer over the reward-file readers, the text forms and the C ABI over shapes (Sources/InfAlignFuzz;
# docs/RELIABILITY.md, "Fuzzing").
# The target and everything it calls are built with -sanitize=fuzzer and AddressSanitizer in their own scratch path;
# each target then runs FUZZ_SECONDS from its seeds (Fuzz/seeds/TARGET) plus the corpus earlier runs grew
# (.build-fuzz/corpus/TARGET). A crash, a broken promise (the target's fatalError), an ASan report, a leak or an
# input slower than 10 s stops with a non-zero exit; the input is saved as .build-fuzz/crashes/TARGET-crash-HASH
# (replay without instrumentation: swift run InfAlignFuzz TARGET FILE).
FUZZ_SECONDS ?= 20
FUZZ_TARGETS ?= jsonl csv ctrl procedure transform table ctrl-option ctrl-shapes
FUZZ_BUILD := --scratch-path .build-fuzz --product InfAlignFuzz --sanitize fuzzer --sanitize address \
  -Xswiftc -DINFALIGN_LIBFUZZER -Xswiftc -sanitize-coverage=edge,inline-8bit-counters,pc-table,trace-cmp

fuzz: deps
	@mkdir -p .build-fuzz/crashes
	@echo "fuzz: building the instrumented target (.build-fuzz)"
	@$(SWIFT) build $(FUZZ_BUILD) > .build-fuzz/build.log 2>&1 || { grep -v "Cannot export local symbol" .build-fuzz/build.log; exit 1; }
	@for t in $(FUZZ_TARGETS); do \
	  mkdir -p .build-fuzz/corpus/$$t; \
	  INFALIGN_FUZZ_TARGET=$$t SWIFT_BACKTRACE=enable=no .build-fuzz/debug/InfAlignFuzz -max_total_time=$(FUZZ_SECONDS) \
	    -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix=.build-fuzz/crashes/$$t- \
	    .build-fuzz/corpus/$$t Fuzz/seeds/$$t > .build-fuzz/$$t.log 2>&1 \
	    || { tail -n 40 .build-fuzz/$$t.log; echo "fuzz: target $$t failed (log: .build-fuzz/$$t.log)"; exit 1; }; \
	  echo "fuzz: $$t: $$(grep -E '^stat::number_of_executed_units' .build-fuzz/$$t.log | awk '{print $$2}') runs in $(FUZZ_SECONDS) s, $$(grep -E '^stat::average_exec_per_sec' .build-fuzz/$$t.log | awk '{print $$2}')/s, nothing found"; \
	done

# numpy and pytest for the Python tests, from pip when missing (nothing heavier: torch, trl and ray are only
# installed by the example targets, and their tests skip without them).
python-deps:
	@command -v $(PYTHON) >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq python3 python3-pip python3-venv; }
	@if $(PYTHON) -c "import numpy, pytest" 2>/dev/null; then echo "python-deps: numpy and pytest found"; \
	else $(PYTHON) -m pip install -q numpy pytest || $(PYTHON) -m pip install -q --break-system-packages numpy pytest; fi

# The Python package's tests against the debug library and CLI (bit-for-bit comparisons use the CLI). pytest's
# exit code 5 (no tests collected) is not a failure.
python-test: python-deps
	$(SWIFT) build --product InfAlignC
	$(SWIFT) build --product infalign
	cd python && INFALIGN_LIBRARY=$(CURDIR)/$(DEBUG_BIN)/libInfAlignC.so INFALIGN_CLI=$(CURDIR)/$(DEBUG_BIN)/infalign \
	  PYTHONPATH=$(CURDIR)/python $(PYTHON) -m pytest -q -p no:cacheprovider tests; \
	  rc=$$?; [ $$rc -eq 0 ] || [ $$rc -eq 5 ]

# The examples' virtual environment (ignored by git): torch 2.13.0+cpu, TRL, transformers, Ray. torch's +cpu
# build comes from pip's configured sources; where they lack it, add TORCH_INDEX=https://download.pytorch.org/whl/cpu.
EXAMPLES_VENV := .venv-examples
TORCH_INDEX ?=
EXAMPLES_LIBRARY := $(CURDIR)/.build/release/libInfAlignC.so

$(EXAMPLES_VENV)/bin/python:
	$(PYTHON) -m venv $(EXAMPLES_VENV)

# TRL's GRPOTrainer on a tiny causal LM built from a config, rewards calibrated and transformed by infalign for
# best-of-N, both as the reward function and as a custom advantage stage (examples/trl_grpo_ctrl.py).
trl-example: deps $(EXAMPLES_VENV)/bin/python
	$(SWIFT) build -c release --product InfAlignC
	$(EXAMPLES_VENV)/bin/pip install -q $(if $(TORCH_INDEX),--extra-index-url $(TORCH_INDEX)) \
	  torch==2.13.0+cpu trl transformers numpy pytest
	INFALIGN_LIBRARY=$(EXAMPLES_LIBRARY) HF_HUB_OFFLINE=1 $(EXAMPLES_VENV)/bin/python examples/trl_grpo_ctrl.py

# The training experiment (experiments/README.md; results in docs/EXPERIMENTS.md): π_ref by SFT, GRPO arms raw /
# calibrated / CTRL-BoN / CTRL-WoN with TRL on CPU, every checkpoint evaluated on held-out prompts, the report and
# plots, and every win rate recomputed by `infalign winrate`. `make experiment` rewrites experiments/results/,
# docs/EXPERIMENTS.md's results section and docs/experiments/*.svg|png (about 37 min on 2 cores); `make
# experiment-smoke` runs the tiny configuration as a pytest into a temporary folder (about 1 min).
EXPERIMENT_PACKAGES := torch==2.13.0+cpu trl==1.16.0 transformers datasets matplotlib numpy pytest
EXPERIMENT_ENV := INFALIGN_LIBRARY=$(EXAMPLES_LIBRARY) INFALIGN_CLI=$(CURDIR)/.build/release/infalign HF_HUB_OFFLINE=1 \
  PYTHONPATH=$(CURDIR):$(CURDIR)/python

experiment-venv: $(EXAMPLES_VENV)/bin/python
	$(EXAMPLES_VENV)/bin/pip install -q $(if $(TORCH_INDEX),--extra-index-url $(TORCH_INDEX)) $(EXPERIMENT_PACKAGES)

experiment: deps experiment-venv
	$(SWIFT) build -c release --product InfAlignC
	$(SWIFT) build -c release --product infalign
	rm -rf experiments/results
	$(EXPERIMENT_ENV) $(EXAMPLES_VENV)/bin/python -m experiments.run --results experiments/results
	$(EXPERIMENT_ENV) $(EXAMPLES_VENV)/bin/python -m experiments.report --results experiments/results
	$(EXPERIMENT_ENV) $(EXAMPLES_VENV)/bin/python -m experiments.verify --results experiments/results

# Why Φ did not move the distilled policies (docs/DISTILLATION.md): the same π_ref samples re-scored without the
# task's unlearnable noise, then with a learnable tie-free term instead, distilled toward identity and exp:t (needs
# a finished `make experiment`; about 8 min).
experiment-why-phi: deps experiment-venv
	$(SWIFT) build -c release --product InfAlignC
	$(EXPERIMENT_ENV) $(EXAMPLES_VENV)/bin/python -m experiments.why_phi --results experiments/results
	$(EXPERIMENT_ENV) $(EXAMPLES_VENV)/bin/python -m experiments.why_phi --results experiments/results --variant tie-free

experiment-smoke: deps experiment-venv
	$(SWIFT) build -c release --product InfAlignC
	$(SWIFT) build -c release --product infalign
	cd python && $(EXPERIMENT_ENV) $(CURDIR)/$(EXAMPLES_VENV)/bin/python -m pytest -q -p no:cacheprovider \
	  tests/test_experiment_smoke.py

# Ray Data over JSONL/Parquet reward shards on a local Ray cluster started by the example, checked against the
# single-process CLI bit for bit (examples/ray_rewards.py; docs/SCALE.md).
ray-example: deps $(EXAMPLES_VENV)/bin/python
	$(SWIFT) build -c release --product InfAlignC
	$(SWIFT) build -c release --product infalign
	$(EXAMPLES_VENV)/bin/pip install -q "ray[data]" pyarrow pandas aiohttp numpy pytest
	INFALIGN_LIBRARY=$(EXAMPLES_LIBRARY) INFALIGN_CLI=$(CURDIR)/.build/release/infalign \
	  $(EXAMPLES_VENV)/bin/python examples/ray_rewards.py

# The peers CPU-only in the examples' venv, as they install without a GPU (pinned to the versions checked): torch,
# trl and transformers with their dependencies; verl and openrlhf with --no-deps plus the few modules theirs import
# (docs/MIGRATING.md). Never run by `make test` or CI: `make peer-venv peer-test` by hand.
peer-venv: $(EXAMPLES_VENV)/bin/python
	$(EXAMPLES_VENV)/bin/pip install -q $(if $(TORCH_INDEX),--extra-index-url $(TORCH_INDEX)) \
	  torch==2.13.0+cpu trl==1.16.0 transformers numpy pytest
	$(EXAMPLES_VENV)/bin/pip install -q --no-deps verl==0.9.1 openrlhf==0.11.2 deepspeed==0.19.6
	$(EXAMPLES_VENV)/bin/pip install -q "tensordict>=0.8.0,<=0.10.0,!=0.9.0" omegaconf hydra-core codetiming torchdata \
	  Pillow cachetools peft einops pylatexenc nvidia-ml-py hjson py-cpuinfo ninja

# The CTRL presets and the verl adapter against the peers' installed code (python/peer_tests), in the examples'
# venv, against the release library. Not part of `make test`, and it installs nothing (`make peer-venv` does): it
# needs a venv that already has torch, verl (0.9.1, --no-deps with its small deps) and omegaconf; without one it
# stops and says so. Point EXAMPLES_VENV at another venv if yours lives elsewhere (make peer-test
# EXAMPLES_VENV=/path/to/venv).
peer-test: deps
	@test -x $(EXAMPLES_VENV)/bin/python || \
	  { echo "peer-test: no $(EXAMPLES_VENV)/bin/python (a venv with torch and verl; see python/peer_tests)"; exit 1; }
	$(SWIFT) build -c release --product InfAlignC
	INFALIGN_LIBRARY=$(EXAMPLES_LIBRARY) PYTHONPATH=$(CURDIR)/python \
	  $(EXAMPLES_VENV)/bin/python -m pytest -q -p no:cacheprovider -rs python/peer_tests

# Builds libInfAlignC (release) and installs the Python package (with the library inside) into $(PYTHON)'s
# environment: the same as `pip install ./python`.
python: deps
	$(SWIFT) build -c release --product InfAlignC
	INFALIGN_LIBRARY=$(CURDIR)/.build/release/libInfAlignC.so $(PYTHON) -m pip install ./python

# The main job: the end-to-end synthetic experiment (raw vs calibrated vs CTRL at matched KL), with a chart.
demo: deps
	$(SWIFT) run -c release infalign demo --plot demo.svg

# Benchmarks (wall clock, throughput, allocations) and the side-by-side comparison with numpy.
bench: deps
	cd Benchmarks && OPENBLAS_NUM_THREADS=1 $(SWIFT) package --disable-sandbox benchmark

compare: release
	OPENBLAS_NUM_THREADS=1 python3 Benchmarks/compare/compare_numpy.py --binary .build/release/infalign

# Every comparison of docs/PERFORMANCE.md in one sitting (CTRL vs verl/TRL, threads, GEMM, reward files, the
# tuning table, kernels vs numpy); needs a venv with numpy and torch (COMPARE_PYTHON).
COMPARE_PYTHON ?= .venv/bin/python
compare-all: release
	Benchmarks/compare/run_all.sh $(COMPARE_PYTHON)

clean:
	rm -rf .build
