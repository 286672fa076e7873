# PolicyGate build and test targets. `make test` is what CI runs.
GO      ?= go
PKGS    := ./...
FUZZTIME ?= 2000x

.PHONY: all build test vet race fuzz-smoke fuzz bench loadbench run corpus-report fmt oracle

all: build

# The commit goes into `policygate --version` also where VCS stamping is off.
# Go's own linker, also with cgo (libxslt, libxml2): the binary gcc links
# keeps about 14 MiB more of itself resident (idle RSS 53 vs 39 MiB).
LDFLAGS := -linkmode=internal -X main.buildCommit=$(shell git rev-parse HEAD 2>/dev/null)

build:
	$(GO) build -ldflags '$(LDFLAGS)' -o bin/policygate ./cmd/policygate

fmt:
	gofmt -w $$(git ls-files '*.go')

vet:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)

# test: vet, the build without cgo (the container image's), the whole suite,
# the race detector, a short fuzz smoke. The smoke counts executions, not
# seconds: Go 1.26's fuzz coordinator can fail a -fuzztime=<duration> run
# with "context deadline exceeded" at the deadline on a loaded machine
# (golang/go#75804, fixed in Go 1.27).
test: vet
	CGO_ENABLED=0 $(GO) build -o /dev/null ./cmd/policygate
	$(GO) test -count=1 $(PKGS)
	$(GO) test -count=1 -race ./...
	$(MAKE) fuzz-smoke FUZZTIME=2000x

fuzz-smoke:
	$(GO) test -run='^$$' -fuzz='^FuzzParse$$' -fuzztime=$(FUZZTIME) ./parser
	$(GO) test -run='^$$' -fuzz='^FuzzExpression$$' -fuzztime=$(FUZZTIME) ./expressions
	$(GO) test -run='^$$' -fuzz='^FuzzNamedValues$$' -fuzztime=$(FUZZTIME) ./namedvalues
	$(GO) test -run='^$$' -fuzz='^FuzzRoutePath$$' -fuzztime=$(FUZZTIME) ./gateway
	$(GO) test -run='^$$' -fuzz='^FuzzGatewayHandler$$' -fuzztime=$(FUZZTIME) ./gateway
	$(GO) test -run='^$$' -fuzz='^FuzzJWT$$' -fuzztime=$(FUZZTIME) ./policies
	$(GO) test -run='^$$' -fuzz='^FuzzJWTSplitObject$$' -fuzztime=$(FUZZTIME) ./expressions/dotnet
	$(GO) test -run='^$$' -fuzz='^FuzzLiquid$$' -fuzztime=$(FUZZTIME) ./policies
	$(GO) test -run='^$$' -fuzz='^FuzzParseSpec$$' -fuzztime=$(FUZZTIME) ./gateway/apiops
	$(GO) test -run='^$$' -fuzz='^FuzzMeter$$' -fuzztime=$(FUZZTIME) ./policies/llmtokens
	$(GO) test -run='^$$' -fuzz='^FuzzParseDuration$$' -fuzztime=$(FUZZTIME) ./policies/backendpool
	$(GO) test -run='^$$' -fuzz='^FuzzParseToken$$' -fuzztime=$(FUZZTIME) ./gateway/fleet
	$(GO) test -run='^$$' -fuzz='^FuzzTransform$$' -fuzztime=$(FUZZTIME) ./policies/xslt
	$(GO) test -run='^$$' -fuzz='^FuzzValidate$$' -fuzztime=$(FUZZTIME) ./policies/xsd
	$(GO) test -run='^$$' -fuzz='^FuzzCheckXML$$' -fuzztime=$(FUZZTIME) ./policies
	$(GO) test -run='^$$' -fuzz='^FuzzDecodeJSONTree$$' -fuzztime=$(FUZZTIME) ./policies
	$(GO) test -run='^$$' -fuzz='^FuzzJwtLazyMatchesEager$$' -fuzztime=$(FUZZTIME) ./expressions/dotnet

# fuzz: every fuzz target of the tree (each func Fuzz* in a _test.go file),
# FUZZLONG each (default 5m).
FUZZLONG ?= 5m
fuzz:
	@set -e; for f in $$(git ls-files '*_test.go' | xargs grep -l '^func Fuzz'); do \
	  for n in $$(grep -o '^func Fuzz[A-Za-z0-9_]*' $$f | cut -c6-); do \
	    echo "== $$n ./$$(dirname $$f)"; \
	    $(GO) test -run='^$$' -fuzz="^$${n}\$$" -fuzztime=$(FUZZLONG) ./$$(dirname $$f); \
	  done; \
	done

bench:
	$(GO) test -run='^$$' -bench=. -benchmem $(PKGS)

# statebench: the server with rate-limit-by-key on a loopback redis-server against in memory, three runs.
.PHONY: statebench
statebench:
	$(GO) test -run='^$$' -bench='^BenchmarkRateLimitByKeyRedisVsMemory$$' -benchtime=1x -count=3 ./gateway
# fleetbench: config server and gateways on loopback (edit to served on three
# gateways, 100 idle long polls, applying a generated 1,000-API snapshot and
# what it leaves to first use). The idle polls run alone: the other
# benchmarks leave a large heap that the poller's collections would mark.
.PHONY: fleetbench
fleetbench:
	$(GO) test -run='^$$' -bench='IdlePolls100' -benchtime=5x ./gateway/configclient
	$(GO) test -run='^$$' -bench='EditToServed3|Apply|LoadFolder|OpenAPIOnFirstUse' -benchtime=5x ./gateway/configclient

# loadbench: the server against a bare httputil.ReverseProxy on loopback, three runs.
loadbench:
	$(GO) test -run='^$$' -bench='^BenchmarkLoopbackVsReverseProxy$$' -benchtime=1x -count=3 ./gateway

# run: the gateway on the embedded demo configuration (curl localhost:8080/echo/hello;
# HTTPS on :8081 with a generated development certificate).
run:
	@if [ ! -x bin/policygate ]; then echo "make run: first build of bin/policygate: downloading modules and compiling (a few minutes on a fresh machine) ..."; fi
	@$(GO) mod download -x 2>&1 | grep -E '^# get .*\.zip$$' | sed 's/^# get /make run: downloading /' || true
	$(GO) build -ldflags '$(LDFLAGS)' -o bin/policygate ./cmd/policygate
	bin/policygate run

# corpus-report: validate ../shared/corpus and write testdata/corpus-report.md.
corpus-report:
	$(GO) run ./cmd/policygate corpus-report --corpus ../shared/corpus --out testdata/corpus-report.md

# oracle: evaluate expressions/oracle/testdata/cases.txt on Mono (Debian
# mono-complete, libnewtonsoft-json-cil-dev), rewrite expected.txt and
# baseline.txt, print every disagreement with PolicyGate and the agreement.
oracle:
	$(GO) run ./expressions/oracle/cmd/oracle -mono -write
