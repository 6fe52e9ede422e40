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
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
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

	// envPkg names the main package TestBoot boots (default ./kernel,
	// relative to the module root).
	envPkg = "PERCPU_PKG"
)

// bootSMP are the CPU counts of the boot matrix: every target boots the
// kernel with each of them (those above the target's MaxSMP are left out).
var bootSMP = []int{1, 2, 3, 4, 8}

// qemuSlots bounds the QEMU processes the boot tests run at once: the
// reference host has 2 cores and TCG runs one host thread per vCPU.
var qemuSlots = make(chan struct{}, 2)

// bootEnv is what the boot tests share: the mode, the targets, the
// compiler.
type bootEnv struct {
	required    bool
	targets     []*target
	compiler    *compiler
	compilerErr error
}

// newBootEnv reads the environment of the boot tests, or skips t.
func newBootEnv(t *testing.T) *bootEnv {
	t.Helper()

	mode := os.Getenv(envBootTests)

	switch mode {
	case "", "require":
	case "off":
		t.Skipf("%s=off", envBootTests)
	default:
		t.Fatalf("%s=%q: want require, off or unset", envBootTests, mode)
	}

	e := &bootEnv{required: mode == "require"}

	if testing.Short() && !e.required {
		t.Skip("boot tests do not run with -short")
	}

	var err error

	if e.targets, err = findTargets(os.Getenv(envTargets)); err != nil {
		t.Fatalf("%s: %v", envTargets, err)
	}

	root, err := moduleRoot()
	if err != nil {
		t.Fatal(err)
	}

	e.compiler, e.compilerErr = findCompiler(root, false, io.Discard)

	return e
}

// unavailable fails or skips a test that cannot run, saying why.
func (e *bootEnv) unavailable(t *testing.T, format string, args ...any) {
	t.Helper()

	msg := fmt.Sprintf(format, args...)

	if e.required {
		t.Fatalf("%s\n(a failure because %s=require)", msg, envBootTests)
	}

	t.Skipf("%s\n(set %s=require to make this a failure)", msg, envBootTests)
}

// build builds pkg for target tg with the extra build tags, into a
// temporary directory, and returns the ELF; it calls unavailable when the
// compiler, QEMU or the build is missing.
func (e *bootEnv) build(t *testing.T, tg *target, pkg string, tags ...string) string {
	t.Helper()
	return e.buildOverlay(t, tg, pkg, nil, tags...)
}

// buildOverlay is build with files added to pkg for this build only
// (go build -overlay): extra maps a file name to its Go source.
func (e *bootEnv) buildOverlay(t *testing.T, tg *target, pkg string, extra map[string]string, tags ...string) string {
	t.Helper()

	if e.compilerErr != nil {
		e.unavailable(t, "%s: no TamaGo compiler: %v", tg.Name, e.compilerErr)
	}
	if err := haveQEMU(tg); err != nil {
		e.unavailable(t, "%s: %v", tg.Name, err)
	}

	bt := *tg
	bt.Tags = append(append([]string(nil), tg.Tags...), tags...)

	dir := t.TempDir()
	elf := filepath.Join(dir, "kernel.elf")

	var log bytes.Buffer
	var err error

	if len(extra) == 0 {
		err = e.compiler.build(&bt, pkg, elf, &log)
	} else {
		err = buildWithOverlay(e.compiler, &bt, pkg, elf, extra, &log)
	}
	if err != nil {
		e.unavailable(t, "%s: %s (tags %v) does not build: %v\n%s", tg.Name, pkg, bt.Tags, err, log.String())
	}

	return elf
}

// buildWithOverlay builds pkg for tg into elf (in a directory of its own)
// with the files of extra added to the package through go build -overlay.
func buildWithOverlay(c *compiler, tg *target, pkg, elf string, extra map[string]string, log io.Writer) error {
	dir := filepath.Dir(elf)
	src, err := filepath.Abs(filepath.Join(c.Root, pkg))
	if err != nil {
		return err
	}

	replace := map[string]string{}
	for name, text := range extra {
		file := filepath.Join(dir, name)
		if err := os.WriteFile(file, []byte(text), 0o644); err != nil {
			return err
		}
		replace[filepath.Join(src, name)] = file
	}

	overlay := filepath.Join(dir, "overlay.json")
	b, err := json.Marshal(map[string]any{"Replace": replace})
	if err != nil {
		return err
	}
	if err := os.WriteFile(overlay, b, 0o644); err != nil {
		return err
	}

	args := slices.Insert(tg.buildArgs(pkg, elf), 1, "-overlay", overlay)
	if err := c.command(tg, args, log, log).Run(); err != nil {
		return fmt.Errorf("%s: building %s with %s: %v", tg.Name, pkg, overlay, err)
	}

	return writeFiles(tg, dir)
}

