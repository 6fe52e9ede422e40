// QEMU host harness
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build !tamago

package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tamago-smp/kernel/arch"
)

// envLarge turns on the scenarios of make test-large (64 CPUs and more on
// every target): "1" runs them.
const envLarge = "PERCPU_LARGE"

// A scenario boots the demo kernel on one target with QEMU options beyond
// -smp N (a topology, a kernel command line, less RAM, another CPU model)
// and checks the exit code and the lines the kernel must print. Every one
// of them ends within its timeout with a named message: never a hang.
type scenario struct {
	name   string
	target string
	opts   qemuOpts

	// cpus, when not 0, is the number of CPUs the output contract must
	// show online (the contract is checked, with a degraded boot
	// allowed to have holes); 0 checks only code and lines.
	cpus int

	// code is the kernel exit code wanted.
	code int

	// lines are regular expressions each of which some console line
	// must match.
	lines []string

	// large marks the scenarios of make test-large.
	large bool

	// beyond lets the boot exceed the harness's largest -smp (the
	// kernel's capacity, linker.MaxCPUs): a machine larger than the
	// kernel supports.
	beyond bool
}

// riscv64 NUMA nodes: QEMU virt makes one socket, with its own CLINT, per
// node.
func numa(nodes, size int, cpus ...string) (args []string) {
	for i := 0; i < nodes; i++ {
		args = append(args, "-object", fmt.Sprintf("memory-backend-ram,id=m%d,size=%dM", i, size),
			"-numa", fmt.Sprintf("node,memdev=m%d,cpus=%s", i, cpus[i]))
	}
	return
}

var scenarios = []scenario{
	// CPUs from the machine's description (ACPI MADT, FDT /cpus), with
	// hardware ids that are not 0..n-1
	{name: "sockets", target: "x86_64", opts: qemuOpts{SMP: "4,sockets=2,cores=2"}, cpus: 4,
		lines: []string{`^cpu 3 online: gs_base=0x[0-9a-f]+ apic=0x3$`}},
	{name: "apic-gap", target: "x86_64", opts: qemuOpts{SMP: "6,sockets=2,cores=3"}, cpus: 6,
		lines: []string{`^cpu 3 online: gs_base=0x[0-9a-f]+ apic=0x4$`, `^cpu 5 online: gs_base=0x[0-9a-f]+ apic=0x6$`}},
	{name: "threads", target: "x86_64", opts: qemuOpts{SMP: "8,sockets=2,cores=2,threads=2"}, cpus: 8},
	{name: "maxcpus", target: "x86_64", opts: qemuOpts{SMP: "4,maxcpus=8"}, cpus: 4},
	{name: "gicv3-20", target: "aarch64-el2", opts: qemuOpts{SMP: "20"}, cpus: 20,
		lines: []string{`^cpu 16 online: tpidr_el2=0x[0-9a-f]+ el=2 mpidr=0x100$`}},
	{name: "gicv3-20", target: "aarch64", opts: qemuOpts{SMP: "20"}, cpus: 20,
		lines: []string{`^cpu 19 online: tpidr_el1=0x[0-9a-f]+ el=1 mpidr=0x103$`}},
	{name: "sockets-2", target: "riscv64", opts: qemuOpts{SMP: "4,sockets=2", Extra: numa(2, 512, "0-1", "2-3")}, cpus: 4},
	{name: "sockets-4", target: "riscv64", opts: qemuOpts{SMP: "8,sockets=4", Machine: "aia=aplic", Extra: numa(4, 256, "0-1", "2-3", "4-5", "6-7")}, cpus: 8},

	// a CPU that does not start: strict fails naming it, degraded runs
	// the self-tests (stop-the-world included) on the others
	{name: "skip-strict", opts: qemuOpts{SMP: "4", Append: "boot.skip=2"}, code: 1,
		lines: []string{`^boot: cpu 2 \([a-z]+=0x[0-9a-f]+\) did not come online: not woken \(boot\.skip\)$`, `^selftest: [0-9]+ passed, 0 failed$`}},
	{name: "skip-degraded", opts: qemuOpts{SMP: "4", Append: "boot.skip=2 boot.degraded"}, cpus: 4,
		lines: []string{`^boot: running degraded: 3 of 4 CPUs online$`, `^PASS stop-the-world cpu=0$`}},

	// a CPU model or RAM the kernel cannot run on: one line, non-zero
	{name: "no-rdrand", target: "x86_64", opts: qemuOpts{SMP: "1", Extra: []string{"-cpu", "qemu64"}}, code: arch.EarlyStatus,
		lines: []string{`^early: the CPU lacks RDRAND \(CPUID\.01H:ECX\[30\]\)`}},
	{name: "ram-1G", target: "x86_64", opts: qemuOpts{SMP: "1", Extra: []string{"-m", "1G"}}, code: arch.EarlyStatus,
		lines: []string{`^early: RAM too small: the PVH memory map's RAM at 0x10000000 ends at 0x40000000, the kernel needs it up to 0x[0-9a-f]+`}},
	{name: "ram-512M", target: "riscv64", opts: qemuOpts{SMP: "1", Extra: []string{"-m", "512M"}}, code: arch.EarlyStatus,
		lines: []string{`^riscv64: RAM too small: 512 MiB`}},
	{name: "ram-256M", target: "aarch64-el2", opts: qemuOpts{SMP: "1", Extra: []string{"-m", "256M"}}, code: arch.EarlyStatus,
		lines: []string{`^arm64: RAM too small: 0x40000000-0x50000000 \(256 MiB, device tree /memory\), the kernel needs 0x40000000-0x80000000`}},
	{name: "ram-512M", target: "aarch64", opts: qemuOpts{SMP: "1", Extra: []string{"-m", "512M"}}, code: arch.EarlyStatus,
		lines: []string{`^arm64: RAM too small: 0x40000000-0x60000000 \(512 MiB, device tree /memory\)`}},
	{name: "no-c", target: "riscv64", opts: qemuOpts{SMP: "1", Extra: []string{"-cpu", "rv64,c=false"}}, code: arch.EarlyStatus,
		lines: []string{`lacks c: the kernel needs rv64imafdc$`}},

	// the capacity: 64 CPUs on every target
	{name: "cpus-64", opts: qemuOpts{SMP: "64"}, cpus: 64, large: true},
	{name: "cpus-80", target: "x86_64", opts: qemuOpts{SMP: "80"}, code: 1, large: true, beyond: true,
		lines: []string{`^boot: 80 CPUs present, 64 supported: cpus 64\.\.79 left parked \(apic=0x40\.\.0x4f; boot\.MaxCPUs\)$`, `^cpu 63 online: gs_base=0x[0-9a-f]+ apic=0x3f$`}},
}

