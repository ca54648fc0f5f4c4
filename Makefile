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
##        GJJ_BENCH_ACCOUNTS sets the interest settlement size (default 20000; the 1,000,000 figure in the notes used it)
bench:
	@mkdir -p bench/out
	@bash .ci/suites.sh
	$(GO) test -run '^$$' -bench . -benchtime 3s -timeout 60m ./internal/ledger/ | tee bench/out/bench.txt
	$(GO) test -run '^$$' -bench . -benchtime 2x -timeout 60m ./internal/core/deposit/ | tee -a bench/out/bench.txt
	$(GO) test -run '^$$' -bench . -benchtime 3s -timeout 60m ./channels/appapi/ | tee -a bench/out/bench.txt
	@$(GO) run ./cmd/benchreport \
		'LedgerPost=RawInsertTx:ledger postings per second vs raw single-row insert transactions per second' \
		'RemittancePost=RawBulkInsert:remittance bills (10,000 employees each) generated and posted per second vs raw bulk insert of the same 10,000 rows' \
		'InterestSettle=RawInterestUpdate:accounts settled per second (积数 interest, batched postings) vs one raw set-based UPDATE of the same accounts' \
		'AppAccount=RawAccountQueries:app GET /api/app/v1/account per second through the whole stack (HTTP, gate, Redis session, MariaDB) vs its five point selects sent raw, by concurrent clients' \
		'AppAccount=EchoNoop:app GET /api/app/v1/account per second vs the web kit with an empty handler (HTTP ceiling), by concurrent clients' \
		< bench/out/bench.txt | tee bench/out/report.txt
	@printf '\nlatency of one request, microseconds (p50 / p99)\n' | tee -a bench/out/report.txt
	@grep -E '^Benchmark(AppAccount|RawAccountQueries|EchoNoop)/' bench/out/bench.txt | \
		awk '{ for (i = 2; i <= NF; i++) { if ($$i == "p50_us") p = $$(i-1); if ($$i == "p99_us") q = $$(i-1) }; printf "  %-44s %10s %10s\n", $$1, p, q }' | \
		tee -a bench/out/report.txt

## fuzz: run each fuzz target briefly (FUZZTIME=30s for longer)
FUZZTIME ?= 10s
fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzParseYuan$$' -fuzztime $(FUZZTIME) ./internal/platform/money/
	$(GO) test -run '^$$' -fuzz '^FuzzParseResidentID$$' -fuzztime $(FUZZTIME) ./internal/platform/ident/
	$(GO) test -run '^$$' -fuzz '^FuzzParseUSCC$$' -fuzztime $(FUZZTIME) ./internal/platform/ident/
	$(GO) test -run '^$$' -fuzz '^FuzzParseSerial$$' -fuzztime $(FUZZTIME) ./internal/platform/ident/
	$(GO) test -run '^$$' -fuzz '^FuzzParseMobile$$' -fuzztime $(FUZZTIME) ./internal/platform/ident/
	$(GO) test -run '^$$' -fuzz '^FuzzParseHours$$' -fuzztime $(FUZZTIME) ./internal/channel/catalog/
	$(GO) test -run '^$$' -fuzz '^FuzzParseMatrix$$' -fuzztime $(FUZZTIME) ./internal/channel/catalog/
	$(GO) test -run '^$$' -fuzz '^FuzzParsePeakWindows$$' -fuzztime $(FUZZTIME) ./internal/channel/catalog/
	$(GO) test -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZTIME) ./internal/core/withdrawal/rules/
	$(GO) test -run '^$$' -fuzz '^FuzzParseStatementQuery$$' -fuzztime $(FUZZTIME) ./channels/appapi/

clean:
	rm -rf bin bench/out