// smpCounts returns the CPU counts of bootSMP that target tg runs.
func smpCounts(tg *target) (smps []int) {
	for _, smp := range bootSMP {
		if smp <= tg.MaxSMP {
			smps = append(smps, smp)
		}
	}
	return
}

// TestBoot is the boot matrix: it builds the kernel once per target, boots
// it with each CPU count of bootSMP, and checks the output contract, the
// exit code and the ELF region symbols. A hang or a failure is reported
// with the target, the CPU count and the last console line.
func TestBoot(t *testing.T) {
	env := newBootEnv(t)

	pkg := os.Getenv(envPkg)
	if pkg == "" {
		pkg = "./kernel"
	}

	for _, tg := range env.targets {
		t.Run(tg.Name, func(t *testing.T) {
			t.Parallel()

			elf := env.build(t, tg, pkg)

			for _, smp := range smpCounts(tg) {
				t.Run(fmt.Sprintf("smp=%d", smp), func(t *testing.T) {
					testBoot(t, tg, smp, elf)
				})
			}
		})
	}
}

// TestExampleMinimal boots the second kernel of the template,
// examples/minimal, on every target with 4 CPUs, with the checks of
// TestBoot: it prints the same output contract.
func TestExampleMinimal(t *testing.T) {
	env := newBootEnv(t)

	for _, tg := range env.targets {
		t.Run(tg.Name, func(t *testing.T) {
			t.Parallel()

			elf := env.build(t, tg, "./examples/minimal")
			testBoot(t, tg, min(4, tg.MaxSMP), elf)
		})
	}
}

// tooBig is a file that, added to a kernel's main package, defines a
// per-CPU variable larger than an area: InitInPlace then fails.
const tooBig = `//go:build tamago

package main

import (
	"github.com/tamago-smp/kernel/linker"
	"github.com/tamago-smp/kernel/percpu"
)

var tooBig = percpu.Define([linker.RegionSize]byte{})
`

// TestLibraryError boots the demo kernel and examples/minimal with a
// per-CPU variable too large for an area: each must print the library's
// error once (not "percpu: percpu: ..."), which the output contract does
// not take for its header, and fail with a non-zero exit code.
func TestLibraryError(t *testing.T) {
	env := newBootEnv(t)
	tg := env.targets[0]

	for _, pkg := range []string{"./kernel", "./examples/minimal"} {
		t.Run(pkg, func(t *testing.T) {
			t.Parallel()

			elf := env.buildOverlay(t, tg, pkg, map[string]string{"zz_toobig.go": tooBig})
			res, took, runErr := bootOnce(t, tg, 1, elf)

			var errs []error
			bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }

			switch {
			case runErr != nil:
				bad("%v", runErr)
			case res.Code == 0:
				bad("kernel exit code 0, want non-zero: its per-CPU variables do not fit")
			}

			if !hasLine(res.Lines, regexp.MustCompile(`^percpu: 1 CPU needs \d+ bytes`)) {
				bad("no line `percpu: 1 CPU needs <n> bytes ...`")
			}
			if hasLine(res.Lines, regexp.MustCompile(`^percpu: percpu:`)) {
				bad("the library's error printed with a second percpu: prefix")
			}

			_, cerrs := checkConsole(res.Lines, expectFor(tg, 1))
			for _, err := range cerrs {
				if strings.Contains(err.Error(), "malformed") {
					bad("the contract check took the error for its header: %v", err)
				}
			}

			if len(errs) == 0 {
				t.Logf("%s %s: exit code %d, %q", tg.Name, pkg, res.Code, res.Last)
				return
			}
			report(t, tg, 1, res, took, errs)
		})
	}
}

// regionCPUs is examples/region RegionCPUs: the per-CPU areas it has.
const regionCPUs = 4

