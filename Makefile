# One entry point. `make test` works on a fresh Debian machine with only the Swift toolchain:
# it installs OpenBLAS/LAPACKE/pkg-config first when they are missing.
SWIFT ?= swift
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT_PACKAGES := libopenblas-dev liblapacke-dev pkg-config

.PHONY: deps build release test demo bench compare clean

deps:
	@if pkg-config --exists openblas lapacke 2>/dev/null; then \
	  echo "deps: openblas and lapacke found by pkg-config"; \
	else \
	  echo "deps: installing $(APT_PACKAGES)"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $(APT_PACKAGES); \
	fi

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

test: deps
	$(SWIFT) test

# The main job: the end-to-end synthetic experiment (raw vs calibrated vs CTRL at matched KL), with a chart.
demo: deps
	$(SWIFT) run -c release infalign demo --plot demo.svg

# Benchmarks (wall clock, throughput, allocations) and the side-by-side comparison with numpy.
bench: deps
	cd Benchmarks && OPENBLAS_NUM_THREADS=1 $(SWIFT) package --disable-sandbox benchmark

compare: release
	OPENBLAS_NUM_THREADS=1 python3 Benchmarks/compare/compare_numpy.py --binary .build/release/infalign

clean:
	rm -rf .build
