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
	"strings"
	"testing"
)

// TestOutPathDirectory checks that -out refuses an existing directory: the
// build would write the target's files (shim.bin) next to it, in its
// parent.
func TestOutPathDirectory(t *testing.T) {
	tg, _ := findTarget("riscv64")
	dir := t.TempDir()

	if _, err := outPath(tg, "/root", "/root/kernel", "", dir); err == nil || !strings.Contains(err.Error(), "is a directory") {
		t.Errorf("-out %s: error %v, want one saying it is a directory", dir, err)
	}

	elf := filepath.Join(dir, "k.elf")
	if got, err := outPath(tg, "/root", "/root/kernel", "", elf); err != nil || got != elf {
		t.Errorf("-out %s: %q, %v", elf, got, err)
	}
}

// TestELFPath checks the default ELF of a package: the demo's
// build/<target>/kernel.elf is only the demo's, and build tags make a
// path of their own.
func TestELFPath(t *testing.T) {
	tg, _ := findTarget("x86_64")
	root := "/src/kernel"

	for _, tc := range []struct{ pkg, tags, want string }{
		{"/src/kernel/kernel", "", "build/x86_64/kernel.elf"},
		{"github.com/tamago-smp/kernel/kernel", "", "build/x86_64/kernel.elf"},
		{"/src/kernel/examples/minimal", "", "build/x86_64/examples-minimal.elf"},
		{"github.com/tamago-smp/kernel/examples/minimal", "", "build/x86_64/examples-minimal.elf"},
		{"/src/kernel/kernel", "percpu_fault", "build/x86_64/kernel+percpu_fault.elf"},
		{"/src/kernel/examples/minimal", "a, b,", "build/x86_64/examples-minimal+a,b.elf"},
	} {
		if got := elfPath(tg, root, tc.pkg, tc.tags); got != tc.want {
			t.Errorf("elfPath(%q, tags %q) = %q, want %q", tc.pkg, tc.tags, got, tc.want)
		}
	}
}

// TestParseRun checks the run flags that reach the build and QEMU.
func TestParseRun(t *testing.T) {
	f, err := parseRun([]string{"-target", "aarch64", "-smp", "4,sockets=2,cores=2", "-tags", "percpu_naive,x",
		"-append", "boot.skip=2", "-qemu", `-m 2G -cpu 'max,pauth=off'`, "-machine-opts", "its=off"})
	if err != nil {
		t.Fatal(err)
	}

	if f.SMP != 4 {
		t.Errorf("SMP %d, want 4", f.SMP)
	}
	if got, want := f.Target.buildArgs("./kernel", "k.elf")[:3], []string{"build", "-tags", "linkcpuinit,percpu_naive,x"}; !reflect.DeepEqual(got, want) {
		t.Errorf("-tags: build args %q, want %q", got, want)
	}
	if row, _ := findTarget("aarch64"); !reflect.DeepEqual(row.Tags, []string{"linkcpuinit"}) {
		t.Errorf("-tags changed the table row: %q", row.Tags)
	}

	args := f.Target.QEMUArgs("k.elf", f.Opts)
	joined := "|" + strings.Join(args, "|") + "|"
	for _, want := range []string{
		"|-machine|virt,gic-version=3,its=off|", "|-smp|4,sockets=2,cores=2|",
		"|-append|boot.skip=2|", "|-m|2G|-cpu|max,pauth=off|",
	} {
		if !strings.Contains(joined, want) {
			t.Errorf("QEMU args %q lack %q", args, want)
		}
	}

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-target", "x86_64", "-smp", "0"}, "from 1 to"},
		{[]string{"-target", "x86_64", "-smp", "1;true"}, `"1;true" is not a number`},
		{[]string{"-target", "x86_64", "-smp", "1000"}, "runs 1 to"},
		{[]string{"-target", "x86_64", "-qemu", "-m '2G"}, "unterminated '"},
		{[]string{"-smp", "2"}, "-target is required"},
	} {
		if _, err := parseRun(tc.args); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("run %q: error %v, want one containing %q", tc.args, err, tc.want)
		}
	}
}

func TestSplitWords(t *testing.T) {
	for s, want := range map[string][]string{
		"":                              nil,
		"  -m 2G\t-cpu max ":            {"-m", "2G", "-cpu", "max"},
		`-append "a b" -x 'c "d"' e''f`: {"-append", "a b", "-x", `c "d"`, "ef"},
		`''`:                            {""},
	} {
		if got, err := splitWords(s); err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("splitWords(%q) = %q, %v; want %q", s, got, err, want)
		}
	}
}

// TestMakeQuotes checks that make variables reach the harness as single
// arguments, never as shell text: SMP='1;true' must not end the command
// before -check.
func TestMakeQuotes(t *testing.T) {
	if _, err := exec.LookPath("make"); err != nil {
		t.Skipf("no make: %v", err)
	}

	// the harness replaced by a command that prints its arguments, one a
	// line
	cmd := exec.Command("make", "-s", "-C", "..", "qemu-x86_64", `SMP=1;true`, "TIMEOUT=1s `id`", "APPEND=a b", `HARNESS=printf '[%s]\n'`)
	cmd.Env = append(os.Environ(), "MAKEFLAGS=")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("make: %v\n%s", err, out)
	}

	want := "[run]\n[-target]\n[x86_64]\n[-smp]\n[1;true]\n[-check]\n[-timeout]\n[1s `id`]\n[-append]\n[a b]\n"
	if string(out) != want {
		t.Errorf("make qemu-x86_64 SMP='1;true' TIMEOUT='1s `id`' APPEND='a b' ran the harness with\n%s\nwant\n%s", out, want)
	}
}

// TestGoTestArgs checks the go test command of `qemu test` and what `qemu
// exec` passes to the kernel.
func TestGoTestArgs(t *testing.T) {
	tg, _ := findTarget("aarch64-el2")

	exec := execLine("/c/qemu dir/qemu", tg.Name, "4,sockets=2", "boot.degraded x")
	if want := `"/c/qemu dir/qemu" exec -target aarch64-el2 -smp 4,sockets=2 -append "boot.degraded x"`; exec != want {
		t.Errorf("execLine = %s, want %s", exec, want)
	}

	got := tg.withTags("x").testArgs(exec, []string{"-run", "TestAdd", "./percpu"})
	want := []string{"test", "-tags", "linkcpuinit,x", "-ldflags", "-T 0x40200000 -R 0x1000", "-exec", exec, "-run", "TestAdd", "./percpu"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("test args %q, want %q", got, want)
	}

	args := kernelArgs([]string{"-test.paniconexit0", "-test.timeout=10m0s", "-test.testlogfile=/tmp/x/testlog.txt",
		"-test.v=true", "-test.gocoverdir=/tmp/c", "-test.run=TestA"})
	if want := []string{"-test.paniconexit0", "-test.timeout=10m0s", "-test.v=true", "-test.run=TestA"}; !reflect.DeepEqual(args, want) {
		t.Errorf("kernel args %q, want %q (no host files)", args, want)
	}

	if d := testTimeout(args); d.String() != "10m0s" {
		t.Errorf("testTimeout = %v, want 10m0s", d)
	}
}