// TestScenarios boots every scenario of the targets under test.
func TestScenarios(t *testing.T) {
	env := newBootEnv(t)
	large := os.Getenv(envLarge) == "1"

	for _, tg := range env.targets {
		t.Run(tg.Name, func(t *testing.T) {
			t.Parallel()

			var mine []scenario
			for _, s := range scenarios {
				if (s.target == "" || s.target == tg.Name) && (large || !s.large) {
					mine = append(mine, s)
				}
			}
			if len(mine) == 0 {
				t.Skip("no scenario for this target")
			}

			elf := env.build(t, tg, "./kernel")

			for _, s := range mine {
				t.Run(s.name, func(t *testing.T) {
					testScenario(t, tg, s, elf)
				})
			}
		})
	}
}

func testScenario(t *testing.T, tg *target, s scenario, elf string) {
	smp, err := parseSMP(s.opts.SMP)
	if err != nil {
		t.Fatal(err)
	}
	if s.beyond {
		wide := *tg
		wide.MaxSMP = smp
		tg = &wide
	}
	if smp > tg.MaxSMP {
		t.Skipf("%s runs at most %d CPUs", tg.Name, tg.MaxSMP)
	}

	qemuSlots <- struct{}{}
	defer func() { <-qemuSlots }()

	timeout := tg.Timeout(smp)
	if d, ok := t.Deadline(); ok {
		timeout = min(timeout, time.Until(d)-10*time.Second)
	}

	var stderr bytes.Buffer
	b := &boot{Target: tg, SMP: smp, ELF: elf, Opts: s.opts, Timeout: timeout, Stderr: &stderr}

	start := time.Now()
	res, runErr := b.run(context.Background())
	took := time.Since(start).Round(time.Millisecond)

	var errs []error
	if s.cpus != 0 {
		_, errs = checkBoot(res, runErr, expectFor(tg, s.cpus))
	} else if runErr != nil {
		errs = append(errs, runErr)
	}
	if runErr == nil && res.Code != s.code {
		errs = append(errs, fmt.Errorf("kernel exit code %d, want %d", res.Code, s.code))
	}

	for _, l := range s.lines {
		if re := regexp.MustCompile(l); !hasLine(res.Lines, re) {
			errs = append(errs, fmt.Errorf("no line matching %s", re))
		}
	}

	name := fmt.Sprintf("%s (-smp %s", s.name, s.opts.SMP)
	if s.opts.Append != "" {
		name += fmt.Sprintf(" -append %q", s.opts.Append)
	}
	if len(s.opts.Extra) > 0 {
		name += " " + strings.Join(s.opts.Extra, " ")
	}
	name += ")"

	if len(errs) == 0 {
		t.Logf("%s %s: OK, exit code %d in %v; last line %q", tg.Name, name, res.Code, took, res.Last)
		return
	}

	for _, err := range errs {
		t.Error(err)
	}
	t.Errorf("%s %s: failed after %v (QEMU status %d); last line: %q", tg.Name, name, took, res.Status, res.Last)
	t.Logf("console:\n%s", strings.Join(res.Lines, "\n"))
	if stderr.Len() > 0 {
		t.Logf("QEMU stderr:\n%s", stderr.String())
	}
}
