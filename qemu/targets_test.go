// QEMU host harness
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build !tamago

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/tamago-smp/kernel/linker"
)

// TestTargetTable checks that every row is complete and consistent.
func TestTargetTable(t *testing.T) {
	names := map[string]bool{}
	for _, tg := range targets {
		bad := func(format string, args ...any) { t.Helper(); t.Errorf(tg.Name+": "+format, args...) }
		args := strings.Join(tg.Args, " ")

		if names[tg.Name] || tg.Name == "" || tg.Name == "all" || strings.ContainsAny(tg.Name, ", ") {
			bad("the name is empty, taken, \"all\" or holds a comma or space")
		}
		names[tg.Name] = true

		if !strings.HasPrefix(tg.LDFlags, "-T 0x") || !strings.Contains(tg.LDFlags, "-R 0x1000") {
			bad("LDFlags %q, want -T <text start> -R 0x1000", tg.LDFlags)
		}
		if !strings.HasPrefix(tg.QEMU, "qemu-system-") || tg.Debian == "" || tg.Machine() == "" {
			bad("QEMU %q, Debian package %q, -machine %q", tg.QEMU, tg.Debian, tg.Machine())
		}
		if tg.ExitDevice == "" || tg.Exit == nil || tg.MaxSMP != linker.MaxCPUs {
			bad("exit device %q, MaxSMP %d (want linker.MaxCPUs = %d)", tg.ExitDevice, tg.MaxSMP, linker.MaxCPUs)
		}
		for _, want := range []string{"-smp {smp}", "-nographic", "-serial stdio", "-monitor none"} {
			if !strings.Contains(args, want) {
				bad("Args %q lack %q", args, want)
			}
		}
		// the kernel is the ELF or a file generated from it (a raw image),
		// or the firmware starts it from a FAT drive of generated files
		if i := slices.Index(tg.Args, "-kernel"); i >= 0 {
			if kernel := tg.Args[i+1]; kernel != "{elf}" && tg.Files[strings.TrimPrefix(kernel, "{dir}/")] == nil {
				bad("-kernel %s: want {elf} or {dir}/<a Files name>", kernel)
			}
		} else if tg.Firmware == "" || !strings.Contains(args, "fat:rw:{dir}/") {
			bad("Args %q: want -kernel, or a Firmware and a FAT drive fat:rw:{dir}/<directory>", args)
		}
		for name := range tg.Files {
			dir, _, _ := strings.Cut(name, "/")
			if !strings.Contains(args, "{dir}/"+name) && !strings.Contains(args, "fat:rw:{dir}/"+dir) {
				bad("Files generates %s, which Args do not use", name)
			}
		}
	}

	if tg, _ := findTarget("x86_64"); tg.Timeout(4).String() != "2m0s" {
		t.Errorf("Timeout(4) = %v, want 2m (60s + 15s per CPU)", tg.Timeout(4))
	}
	if _, err := findTargets("x86_64,arm"); err == nil || !strings.Contains(err.Error(), `"arm"`) {
		t.Errorf("unknown target: error %v, want one naming \"arm\"", err)
	}
	if sel, err := findTargets("x86_64, riscv64"); err != nil || len(sel) != 2 || sel[1].Name != "riscv64" {
		t.Errorf("findTargets(\"x86_64, riscv64\") = %v, %v", sel, err)
	}
}

