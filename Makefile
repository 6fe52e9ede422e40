# SMP per-CPU demo kernel for TamaGo
# https://github.com/tamago-smp/kernel
#
# Thin front end: build flags and QEMU command lines live with the boards
# (board/), read through the harness (go tool qemu), never here.

SMP ?= 4
SOAK ?= 20
BENCHCOUNT ?= 6
BRINGUP ?= 4,16,64
TIMEOUT ?=
APPEND ?=
# go test flags of the bare-metal package tests: make test-x86_64 TESTFLAGS='-run TestAdd$ -v'
TESTFLAGS ?=
# fuzzing time of each target: make fuzz FUZZTIME=10m
export FUZZTIME ?= 1m
# The variables above reach the recipes through the environment, quoted
# ("$$SMP"), never as shell text: SMP='1;true' is one (bad) -smp value. They
# are taken as given, a $ included (make would otherwise expand it).
# TESTFLAGS alone is split into words, by the shell, without globbing.
$(foreach v,SMP SOAK BENCHCOUNT BRINGUP TIMEOUT APPEND TESTFLAGS,$(eval override $(v) := $$(value $(v))))
export SMP SOAK BENCHCOUNT BRINGUP TIMEOUT APPEND TESTFLAGS
# the packages whose own tests also run inside the kernel
BAREMETAL_PKGS = ./percpu ./boot
# `go tool` (qemu/ is a tool of this module) passes the kernel's exit status
# through; `go run` would turn every failure into 1.
HARNESS = go tool qemu
# the rows of the target table, which the boards declare (board/)
TARGETS := $(shell go tool qemu targets -f '{{.Name}}')

# the boot matrix of `make test` (restrict with PERCPU_TARGETS=x86_64,...)
export PERCPU_BOOT_TESTS = require

.PHONY: all test test-large test-baremetal vet soak bench fuzz clean $(addprefix qemu-,$(TARGETS)) $(addprefix qemu-gdb-,$(TARGETS)) $(addprefix build-,$(TARGETS)) $(addprefix test-,$(TARGETS))

all: $(addprefix build-,$(TARGETS))

# make qemu-x86_64 [SMP=n|spec] [APPEND='kernel command line'] [TIMEOUT=d]:
# build, boot, stream the console, return the kernel's status
$(addprefix qemu-,$(TARGETS)): qemu-%:
	$(HARNESS) run -target $* -smp "$$SMP" -check $${TIMEOUT:+-timeout "$$TIMEOUT"} $${APPEND:+-append "$$APPEND"}

# make qemu-gdb-x86_64: as above, QEMU waiting for gdb on :1234
$(addprefix qemu-gdb-,$(TARGETS)): qemu-gdb-%:
	$(HARNESS) run -target $* -smp "$$SMP" -gdb $${APPEND:+-append "$$APPEND"}

$(addprefix build-,$(TARGETS)): build-%:
	$(HARNESS) build -target $*

# make test-x86_64 [SMP=n] [TESTFLAGS='-run X -v -count 2 -bench . -benchtime 100x']:
# go test of the packages inside the kernel under QEMU (go test -exec), on real CPUs
$(addprefix test-,$(TARGETS)): test-%:
	set -f; $(HARNESS) test -target $* -smp "$$SMP" -- $$TESTFLAGS $(BAREMETAL_PKGS)

# the bare-metal package tests on every target
test-baremetal: $(addprefix test-,$(TARGETS))

# host vet + GOOS=tamago vet of every target, gofmt
vet:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go')); \
		test -z "$$unformatted" || { echo "gofmt needed: $$unformatted"; exit 1; }
	go vet ./...
	$(HARNESS) vet -target all

# the test command: host unit tests, cross vet and build, boot matrix under QEMU
test: vet
	go test -count=1 -tags percpu_naive ./percpu ./boot
	go test -count=1 -timeout 30m ./...

# make test-large: the boots beyond make test's time on a small host, 64 CPUs on
# every target (the capacity, linker.MaxCPUs)
test-large:
	PERCPU_LARGE=1 go test -count=1 -timeout 90m -run 'TestScenarios/.*/cpus-(64|80)' ./qemu

# make fuzz [FUZZTIME=1m]: every fuzz target of the module (go test -list)
# in turn, FUZZTIME each; make test replays their corpora (testdata/fuzz)
fuzz:
	list=$$(go test -list '^Fuzz' ./...) || { echo "$$list"; exit 1; }; \
	echo "$$list" | awk '/^Fuzz/ { t[n++] = $$1 } /^ok/ { for (i = 0; i < n; i++) print $$2, t[i]; n = 0 }' | \
	while read -r pkg target; do echo "$$pkg $$target"; \
		go test -run '^$$' -fuzz "^$$target\$$" -fuzztime "$$FUZZTIME" -fuzzminimizetime 2000x "$$pkg" || exit 1; \
	done

# make soak [SOAK=n] [SMP=n] [PERCPU_TARGETS=a,b]: TestBoot SOAK times with
# SMP CPUs on every target; go test reports each failed or hung boot
soak:
	PERCPU_SMP="$$SMP" go test -count="$$SOAK" -timeout 0 -run '^TestBoot$$' ./qemu

# make bench [SMP=n] [BENCHCOUNT=n] [BRINGUP=list]: per-CPU access against
# plain, atomic, mutex and per-P, on the host and in the benchmark kernel of
# every target, BENCHCOUNT runs each; benchstat shows every figure, the
# ratios to plain and to the floor, the latency of boot.OnEachCPU at 4 and
# 64 CPUs, and the bring-up time by CPU count (docs/BENCH.md); not part of
# make test
bench:
	mkdir -p build/bench
	go test -run '^$$' -bench '^BenchmarkOps$$' -count "$$BENCHCOUNT" ./percpu > build/bench/host.txt
	$(HARNESS) bench -target all -smp 1,"$$SMP" -count "$$BENCHCOUNT" -bringup "$$BRINGUP" > build/bench/kernel.txt
	go tool benchstat -filter .name:Ops -row /target,/op -col /cpus build/bench/host.txt build/bench/kernel.txt
	go tool benchstat -filter .name:Ops -col '/op@(plain percpu percpu-raw atomic)' -row /target,/cpus build/bench/host.txt build/bench/kernel.txt
	go tool benchstat -col '/op@(floor percpu percpu-raw)' -row /target,/cpus build/bench/kernel.txt
	go tool benchstat -filter .name:OnEachCPU -col /cpus -row /target build/bench/kernel.txt
	go tool benchstat -filter .name:Bringup -col /cpus -row /target,/phase build/bench/kernel.txt

clean:
	rm -rf build
