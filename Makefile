# The two commands the README starts with: `make run` and `make test`. Both work on a fresh machine
# with Go 1.26 (and root, for apt-get, in `make test`).
SHELL := /bin/bash
STACK ?= prod
FORMAT ?= text

.PHONY: run plan artifacts test test-deps lint unit functions-test bench-test mermaid-check golden bench-build pulumi-cli kube-tools

## run: the quick start. Deploys the local stack (Pulumi.local.yaml: Kubernetes with Knative and
## CloudNativePG) with the real engine; with no kubeconfig context set it renders the manifests to
## .nimbus/local/manifests. The first run on a machine builds the pinned Pulumi CLI and the
## Kubernetes provider from module sources (about 15-20 minutes on 2 cores), once.
run: artifacts
	go run ./cmd/nimbus up --stack local --yes

## plan: the offline plan of STACK (default prod) in FORMAT (text, json, markdown, mermaid).
plan: artifacts
	go run ./cmd/nimbus plan --stack $(STACK) --format $(FORMAT)

## artifacts: deterministic Lambda zips and OCI images in functions/dist.
artifacts:
	cd functions && go run ./cmd/build -out dist

## test: everything CI runs.
test: test-deps lint pulumi-cli kube-tools artifacts mermaid-check bench-test unit functions-test

## pulumi-cli: the Pulumi CLI the engine tests and nimbus preview/up/destroy drive: a fitting
## `pulumi` on PATH, else the one pinned in tools/pulumi, built once into the user cache folder
## (about 4 minutes on 2 cores; see internal/engine).
pulumi-cli:
	go run ./cmd/nimbus pulumi version

## kube-tools: kube-apiserver and the Kubernetes provider (internal/sourcebuilt), built once into
## the user cache folder from tools/ (cold: about 7 and 10-18 minutes on 2 cores, more under load).
kube-tools:
	go test -count=1 -timeout 60m -run '^TestBinaries$$' ./internal/kubetest/

## test-deps: the local servers the function tests run against (PostgreSQL 15, PgBouncer).
test-deps:
	bash functions/scripts/install-test-deps.sh

lint:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt would change:"; echo "$$unformatted"; exit 1; fi
	go vet ./...
	cd functions && go vet ./...
	cd bench && go vet ./...
	go run github.com/rhysd/actionlint/cmd/actionlint@v1.7.12 .github/workflows/*.yml

## unit: the root module: components under the fake cloud, stack config, plans, guardrails, and
## the engine tests on the real Pulumi CLI (the config proof, a stack's lifecycle).
unit:
	go test -timeout 30m ./...

## functions-test: the deployed code against real local servers.
functions-test:
	cd functions && go test ./...

## bench-test: the benchmarks' own tests (their fixed image set is deterministic).
bench-test:
	cd bench && go test ./...

## mermaid-check: every stack's architecture diagram, and one marked against a base, parse with Mermaid's own parser.
mermaid-check:
	cd tools/mermaid && npm ci --silent --no-audit --no-fund
	@set -e; dir=$$(mktemp -d); for f in Pulumi.*.yaml; do s=$${f#Pulumi.}; s=$${s%.yaml}; \
	  go run ./cmd/nimbus plan --stack $$s --format mermaid --config nimbus:artifactsDir=testdata/plans/artifacts > $$dir/$$s.mmd; done; \
	  go run ./cmd/nimbus plan --stack dev --format mermaid --config nimbus:artifactsDir=testdata/plans/artifacts \
	    --config nimbus:database.pooler=proxy --config nimbus:api.kind=container --config nimbus:api.memoryMb=2048 \
	    --base testdata/plans/dev.json > $$dir/dev-diff.mmd; \
	  node tools/mermaid/check.mjs $$dir/*.mmd; rm -rf $$dir

## golden: regenerate golden plans and generated docs; review the diff.
golden:
	PULUMI_ACCEPT=1 go test ./stacks/... ./internal/plan/...

bench-build:
	bench/build.sh
