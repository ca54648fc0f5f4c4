# 住房公积金综合服务平台 — developer commands. See README.md.
GO      ?= go
BIN     ?= bin/gjj
PKGS    ?= ./...

.PHONY: run build test vet lint fmt-check bench bench-full test-heavy fuzz clean

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

## lint: go vet, staticcheck (pinned, run through the module proxy) and govulncheck when vuln.go.dev answers
STATICCHECK ?= honnef.co/go/tools/cmd/staticcheck@v0.8.2
GOVULNCHECK ?= golang.org/x/vuln/cmd/govulncheck@v1.9.0
lint: vet
	$(GO) run $(STATICCHECK) $(PKGS)
	@if curl -fsS -m 10 -o /dev/null https://vuln.go.dev/index/modules.json.gz 2>/dev/null; then \
		echo "$(GO) run $(GOVULNCHECK) $(PKGS)"; $(GO) run $(GOVULNCHECK) $(PKGS); \
	else echo "govulncheck: SKIPPED — vuln.go.dev is not reachable from this machine"; fi

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

## bench: benchmarks, each figure next to a ceiling measured in the same run: bench/out/report.txt and bench/out/summary.md
##        sizes (comma-separated, two sizes ×10 apart give the growth): BENCH_EMPLOYEES (remittance bill, default
##        10000,100000), BENCH_ACCOUNTS (interest settlement, default 10000,100000); bench-full settles 1,000,000
BENCH_EMPLOYEES ?= 10000,100000
BENCH_ACCOUNTS  ?= 10000,100000
bench:
	@mkdir -p bench/out
	@bash .ci/suites.sh
	@{ date -u '+%Y-%m-%d %H:%M UTC'; echo "$$(nproc) cores, $$(free -m | awk '/^Mem:/ {print $$2}') MB RAM, $$($(GO) version)"; \
		echo "load average at start: $$(cat /proc/loadavg)"; } > bench/out/machine.txt
	$(GO) test -run '^$$' -bench . -benchtime 3s -timeout 60m ./internal/ledger/ | tee bench/out/bench.txt
	GJJ_BENCH_EMPLOYEES=$(BENCH_EMPLOYEES) $(GO) test -run '^$$' -bench 'RemittancePost|RawBulkInsert' -benchtime 2x -timeout 120m ./internal/core/deposit/ | tee -a bench/out/bench.txt
	GJJ_BENCH_ACCOUNTS=$(BENCH_ACCOUNTS) $(GO) test -run '^$$' -bench 'InterestSettle|RawInterestUpdate' -benchtime 1x -timeout 180m ./internal/core/deposit/ | tee -a bench/out/bench.txt
	$(GO) test -run '^$$' -bench . -benchtime 3s -timeout 60m ./channels/appapi/ | tee -a bench/out/bench.txt
	$(GO) test -run '^$$' -bench 'Login|Argon2id' -benchtime 30x -timeout 20m ./internal/identity/ | tee -a bench/out/bench.txt
	@echo "load average at end: $$(cat /proc/loadavg)" >> bench/out/machine.txt
	@$(GO) run ./cmd/benchreport -summary bench/out/summary.md -machine bench/out/machine.txt \
		'LedgerPost=RawInsertTx:ledger postings per second vs raw single-row insert transactions per second' \
		'RemittancePost=RawBulkInsert:remittance bills of n employees generated and posted per second vs raw bulk insert of the same n rows' \
		'InterestSettle=RawInterestUpdate:accounts settled per second (积数 interest, batched postings) vs one raw set-based UPDATE of the same n accounts' \
		'AppAccount=RawAccountQueries:app GET /api/app/v1/account per second through the whole stack (HTTP, gate, Redis session, MariaDB) vs its five point selects sent raw, by concurrent clients' \
		'AppAccount=EchoNoop:app GET /api/app/v1/account per second vs the web kit with an empty handler (HTTP ceiling), by concurrent clients' \
		'Login=Argon2id/cpu:person password logins (argon2id) per second on every core vs the bare argon2id derivation with the same parameters' \
		< bench/out/bench.txt | tee bench/out/report.txt

## bench-full: make bench with the interest settlement at 100,000 and 1,000,000 accounts (about half an hour on 2 cores)
bench-full:
	$(MAKE) bench BENCH_ACCOUNTS=100000,1000000

## test-heavy: load tests that need an otherwise idle machine (CI runs it after make test): the overload test drives
##             a channel at 5× its capacity on MariaDB+Redis
test-heavy:
	@bash .ci/suites.sh
	GJJ_TEST_HEAVY=1 $(GO) test -count=1 -timeout 5m -run 'Overload' -v ./internal/loadtest/

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
