// QEMU host harness
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build !tamago

package main

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/tamago-smp/kernel/arch"
	"github.com/tamago-smp/kernel/board/qemu/raspi3b"
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
	target string // "" for every target
	opts   qemuOpts
	code   int      // the kernel exit code wanted
	lines  []string // regular expressions each of which some console line must match
	large  bool     // a scenario of make test-large
	beyond bool     // more CPUs than the kernel's capacity (linker.MaxCPUs)
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
	{name: "sockets", target: "x86_64", opts: qemuOpts{SMP: "4,sockets=2,cores=2"},
		lines: []string{`^cpu 3 online: gs_base=0x[0-9a-f]+ apic=0x3$`}},
	{name: "apic-gap", target: "x86_64", opts: qemuOpts{SMP: "6,sockets=2,cores=3"},
		lines: []string{`^cpu 3 online: gs_base=0x[0-9a-f]+ apic=0x4$`, `^cpu 5 online: gs_base=0x[0-9a-f]+ apic=0x6$`}},
	{name: "threads", target: "x86_64", opts: qemuOpts{SMP: "8,sockets=2,cores=2,threads=2"},
		lines: []string{`^cpu 7 online: gs_base=0x[0-9a-f]+ apic=0x7$`}},
	{name: "maxcpus", target: "x86_64", opts: qemuOpts{SMP: "4,maxcpus=8"},
		lines: []string{`^cpu 3 online: `}},
	// the same under UEFI firmware: the MADT of OVMF's ACPI tables
	{name: "apic-gap", target: "x86_64-uefi", opts: qemuOpts{SMP: "6,sockets=2,cores=3"},
		lines: []string{`^cpu 3 online: gs_base=0x[0-9a-f]+ apic=0x4$`, `^cpu 5 online: gs_base=0x[0-9a-f]+ apic=0x6$`}},
	{name: "threads", target: "x86_64-uefi", opts: qemuOpts{SMP: "8,sockets=2,cores=2,threads=2"},
		lines: []string{`^cpu 7 online: gs_base=0x[0-9a-f]+ apic=0x7$`}},
	{name: "maxcpus", target: "x86_64-uefi", opts: qemuOpts{SMP: "4,maxcpus=8"},
		lines: []string{`^cpu 3 online: `}},
	{name: "gicv3-20", target: "aarch64-el2", opts: qemuOpts{SMP: "20"},
		lines: []string{`^cpu 16 online: tpidr_el2=0x[0-9a-f]+ el=2 mpidr=0x100$`}},
	{name: "gicv3-20", target: "aarch64", opts: qemuOpts{SMP: "20"},
		lines: []string{`^cpu 19 online: tpidr_el1=0x[0-9a-f]+ el=1 mpidr=0x103$`}},
	// virt's default GICv2 (the GIC-400 of a Pi 4 is one): 8 CPUs at
	// most, idle with WFE and the timer event stream
	{name: "gicv2-8", target: "aarch64-el2", opts: qemuOpts{SMP: "8", Machine: "gic-version=2"},
		lines: []string{`^cpu 7 online: tpidr_el2=0x[0-9a-f]+ el=2 mpidr=0x7$`}},
	{name: "sockets-2", target: "riscv64", opts: qemuOpts{SMP: "4,sockets=2", Extra: numa(2, 512, "0-1", "2-3")},
		lines: []string{`^cpu 3 online: gp=0x[0-9a-f]+ hart=0x[0-9a-f]+$`}},
	{name: "sockets-2", target: "riscv64-sbi", opts: qemuOpts{SMP: "8,sockets=2", Extra: numa(2, 512, "0-3", "4-7")},
		lines: []string{`^Domain0 Next Mode         : S-mode$`, `^cpu 7 online: gp=0x[0-9a-f]+ hart=0x7$`}},
	{name: "sockets-4", target: "riscv64", opts: qemuOpts{SMP: "8,sockets=4", Machine: "aia=aplic", Extra: numa(4, 256, "0-1", "2-3", "4-5", "6-7")},
		lines: []string{`^cpu 7 online: gp=0x[0-9a-f]+ hart=0x[0-9a-f]+$`}},

	// a CPU that does not start: strict fails naming it, degraded runs
	// the self-tests (stop-the-world included) on the others
	{name: "skip-strict", opts: qemuOpts{SMP: "4", Append: "boot.skip=2"}, code: 1,
		lines: []string{`^boot: cpu 2 \([a-z]+=0x[0-9a-f]+\) did not come online: not woken \(boot\.skip\)$`, `^FAIL boot cpu=0: `, `^selftest: [0-9]+ passed, 1 failed$`}},
	{name: "skip-degraded", opts: qemuOpts{SMP: "4", Append: "boot.skip=2 boot.degraded"},
		lines: []string{`^boot: running degraded: 3 of 4 CPUs online$`, `^PASS stop-the-world cpu=0$`}},

	// a CPU model or RAM the kernel cannot run on: one line, non-zero
	{name: "no-rdrand", target: "x86_64", opts: qemuOpts{SMP: "1", Extra: []string{"-cpu", "qemu64"}}, code: arch.EarlyStatus,
		lines: []string{`^early: the CPU lacks RDRAND \(CPUID\.01H:ECX\[30\]\)`}},
	{name: "ram-1G", target: "x86_64", opts: qemuOpts{SMP: "1", Extra: []string{"-m", "1G"}}, code: arch.EarlyStatus,
		lines: []string{`^early: RAM too small: the PVH memory map's RAM at 0x10000000 ends at 0x40000000, the kernel needs it up to 0x[0-9a-f]+`}},
	{name: "ram-512M", target: "x86_64-uefi", opts: qemuOpts{SMP: "1", Extra: []string{"-m", "512M"}}, code: arch.EarlyStatus,
		lines: []string{`^uefi: the firmware cannot give the kernel the RAM it is linked for \(AllocatePages at 0x[0-9a-f]+-0x50000000\): EFI status 0x800000000000000e$`}},
	{name: "ram-512M", target: "riscv64", opts: qemuOpts{SMP: "1", Extra: []string{"-m", "512M"}}, code: arch.EarlyStatus,
		lines: []string{`^riscv64: RAM too small: the device tree's RAM at 0x80000000 ends at 0xa0000000, the kernel needs it up to 0xbfe00000 \(RamStart \+ RamSize\)$`}},
	{name: "ram-512M", target: "riscv64-sbi", opts: qemuOpts{SMP: "1", Extra: []string{"-m", "512M"}}, code: arch.EarlyStatus,
		lines: []string{`^riscv64: RAM too small: the device tree's RAM at 0x80200000 ends at 0xa0000000, the kernel needs it up to 0xbfe00000 \(RamStart \+ RamSize\)$`}},
	{name: "ram-256M", target: "aarch64-el2", opts: qemuOpts{SMP: "1", Extra: []string{"-m", "256M"}}, code: arch.EarlyStatus,
		lines: []string{`^arm64: RAM too small: the device tree's RAM at 0x40000000 ends at 0x50000000, the kernel needs it up to 0x80000000 \(RamStart \+ RamSize\)$`}},
	{name: "ram-512M", target: "aarch64", opts: qemuOpts{SMP: "1", Extra: []string{"-m", "512M"}}, code: arch.EarlyStatus,
		lines: []string{`^arm64: RAM too small: the device tree's RAM at 0x40000000 ends at 0x60000000, `}},
	{name: "no-fd", target: "riscv64-sbi", opts: qemuOpts{SMP: "1", Extra: []string{"-cpu", "rv64,f=false,d=false"}}, code: arch.EarlyStatus,
		lines: []string{`^riscv64: the boot hart's riscv,isa rv64imac\S* lacks df: the kernel needs rv64imafdc$`}},
	{name: "no-c", target: "riscv64", opts: qemuOpts{SMP: "1", Extra: []string{"-cpu", "rv64,c=false"}}, code: arch.EarlyStatus,
		lines: []string{`lacks c: the kernel needs rv64imafdc$`}},

	// the capacity: 64 CPUs on every target
	{name: "cpus-64", opts: qemuOpts{SMP: "64"}, large: true, lines: []string{`^cpu 63 online: `}},
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

			elf := env.build(t, tg, "./kernel", nil)

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
		// every row takes linker.MaxCPUs CPUs (TestTargetTable): a
		// scenario above that must say so, with beyond
		t.Fatalf("%d CPUs, but %s runs at most %d: mark the scenario beyond", smp, tg.Name, tg.MaxSMP)
	}
	expect(t, tg, bootOnce(t, tg, s.opts, elf), s.code, s.lines...)
}

// TestSpinTableNoAnswer boots aarch64-raspi3b with a device tree that
// describes a fifth core, which QEMU's raspi3b does not have (the later
// -dtb wins): it never leaves the spin table, and the kernel names it
// after its timeout and, degraded, runs on the other four.
func TestSpinTableNoAnswer(t *testing.T) {
	env := newBootEnv(t)

	for _, tg := range env.targets {
		if tg.Name != "aarch64-raspi3b" {
			continue
		}
		dtb := filepath.Join(t.TempDir(), "raspi3b-5cpus.dtb")
		if err := os.WriteFile(dtb, raspi3b.DeviceTree(5), 0o644); err != nil {
			t.Fatal(err)
		}
		elf := env.build(t, tg, "./kernel", nil)
		o := qemuOpts{SMP: "4", Append: "boot.degraded", Extra: []string{"-dtb", dtb}}
		expect(t, tg, bootOnce(t, tg, o, elf), 0,
			`^boot: cpu 4 \(mpidr=0x4\) did not come online: no answer to the spin table within [0-9]+s$`,
			`^boot: running degraded: 4 of 5 CPUs online$`)
		return
	}
	t.Skip("aarch64-raspi3b is not among the targets under test")
}
