// QEMU host harness
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build !tamago

package main

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tamago-smp/kernel/linker"
)

// TestTargetTable checks that every row is complete and consistent.
func TestTargetTable(t *testing.T) {
	regs := map[string]bool{"gs_base": true, "tpidr_el2": true, "tpidr_el1": true, "gp": true}
	debian := map[string]bool{"qemu-system-x86": true, "qemu-system-arm": true, "qemu-system-misc": true}
	names := map[string]bool{}

	if want := []string{"x86_64", "aarch64-el2", "aarch64", "riscv64"}; !reflect.DeepEqual(targetNames(), want) {
		t.Errorf("targets %v, want %v", targetNames(), want)
	}

	for _, tg := range targets {
		bad := func(format string, args ...any) {
			t.Helper()
			t.Errorf(tg.Name+": "+format, args...)
		}

		if names[tg.Name] {
			bad("duplicate name")
		}
		names[tg.Name] = true

		if !slices.Contains([]string{"amd64", "arm64", "riscv64"}, tg.GOARCH) {
			bad("GOARCH %q", tg.GOARCH)
		}
		if !strings.HasPrefix(tg.LDFlags, "-T 0x") || !strings.Contains(tg.LDFlags, "-R 0x1000") {
			bad("LDFlags %q, want -T <text start> -R 0x1000", tg.LDFlags)
		}
		if !strings.HasPrefix(tg.QEMU, "qemu-system-") {
			bad("QEMU %q", tg.QEMU)
		}
		if !debian[tg.Debian] {
			bad("Debian package %q", tg.Debian)
		}
		if tg.Machine() == "" {
			bad("no -machine in Args")
		}
		if tg.ExitDevice == "" || tg.Exit == nil {
			bad("no exit device or decoder")
		}
		if !regs[tg.Reg] {
			bad("register %q", tg.Reg)
		}
		if tg.MaxSMP != linker.MaxCPUs {
			bad("MaxSMP %d, want linker.MaxCPUs = %d", tg.MaxSMP, linker.MaxCPUs)
		}
		if want := map[string]string{"amd64": "apic", "arm64": "mpidr", "riscv64": "hart"}[tg.GOARCH]; tg.HWID != want {
			bad("hardware id %q, want %q", tg.HWID, want)
		}
		if tg.BootTimeout <= 0 || tg.CPUTimeout <= 0 {
			bad("timeouts %v + %v per CPU", tg.BootTimeout, tg.CPUTimeout)
		}
		if tg.ELF() != filepath.Join("build", tg.Name, "kernel.elf") {
			bad("ELF %s", tg.ELF())
		}

		args := strings.Join(tg.Args, " ")
		for _, want := range []string{"-smp {smp}", "-kernel {elf}", "-nographic", "-serial stdio", "-monitor none"} {
			if !strings.Contains(args, want) {
				bad("Args %q lack %q", args, want)
			}
		}

		// every {dir}/<file> is generated at build time, and every
		// generated file is used
		for _, a := range tg.Args {
			if name, ok := strings.CutPrefix(a, "{dir}/"); ok && tg.Files[name] == nil {
				bad("Args use {dir}/%s, which Files does not generate", name)
			}
		}
		for name := range tg.Files {
			if !strings.Contains(args, "{dir}/"+name) {
				bad("Files generates %s, which Args do not use", name)
			}
		}

		// per-ISA facts the rows must agree on
		switch tg.GOARCH {
		case "amd64":
			if tg.Reg != "gs_base" || tg.EL != 0 || !strings.Contains(args, "isa-debug-exit") || !strings.Contains(args, "-no-reboot") {
				bad("amd64 row must use gs_base, no el=, isa-debug-exit and -no-reboot")
			}
		case "arm64":
			if !strings.Contains(args, "-semihosting") {
				bad("arm64 row must enable -semihosting for SYS_EXIT")
			}
			wantEL := 1
			if strings.Contains(tg.Machine(), "virtualization=on") {
				wantEL = 2
			}
			if tg.EL != wantEL || tg.Reg != "tpidr_el"+string(rune('0'+wantEL)) {
				bad("machine %s: register %s el=%d, want tpidr_el%d el=%d", tg.Machine(), tg.Reg, tg.EL, wantEL, wantEL)
			}
		case "riscv64":
			if tg.Reg != "gp" || tg.EL != 0 || !strings.Contains(args, "-bios {dir}/shim.bin") {
				bad("riscv64 row must use gp, no el= and the boot shim as -bios")
			}
		}
	}
}

