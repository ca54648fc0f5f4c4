# 住房公积金综合服务平台 — developer commands. See README.md.
GO      ?= go
BIN     ?= bin/gjj
PKGS    ?= ./...

.PHONY: run build test vet fmt-check bench fuzz clean

## run: build and serve on the embedded default (SQLite file + in-process cache) with demo data
run: build
	$(BIN) serve --demo

build:
	$(GO) build -trimpath -o $(BIN) ./cmd/gjj

## test: vet and run every test; MariaDB/Redis suites run when those answer (CI requires them)
test: vet
	@bash .ci/suites.sh
	$(GO) test -count=1 -timeout 20m $(PKGS)

vet:
	$(GO) vet $(PKGS)

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

## bench: benchmarks, each figure next to a ceiling measured in the same run (report in bench/out/)
bench:
	@mkdir -p bench/out
	@bash .ci/suites.sh
	$(GO) test -run '^$$' -bench . -benchtime 3s -timeout 30m ./internal/ledger/ | tee bench/out/bench.txt
	@$(GO) run ./cmd/benchreport \
		'LedgerPost=RawInsertTx:ledger postings per second vs raw single-row insert transactions per second (same run, same machine)' \
		< bench/out/bench.txt | tee bench/out/report.txt

## fuzz: run each fuzz target briefly (FUZZTIME=30s for longer)
FUZZTIME ?= 10s
fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzParseYuan$$' -fuzztime $(FUZZTIME) ./internal/platform/money/
	$(GO) test -run '^$$' -fuzz '^FuzzParseResidentID$$' -fuzztime $(FUZZTIME) ./internal/platform/ident/
	$(GO) test -run '^$$' -fuzz '^FuzzParseUSCC$$' -fuzztime $(FUZZTIME) ./internal/platform/ident/
	$(GO) test -run '^$$' -fuzz '^FuzzParseSerial$$' -fuzztime $(FUZZTIME) ./internal/platform/ident/

clean:
	rm -rf bin bench/out