// TestRegionParked boots examples/region, whose caller-provided region
// holds regionCPUs per-CPU areas, with more CPUs than that: the extra CPUs
// must stay parked (never woken: no online line, boot.Start checked they
// are not online) and be reported with both sizes, and the others must boot
// and pass.
func TestRegionParked(t *testing.T) {
	env := newBootEnv(t)

	for _, tg := range env.targets {
		t.Run(tg.Name, func(t *testing.T) {
			t.Parallel()

			smp := min(8, tg.MaxSMP)
			if smp <= regionCPUs {
				t.Skipf("%s runs at most %d CPUs, not more than the %d areas", tg.Name, tg.MaxSMP, regionCPUs)
			}

			elf := env.build(t, tg, "./examples/region")
			res, took, runErr := bootOnce(t, tg, smp, elf)

			var errs []error
			bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }

			switch {
			case runErr != nil:
				bad("%v", runErr)
			case res.Code != 0:
				bad("kernel exit code %d, want 0", res.Code)
			}

			var online []int
			for _, l := range res.Lines {
				if m := onlineLine.FindStringSubmatch(l); m != nil {
					id, _ := strconv.Atoi(m[1])
					online = append(online, id)
				}
			}

			if len(online) != regionCPUs {
				bad("%d CPUs online (%v), want %d: one per area", len(online), online, regionCPUs)
			}
			for _, id := range online {
				if id >= regionCPUs {
					bad("cpu %d online, but it has no area: it must stay parked", id)
				}
			}

			parked := make([]string, 0, smp-regionCPUs)
			for cpu := regionCPUs; cpu < smp; cpu++ {
				parked = append(parked, strconv.Itoa(cpu))
			}

			for _, want := range []*regexp.Regexp{
				regexp.MustCompile(fmt.Sprintf(`^boot: cpus %d\.\.%d present but left parked: only %d per-CPU areas of \d+ bytes \(\d+ bytes\), %d CPUs need \d+ bytes$`,
					regionCPUs, smp-1, regionCPUs, smp)),
				regexp.MustCompile(`^parked: cpus ` + strings.Join(parked, ",") + `$`),
				regexp.MustCompile(fmt.Sprintf(`^selftest: %d passed, 0 failed$`, regionCPUs)),
			} {
				if !hasLine(res.Lines, want) {
					bad("no line matching %s", want)
				}
			}

			report(t, tg, smp, res, took, errs)
		})
	}
}

// hasLine reports whether a line of lines matches re.
func hasLine(lines []string, re *regexp.Regexp) bool {
	for _, l := range lines {
		if re.MatchString(l) {
			return true
		}
	}
	return false
}

// bootOnce boots elf on target tg with smp CPUs, in one of the qemuSlots,
// ending before the test's deadline.
func bootOnce(t *testing.T, tg *target, smp int, elf string) (res *result, took time.Duration, err error) {
	t.Helper()

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
	res, err = b.run(context.Background())

	return res, time.Since(start).Round(time.Millisecond), err
}

// testBoot boots elf on target tg with smp CPUs and checks the output
// contract, the exit code and the ELF symbols.
func testBoot(t *testing.T, tg *target, smp int, elf string) {
	res, took, runErr := bootOnce(t, tg, smp, elf)

	con, errs := checkBoot(res, runErr, expectFor(tg, smp))
	errs = append(errs, checkELF(elf, con)...)

	report(t, tg, smp, res, took, errs)
}

// report logs a boot that passed, or fails t with every error, a summary
// naming the target, the CPU count and the last console line, and the
// console.
func report(t *testing.T, tg *target, smp int, res *result, took time.Duration, errs []error) {
	t.Helper()

	if len(errs) == 0 {
		t.Logf("%s SMP=%d: OK, exit code %d, %d lines in %v", tg.Name, smp, res.Code, len(res.Lines), took)
		return
	}

	for _, err := range errs {
		t.Error(err)
	}

	t.Errorf("%s SMP=%d: failed after %v (QEMU status %d); last line: %q", tg.Name, smp, took, res.Status, res.Last)
	t.Logf("console:\n%s", strings.Join(res.Lines, "\n"))

	if res.Stderr != "" {
		t.Logf("QEMU stderr:\n%s", res.Stderr)
	}
}