func TestTargetTimeout(t *testing.T) {
	tg, err := findTarget("x86_64")
	if err != nil {
		t.Fatal(err)
	}

	if got := tg.Timeout(1); got != 75*time.Second {
		t.Errorf("Timeout(1) = %v, want 75s", got)
	}
	if got := tg.Timeout(4); got != 120*time.Second {
		t.Errorf("Timeout(4) = %v, want 2m", got)
	}
}

func TestQEMUArgs(t *testing.T) {
	tg, err := findTarget("riscv64")
	if err != nil {
		t.Fatal(err)
	}

	args := strings.Join(tg.QEMUArgs("build/riscv64/kernel.elf", qemuOpts{SMP: "4", GDB: true}), " ")
	want := "-machine virt -m 1G -smp 4 -nographic -monitor none -serial stdio " +
		"-bios build/riscv64/shim.bin -kernel build/riscv64/kernel.elf -S -s"

	if args != want {
		t.Errorf("QEMU args\n%s\nwant\n%s", args, want)
	}

	// a full -smp spec, a command line, machine properties and extra
	// arguments, which come after the row's so that they override it
	o := qemuOpts{SMP: "4,sockets=2,cores=2", Append: "boot.degraded boot.skip=2", Machine: "aclint=on", Extra: []string{"-m", "2G"}}
	args = strings.Join(tg.QEMUArgs("k.elf", o), "|")
	want = "-machine|virt,aclint=on|-m|1G|-smp|4,sockets=2,cores=2|-nographic|-monitor|none|-serial|stdio|" +
		"-bios|./shim.bin|-kernel|k.elf|-append|boot.degraded boot.skip=2|-m|2G"

	if args != want {
		t.Errorf("QEMU args\n%s\nwant\n%s", args, want)
	}

	for _, tg := range targets {
		for _, a := range tg.QEMUArgs("/tmp/k.elf", qemuOpts{SMP: "2"}) {
			if strings.ContainsAny(a, "{}") {
				t.Errorf("%s: placeholder left in %q", tg.Name, a)
			}
		}
	}
}

func TestBuildArgs(t *testing.T) {
	x86, _ := findTarget("x86_64")
	arm, _ := findTarget("aarch64-el2")

	if got, want := x86.buildArgs("./kernel", "out.elf"), []string{"build", "-ldflags", "-T 0x10010000 -R 0x1000 -E _rt0_percpu_amd64", "-o", "out.elf", "./kernel"}; !reflect.DeepEqual(got, want) {
		t.Errorf("x86_64 build args %q, want %q", got, want)
	}
	if got, want := arm.buildArgs("./kernel", "out.elf"), []string{"build", "-tags", "linkcpuinit", "-ldflags", "-T 0x40200000 -R 0x1000", "-o", "out.elf", "./kernel"}; !reflect.DeepEqual(got, want) {
		t.Errorf("aarch64-el2 build args %q, want %q", got, want)
	}
	if got, want := arm.vetArgs(), []string{"vet", "-tags", "linkcpuinit", "./..."}; !reflect.DeepEqual(got, want) {
		t.Errorf("aarch64-el2 vet args %q, want %q", got, want)
	}
	if got, want := arm.env(), []string{"GOOS=tamago", "GOOSPKG=github.com/usbarmory/tamago", "GOARCH=arm64"}; !reflect.DeepEqual(got, want) {
		t.Errorf("aarch64-el2 env %q, want %q", got, want)
	}
}

func TestFindTargets(t *testing.T) {
	for list, want := range map[string][]string{
		"":                targetNames(),
		"all":             targetNames(),
		"x86_64":          {"x86_64"},
		"x86_64, riscv64": {"x86_64", "riscv64"},
	} {
		sel, err := findTargets(list)
		if err != nil {
			t.Errorf("%q: %v", list, err)
			continue
		}

		var got []string
		for _, tg := range sel {
			got = append(got, tg.Name)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%q: %v, want %v", list, got, want)
		}
	}

	if _, err := findTargets("x86_64,arm"); err == nil || !strings.Contains(err.Error(), `"arm"`) {
		t.Errorf("unknown target: error %v, want one naming \"arm\"", err)
	}
}

