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
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Environment of the boot tests.
const (
	// envBootTests: unset runs the boot tests when QEMU and the TamaGo
	// compiler are present and skips them (saying why) otherwise;
	// "require" turns a missing tool or a kernel that does not build into
	// a failure (make test); "off" skips them.
	envBootTests = "PERCPU_BOOT_TESTS"

	// envTargets restricts the boot tests to a comma-separated list of
	// targets (default: every row of the table).
	envTargets = "PERCPU_TARGETS"

	// envPkg names the main package to boot (default ./kernel, relative
	// to the module root).
	envPkg = "PERCPU_PKG"
)

// bootSMP are the CPU counts every target boots with.
var bootSMP = []int{1, 4}

// qemuSlots bounds the QEMU processes the boot tests run at once: the
// reference host has 2 cores and TCG runs one host thread per vCPU.
var qemuSlots = make(chan struct{}, 2)

// TestBoot builds the kernel once per target, boots it with each CPU count
// of bootSMP, and checks the output contract, the exit code and the ELF
// region symbols.
func TestBoot(t *testing.T) {
	mode := os.Getenv(envBootTests)

	switch mode {
	case "", "require":
	case "off":
		t.Skipf("%s=off", envBootTests)
	default:
		t.Fatalf("%s=%q: want require, off or unset", envBootTests, mode)
	}

	required := mode == "require"

	// unavailable fails or skips a test that cannot run, saying why.
	unavailable := func(t *testing.T, format string, args ...any) {
		t.Helper()
		msg := fmt.Sprintf(format, args...)
		if required {
			t.Fatalf("%s\n(a failure because %s=require)", msg, envBootTests)
		}
		t.Skipf("%s\n(set %s=require to make this a failure)", msg, envBootTests)
	}

	if testing.Short() && !required {
		t.Skip("boot tests do not run with -short")
	}

	sel, err := findTargets(os.Getenv(envTargets))
	if err != nil {
		t.Fatalf("%s: %v", envTargets, err)
	}

	root, err := moduleRoot()
	if err != nil {
		t.Fatal(err)
	}

	pkg := os.Getenv(envPkg)
	if pkg == "" {
		pkg = "./kernel"
	}

	c, compilerErr := findCompiler(root, false, io.Discard)

	for _, tg := range sel {
		t.Run(tg.Name, func(t *testing.T) {
			t.Parallel()

			if compilerErr != nil {
				unavailable(t, "%s: no TamaGo compiler: %v", tg.Name, compilerErr)
			}
			if err := haveQEMU(tg); err != nil {
				unavailable(t, "%s: %v", tg.Name, err)
			}

			elf := filepath.Join(t.TempDir(), "kernel.elf")

			var log bytes.Buffer
			if err := c.build(tg, pkg, elf, &log); err != nil {
				unavailable(t, "%s: %s does not build: %v\n%s", tg.Name, pkg, err, log.String())
			}

			for _, smp := range bootSMP {
				t.Run(fmt.Sprintf("smp=%d", smp), func(t *testing.T) {
					testBoot(t, tg, smp, elf)
				})
			}
		})
	}
}

// testBoot boots elf on target tg with smp CPUs and checks the result.
func testBoot(t *testing.T, tg *target, smp int, elf string) {
	qemuSlots <- struct{}{}
	defer func() { <-qemuSlots }()

	// End before the test binary's own deadline, so that a hung boot is
	// reported with its last line instead of a panic.
	timeout := tg.Timeout(smp)
	if d, ok := t.Deadline(); ok {
		if left := time.Until(d) - 10*time.Second; left < timeout {
			timeout = left
		}
	}
	if timeout <= 0 {
		t.Fatalf("%s SMP=%d: no time left before the test deadline (go test -timeout)", tg.Name, smp)
	}

	var stderr bytes.Buffer

	b := &boot{
		Target:  tg,
		SMP:     smp,
		ELF:     elf,
		Timeout: timeout,
		Stderr:  &stderr,
	}

	start := time.Now()
	res, runErr := b.run(context.Background())
	took := time.Since(start).Round(time.Millisecond)

	con, errs := checkBoot(res, runErr, expectFor(tg, smp))
	errs = append(errs, checkELF(elf, con)...)

	if len(errs) == 0 {
		t.Logf("%s SMP=%d: output contract OK, exit code 0, %d lines in %v", tg.Name, smp, len(res.Lines), took)
		return
	}

	for _, err := range errs {
		t.Error(err)
	}

	t.Logf("%s SMP=%d after %v, QEMU status %d; console:\n%s", tg.Name, smp, took, res.Status, strings.Join(res.Lines, "\n"))
	if res.Stderr != "" {
		t.Logf("QEMU stderr:\n%s", res.Stderr)
	}
}
