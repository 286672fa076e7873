# PolicyGate build and test targets. `make test` is what CI runs.
GO      ?= go
PKGS    := ./...
FUZZTIME ?= 5s

.PHONY: all build test vet race fuzz-smoke fuzz bench run corpus-report fmt

all: build

build:
	$(GO) build -o bin/policygate ./cmd/policygate

fmt:
	gofmt -w $$(git ls-files '*.go')

vet:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)

# test: vet, the whole suite, the race detector on the concurrent packages, a short fuzz smoke.
test: vet
	$(GO) test -count=1 $(PKGS)
	$(GO) test -count=1 -race ./parser/... ./expressions/... ./namedvalues/... ./policies/...
	$(MAKE) fuzz-smoke FUZZTIME=3s

fuzz-smoke:
	$(GO) test -run='^$$' -fuzz='^FuzzParse$$' -fuzztime=$(FUZZTIME) ./parser
	$(GO) test -run='^$$' -fuzz='^FuzzExpression$$' -fuzztime=$(FUZZTIME) ./expressions
	$(GO) test -run='^$$' -fuzz='^FuzzNamedValues$$' -fuzztime=$(FUZZTIME) ./namedvalues

fuzz:
	$(MAKE) fuzz-smoke FUZZTIME=2m

bench:
	$(GO) test -run='^$$' -bench=. -benchmem $(PKGS)

# run: the gateway lands with the engine and gateway issues; until then this
# says so rather than pretending.
run:
	$(GO) run ./cmd/policygate run

# corpus-report: validate ../shared/corpus and write testdata/corpus-report.md.
corpus-report:
	$(GO) run ./cmd/policygate corpus-report --corpus ../shared/corpus --out testdata/corpus-report.md
