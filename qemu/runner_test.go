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
	"errors"
	"os/exec"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/tamago-smp/kernel/board/spec"
)

func TestLineWriter(t *testing.T) {
	var out bytes.Buffer
	res := &result{}
	w := &lineWriter{out: &out, res: res}

	for _, chunk := range []string{"per", "cpu: a\r\n", "\r\ncpu 0 onl", "ine\nPASS x", " cpu=0\n\nselftest"} {
		w.Write([]byte(chunk))
	}
	w.line(w.partial)

	if want := []string{"percpu: a", "", "cpu 0 online", "PASS x cpu=0", "", "selftest"}; !reflect.DeepEqual(res.Lines, want) {
		t.Errorf("lines %q, want %q", res.Lines, want)
	}
	if res.Last != "selftest" {
		t.Errorf("last line %q, want %q", res.Last, "selftest")
	}
	if want := "percpu: a\r\n\r\ncpu 0 online\nPASS x cpu=0\n\nselftest"; out.String() != want {
		t.Errorf("console copy %q, want %q", out.String(), want)
	}
}

// oddStatus is the isa-debug-exit decoder of the x86_64 row: odd statuses
// carry a code, even ones are errors.
var oddStatus = func() func(int) (int, error) {
	t, _ := findTarget("x86_64")
	return t.Exit
}()

// shTarget returns a target whose "QEMU" is sh running script, to test the
// runner without QEMU.
func shTarget(t *testing.T, decode func(int) (int, error), script string) *target {
	t.Helper()

	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh in PATH")
	}

	return &target{Target: spec.Target{
		Name: "sh",
		QEMU: "sh",
		Args: []string{"-c", script, "sh", "{smp}", "{elf}"},
		Exit: decode,
	}, MaxSMP: 4}
}

func TestRunExitCode(t *testing.T) {
	var console bytes.Buffer

	b := &boot{
		Target:  shTarget(t, oddStatus, `printf 'smp=%s elf=%s\r\nselftest: 0 passed, 0 failed\n' "$1" "$2"; exit 7`),
		SMP:     2,
		ELF:     "/k.elf",
		Timeout: 10 * time.Second,
		Console: &console,
	}

	res, err := b.run(context.Background())
	if err != nil {
		t.Fatal(err)
	}

	if res.Status != 7 || res.Code != 3 {
		t.Errorf("status %d code %d, want 7 and 3", res.Status, res.Code)
	}
	if want := []string{"smp=2 elf=/k.elf", "selftest: 0 passed, 0 failed"}; !reflect.DeepEqual(res.Lines, want) {
		t.Errorf("lines %q, want %q", res.Lines, want)
	}
	if !strings.Contains(console.String(), "smp=2 elf=/k.elf\r\n") {
		t.Errorf("console copy %q", console.String())
	}
}

func TestRunTriple(t *testing.T) {
	b := &boot{Target: shTarget(t, oddStatus, `echo booting; exit 0`), SMP: 1, Timeout: 10 * time.Second}

	_, err := b.run(context.Background())
	if err == nil || !strings.Contains(err.Error(), "sh SMP=1: no exit code: the guest reset or triple-faulted") {
		t.Errorf("error %v, want a triple fault naming the target", err)
	}
}

// TestRunQEMUError checks that a QEMU that fails before the guest runs is
// not read as a kernel exit code (status 1 would be code 0 on x86).
func TestRunQEMUError(t *testing.T) {
	b := &boot{Target: shTarget(t, oddStatus, `echo 'qemu: bad option' >&2; exit 1`), SMP: 1, Timeout: 10 * time.Second}

	res, err := b.run(context.Background())
	if err == nil || !strings.Contains(err.Error(), "before the guest wrote anything: qemu: bad option") {
		t.Errorf("error %v, want QEMU's message", err)
	}
	if res.Stderr != "qemu: bad option\n" {
		t.Errorf("stderr %q", res.Stderr)
	}
}

func TestRunTimeout(t *testing.T) {
	b := &boot{
		Target:  shTarget(t, spec.ExitStatus, `echo 'cpu 0 online'; printf 'waiting for cpu 1'; exec sleep 30`),
		SMP:     2,
		Timeout: 300 * time.Millisecond,
	}

	start := time.Now()
	_, err := b.run(context.Background())

	var te *errTimeout
	if !errors.As(err, &te) {
		t.Fatalf("error %v, want a timeout", err)
	}
	if want := `sh SMP=2: no result within 300ms; last line: "waiting for cpu 1"`; err.Error() != want {
		t.Errorf("error %q, want %q", err, want)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("run took %v after a 300ms timeout", d)
	}
}

func TestRunBadSMP(t *testing.T) {
	b := &boot{Target: shTarget(t, spec.ExitStatus, `exit 0`), SMP: 5}

	if _, err := b.run(context.Background()); err == nil || !strings.Contains(err.Error(), "-smp 5") {
		t.Errorf("error %v, want one naming -smp 5", err)
	}
}

// TestHotCode checks that the benchmark's hot-code pattern names the
// packages by this module's path, which a fork changes.
func TestHotCode(t *testing.T) {
	if modulePath == "" {
		t.Fatal("no module path in the build info")
	}
	for name, want := range map[string]bool{
		modulePath + "/internal/benchops.counterLoop":    true,
		modulePath + "/percpu.this_cpu_add_8.abi0":       true,
		"main.floorAddEL2.abi0":                          true,
		"example.org/other/percpu.this_cpu_add_8.abi0":   false,
		modulePath + "/internal/benchops.counterLoopAnd": false,
	} {
		if hotCode.MatchString(name) != want {
			t.Errorf("hotCode matches %q: %v, want %v", name, !want, want)
		}
	}
}