func TestQEMUArgs(t *testing.T) {
	tg, _ := findTarget("riscv64")

	args := strings.Join(tg.QEMUArgs("build/riscv64/kernel.elf", qemuOpts{SMP: "4", GDB: true}), " ")
	if want := "-machine virt -m 1G -smp 4 -nographic -monitor none -serial stdio " +
		"-bios build/riscv64/shim.bin -kernel build/riscv64/kernel.elf -S -s"; args != want {
		t.Errorf("QEMU args\n%s\nwant\n%s", args, want)
	}

	// a -smp spec, a command line, machine properties and extra
	// arguments, which come after the row's so that they override it
	o := qemuOpts{SMP: "4,sockets=2,cores=2", Append: "boot.degraded boot.skip=2", Machine: "aclint=on", Extra: []string{"-m", "2G"}}
	args = strings.Join(tg.QEMUArgs("k.elf", o), "|")
	if want := "-machine|virt,aclint=on|-m|1G|-smp|4,sockets=2,cores=2|-nographic|-monitor|none|-serial|stdio|" +
		"-bios|./shim.bin|-kernel|k.elf|-append|boot.degraded boot.skip=2|-m|2G"; args != want {
		t.Errorf("QEMU args\n%s\nwant\n%s", args, want)
	}
	// a target without -kernel passes the command line its own way
	if tg, _ := findTarget("x86_64-uefi"); tg.AppendArgs != nil {
		args := strings.Join(tg.QEMUArgs("k.elf", qemuOpts{SMP: "1", Append: "maxcpus=2 a=b,c"}), " ")
		if !strings.HasSuffix(args, " -fw_cfg name=opt/tamago-smp/cmdline,string=maxcpus=2 a=b,,c") || strings.Contains(args, "-append") {
			t.Errorf("x86_64-uefi with a command line: QEMU args %q, want it in fw_cfg, commas doubled", args)
		}
	}
	if args != strings.ReplaceAll(args, "{", "") {
		t.Errorf("placeholder left in %q", args)
	}

	arm, _ := findTarget("aarch64-el2")
	if got, want := arm.withTags("x,linkcpuinit").goArgs("build", "-o", "k.elf", "./kernel"),
		[]string{"build", "-tags", "linkcpuinit,x", "-ldflags", "-T 0x40200000 -R 0x1000", "-o", "k.elf", "./kernel"}; !reflect.DeepEqual(got, want) {
		t.Errorf("build args %q, want %q", got, want)
	}
	if got, want := arm.goArgs("vet", "./..."), []string{"vet", "-tags", "linkcpuinit", "./..."}; !reflect.DeepEqual(got, want) {
		t.Errorf("vet args %q, want %q", got, want)
	}
	if !reflect.DeepEqual(arm.Tags, []string{"linkcpuinit"}) {
		t.Errorf("withTags changed the table row: %q", arm.Tags)
	}
}

// TestParseSMP checks the CPU count of QEMU -smp specs and the errors for
// bad ones.
func TestParseSMP(t *testing.T) {
	for spec, want := range map[string]int{
		"4": 4, "4,sockets=2,cores=2": 4, "cpus=6,threads=2": 6,
		"sockets=2,cores=2,threads=2": 8, "8,maxcpus=8": 8,
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

// TestELFPath checks the default ELF of a package: the demo's
// build/<target>/kernel.elf is only the demo's, build tags make a path of
// their own, and -out is never a directory.
func TestELFPath(t *testing.T) {
	tg, _ := findTarget("x86_64")
	root := "/src/kernel"

	for _, tc := range []struct{ pkg, tags, want string }{
		{"/src/kernel/kernel", "", "build/x86_64/kernel.elf"},
		{modulePath + "/kernel", "", "build/x86_64/kernel.elf"},
		{"/src/kernel/examples/minimal", "", "build/x86_64/examples-minimal.elf"},
		{modulePath + "/examples/minimal", "", "build/x86_64/examples-minimal.elf"},
		{"/src/kernel/kernel", "percpu_fault", "build/x86_64/kernel+percpu_fault.elf"},
		{"/src/kernel/examples/minimal", "a, b,", "build/x86_64/examples-minimal+a,b.elf"},
	} {
		if got, err := elfPath(tg, root, tc.pkg, tc.tags, ""); err != nil || got != filepath.Join(root, tc.want) {
			t.Errorf("elfPath(%q, tags %q) = %q, %v; want %q", tc.pkg, tc.tags, got, err, tc.want)
		}
	}

	dir := t.TempDir()
	if _, err := elfPath(tg, root, "/src/kernel/kernel", "", dir); err == nil || !strings.Contains(err.Error(), "is a directory") {
		t.Errorf("-out %s: error %v, want one saying it is a directory", dir, err)
	}
}

// TestParseRun checks the run flags that reach the build and QEMU, and the
// errors for bad ones.
func TestParseRun(t *testing.T) {
	f, err := parseRun([]string{"-target", "aarch64", "-smp", "4,sockets=2,cores=2", "-tags", "percpu_naive",
		"-append", "boot.skip=2", "-machine-opts", "its=off", "--", "-m", "2G", "-cpu", "max,pauth=off"})
	if err != nil {
		t.Fatal(err)
	}
	if f.SMP != 4 || !slices.Contains(f.Target.Tags, "percpu_naive") {
		t.Errorf("SMP %d, tags %q; want 4 and percpu_naive", f.SMP, f.Target.Tags)
	}
	joined := "|" + strings.Join(f.Target.QEMUArgs("k.elf", f.Opts), "|") + "|"
	for _, want := range []string{"|-machine|virt,gic-version=3,its=off|", "|-smp|4,sockets=2,cores=2|", "|-append|boot.skip=2|", "|-m|2G|-cpu|max,pauth=off|"} {
		if !strings.Contains(joined, want) {
			t.Errorf("QEMU args %q lack %q", joined, want)
		}
	}

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-target", "x86_64", "-smp", "0"}, "from 1 to"},
		{[]string{"-target", "x86_64", "-smp", "1;true"}, `"1;true" is not a number`},
		{[]string{"-target", "x86_64", "-smp", "1000"}, "runs 1 to"},
		{[]string{"-smp", "2"}, "-target is required"},
	} {
		if _, err := parseRun(tc.args); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("run %q: error %v, want one containing %q", tc.args, err, tc.want)
		}
	}
}