func TestCheckSMP(t *testing.T) {
	// every row takes up to linker.MaxCPUs: the aarch64 rows use GICv3,
	// with which virt takes more than 8 CPUs
	for _, tg := range targets {
		for smp, ok := range map[int]bool{0: false, 1: true, 4: true, 9: true, linker.MaxCPUs: true, linker.MaxCPUs + 1: false} {
			if err := tg.checkSMP(smp); (err == nil) != ok {
				t.Errorf("%s SMP=%d: error %v, want ok=%v", tg.Name, smp, err, ok)
			}
		}
		if strings.HasPrefix(tg.Name, "aarch64") && !strings.Contains(tg.Machine(), "gic-version=3") {
			t.Errorf("%s: -machine %s, want gic-version=3 (GICv2 takes at most 8 CPUs)", tg.Name, tg.Machine())
		}
	}
}

// TestParseSMP checks the CPU count of QEMU -smp specs and the errors for
// bad ones.
func TestParseSMP(t *testing.T) {
	for spec, want := range map[string]int{
		"4": 4, "1": 1, "4,sockets=2,cores=2": 4, "cpus=6,threads=2": 6,
		"sockets=2,cores=2": 4, "sockets=2,cores=2,threads=2": 8, "8,maxcpus=8": 8,
	} {
		if n, err := parseSMP(spec); err != nil || n != want {
			t.Errorf("parseSMP(%q) = %d, %v; want %d", spec, n, err, want)
		}
	}

	for spec, want := range map[string]string{
		"":                     `"" is not a number`,
		"0":                    "from 1 to 4096",
		"1;true":               `"1;true" is not a number`,
		"4,2":                  `"2" is not key=value`,
		"4,socket=2":           `unknown property "socket"`,
		"4,cores=x":            `cores="x"`,
		"sockets=4096,cores=2": "8192 CPUs, more than 4096",
	} {
		if n, err := parseSMP(spec); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("parseSMP(%q) = %d, %v; want an error containing %q", spec, n, err, want)
		}
	}
}

func TestTamagoGoVersion(t *testing.T) {
	for v, want := range map[string]string{
		"v1.26.0":                               "tamago-go1.26.0",
		"v1.27.1":                               "tamago-go1.27.1",
		"v1.26.1-0.20260130090423-5d846371fd71": "tamago-go1.26.0",
		"v1.26.1-0.20260130090423-5d846371fd71+dirty": "tamago-go1.26.0",
	} {
		if got, err := tamagoGoVersion(v); err != nil || got != want {
			t.Errorf("%s: %q, %v; want %q", v, got, err, want)
		}
	}

	for _, v := range []string{"", "v2.0.0", "v1.26", "v1.26.0-0.2026-abc"} {
		if got, err := tamagoGoVersion(v); err == nil {
			t.Errorf("%q: %q, want an error", v, got)
		}
	}
}

// TestWriteFiles checks that building writes the riscv64 shim next to the
// ELF, where the QEMU arguments point.
func TestWriteFiles(t *testing.T) {
	tg, _ := findTarget("riscv64")
	dir := t.TempDir()

	if err := writeFiles(tg, dir); err != nil {
		t.Fatal(err)
	}

	b, err := os.ReadFile(filepath.Join(dir, "shim.bin"))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(b, riscvShim()) {
		t.Errorf("shim.bin % x, want % x", b, riscvShim())
	}
}

// TestREADMETable keeps the table in README.md in step with targets.go; the
// table is printed by `go run ./qemu targets`.
func TestREADMETable(t *testing.T) {
	b, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}

	if table := renderTable(); !strings.Contains(string(b), table) {
		t.Errorf("README.md does not contain the target table; paste the output of `go run ./qemu targets`:\n%s", table)
	}
}

func TestErrCompilerMissing(t *testing.T) {
	err := &errCompilerMissing{Version: "tamago-go1.26.0", Path: "/c/tamago-go/tamago-go1.26.0/bin/go"}

	for _, want := range []string{"tamago-go1.26.0 is missing", "/c/tamago-go/tamago-go1.26.0/bin/go", "go tool tamago", "TAMAGO="} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message lacks %q:\n%v", want, err)
		}
	}
}
