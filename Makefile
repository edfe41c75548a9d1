# strata — the two commands a new machine needs: `make demo` and `make test`.
GO      ?= go
BIN     := bin/strata
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
DEMO    := $(CURDIR)/.demo
STRATA  := $(CURDIR)/$(BIN) -C examples/quickstart -var backup_root=$(DEMO)/backups

.PHONY: all build demo test deps vet fmt-check unit fuzz bench clean

all: build

build:
	$(GO) build -ldflags "-X main.version=$(VERSION)" -o $(BIN) ./cmd/strata

## demo: build strata and run plan → apply → ls → restore on examples/quickstart
demo: build
	@rm -rf $(DEMO) && mkdir -p $(DEMO)
	@echo '$$ strata validate' && $(STRATA) validate
	@echo && echo '$$ strata plan' && $(STRATA) plan
	@echo && echo '$$ strata apply --auto-approve' && $(STRATA) apply --auto-approve
	@echo && echo '$$ strata apply --auto-approve   # again: nothing to do' && $(STRATA) apply --auto-approve
	@echo && echo '$$ strata ls' && $(STRATA) ls
	@echo && echo '$$ strata history docs' && $(STRATA) history docs
	@echo && echo '$$ strata restore docs --to .demo/restored' && $(STRATA) restore docs --to $(DEMO)/restored
	@echo && echo '$$ diff -r examples/quickstart/sample-data <restored copy>' && \
		diff -r --exclude='*.tmp' examples/quickstart/sample-data $(DEMO)/restored$(CURDIR)/examples/quickstart/sample-data && \
		echo "restored copy is identical (the excluded *.tmp files aside)"
	@snap=$$(cd $(DEMO)/backups/secondary && dirname $$(find . -name manifest.json | sort | head -1) | sed 's|^\./||') && \
		echo && echo "\$$ cd $(DEMO)/backups/secondary   # the destination root: no strata needed from here" && \
		echo "\$$ awk '{print \".strata/chunks/\" substr(\$$1,1,2) \"/\" \$$1 \".zst\"}' $$snap/chunks.txt | xargs cat | zstd -dc | tee >(sha256sum -c $$snap/data.tar.sha256 >&2) | tar -x -C $(DEMO)/by-hand" && \
		mkdir -p $(DEMO)/by-hand && cd $(DEMO)/backups/secondary && \
		bash -c "set -o pipefail; awk '{print \".strata/chunks/\" substr(\$$1,1,2) \"/\" \$$1 \".zst\"}' $$snap/chunks.txt | xargs cat | zstd -dc | tee >(sha256sum -c $$snap/data.tar.sha256 >&2) | tar -x -C $(DEMO)/by-hand" && \
		diff -r --exclude='*.tmp' $(CURDIR)/examples/quickstart/sample-data $(DEMO)/by-hand$(CURDIR)/examples/quickstart/sample-data && \
		echo "restored by hand (awk, cat, zstd, tar), checked by sha256sum: identical"
	@echo && echo "The backups are under $(DEMO)/backups; try 'find $(DEMO)/backups'."

## deps: install what the tests need (Debian packages; Go modules come with go test)
deps:
	@./scripts/install-test-deps.sh

## test: install what the tests need, then run every test
test: deps vet fmt-check unit fuzz

vet:
	$(GO) vet ./...

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

## unit: every test, then the tests of the fault points, which exist only in a
## build with -tags strata_faults (release builds compile them out), then the
## on-storage format's tests in a pure-Go build (CGO_ENABLED=0: the other zstd).
unit:
	$(GO) test -count=1 ./...
	$(GO) test -count=1 -tags strata_faults -run 'Fault' ./executor
	CGO_ENABLED=0 $(GO) test -count=1 ./snapshot

## fuzz: a short seeded run of every fuzz target. Counted in executions, not
## seconds: a time limit makes Go's fuzzer fail with "context deadline
## exceeded" when it is cut off while minimising on a loaded machine.
FUZZ_N ?= 1
fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzLoad$$' -fuzztime $$((5000 * $(FUZZ_N)))x ./spec
	$(GO) test -run '^$$' -fuzz '^FuzzParseManifest$$' -fuzztime $$((50000 * $(FUZZ_N)))x ./snapshot
	$(GO) test -run '^$$' -fuzz '^FuzzExtract$$' -fuzztime $$((2000 * $(FUZZ_N)))x ./snapshot
	$(GO) test -run '^$$' -fuzz '^FuzzParseChunkList$$' -fuzztime $$((50000 * $(FUZZ_N)))x ./snapshot

## bench: Go benchmarks of the planner, retention and archive writer, then
## strata against restic, Borg, rclone, scp, tar|zstd and openssl on a generated
## corpus (not part of `make test`). Knobs: SIZE=200MiB RUNS=3 ONLY=P1,P3,
## BENCHFLAGS='-work DIR -trash-grace 0' (more harness flags: go run
## ./bench/cmd/strata-bench -h). Writes bench/results/latest.md and
## latest.json; see docs/benchmarks.md.
SIZE ?= 1.5GiB
RUNS ?= 5
ONLY ?=
BENCHFLAGS ?=
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./planner ./snapshot
	./bench/install.sh
	$(GO) build -ldflags "-X main.version=$(VERSION)" -o .cache/bin/strata ./cmd/strata
	$(GO) run ./bench/cmd/strata-bench -strata .cache/bin/strata -size '$(SIZE)' -runs $(RUNS) -only '$(ONLY)' $(BENCHFLAGS)

clean:
	rm -rf bin $(DEMO)