// TestMakeQuotes checks that make variables reach the harness as they were
// given, never as shell or make text: SMP='1;true' is one (bad) -smp value
// and a $ in TESTFLAGS or APPEND stays a $.
func TestMakeQuotes(t *testing.T) {
	if _, err := exec.LookPath("make"); err != nil {
		t.Skipf("no make: %v", err)
	}

	// the harness replaced by a command that prints its arguments, one a
	// line
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"qemu-x86_64", `SMP=1;true`, "TIMEOUT=1s `id`", "APPEND=a $b"},
			"[run]\n[-target]\n[x86_64]\n[-smp]\n[1;true]\n[-check]\n[-timeout]\n[1s `id`]\n[-append]\n[a $b]\n"},
		{[]string{"test-riscv64", "SMP=2", "TESTFLAGS=-run TestAdd$ -bench Foo$$ -v *"},
			"[test]\n[-target]\n[riscv64]\n[-smp]\n[2]\n[--]\n[-run]\n[TestAdd$]\n[-bench]\n[Foo$$]\n[-v]\n[*]\n[./percpu]\n[./boot]\n"},
	} {
		cmd := exec.Command("make", append([]string{"-s", "-C", "..", `HARNESS=printf '[%s]\n'`}, tc.args...)...)
		cmd.Env = append(os.Environ(), "MAKEFLAGS=")
		out, err := cmd.CombinedOutput()
		if err != nil || string(out) != tc.want {
			t.Errorf("make %q ran the harness with\n%s(%v), want\n%s", tc.args, out, err, tc.want)
		}
	}
}

// TestCheckELF runs the ELF check on a host program that links package
// linker (testdata/region), so its region symbols are laid out by the same
// cmd/link rules as in a kernel, and on one that does not.
func TestCheckELF(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skipf("host executables are not ELF on %s", runtime.GOOS)
	}
	exe := filepath.Join(t.TempDir(), "region")
	if out, err := exec.Command("go", "build", "-o", exe, "./testdata/region").CombinedOutput(); err != nil {
		t.Fatalf("go build ./testdata/region: %v\n%s", err, out)
	}
	if err := checkELF(exe); err != nil {
		t.Error(err)
	}

	self, _ := os.Executable()
	if err := checkELF(self); err == nil {
		t.Errorf("the test binary, without the region symbols: no error")
	}
}
