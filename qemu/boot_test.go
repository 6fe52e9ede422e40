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
	"sync"
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

	// envSMP replaces the CPU counts of TestBoot, a comma-separated list
	// (make soak).
	envSMP = "PERCPU_SMP"
)

// bootSMP are the CPU counts of the boot matrix: every target boots the
// demo kernel with each of them.
var bootSMP = []int{1, 2, 3, 4, 8}

// qemuSlots bounds the QEMU processes the boot tests run at once: the
// reference host has 2 cores and TCG runs one host thread per vCPU.
var qemuSlots = make(chan struct{}, 2)

// builds holds the kernels built by the boot tests, by target, package and
// tags, so that every test and every run of go test -count boots the same
// ELF; buildDir is their directory, removed by TestMain.
var (
	buildMu  sync.Mutex
	builds   = map[string]*kernelBuild{}
	buildDir string
)

type kernelBuild struct {
	once sync.Once
	elf  string
	err  error
}

func TestMain(m *testing.M) {
	var err error
	if buildDir, err = os.MkdirTemp("", "qemu-test-"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	code := m.Run()
	os.RemoveAll(buildDir)
	os.Exit(code)
}

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

	switch mode := os.Getenv(envBootTests); mode {
	case "", "require":
	case "off":
		t.Skipf("%s=off", envBootTests)
	default:
		t.Fatalf("%s=%q: want require, off or unset", envBootTests, mode)
	}

	e := &bootEnv{required: os.Getenv(envBootTests) == "require"}
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

// build builds pkg for target tg with the extra build tags, once per test
// binary, and returns the ELF; extra maps
// file names to Go source added to pkg (go build -overlay). It calls
// unavailable when the compiler, QEMU or the build is missing.
func (e *bootEnv) build(t *testing.T, tg *target, pkg string, extra map[string]string, tags ...string) string {
	t.Helper()

	if e.compilerErr != nil {
		e.unavailable(t, "%s: no TamaGo compiler: %v", tg.Name, e.compilerErr)
	}
	if err := haveQEMU(tg); err != nil {
		e.unavailable(t, "%s: %v", tg.Name, err)
	}

	bt := tg.withTags(strings.Join(tags, ","))
	key := fmt.Sprint(tg.Name, pkg, bt.Tags, extra)
	buildMu.Lock()
	kb := builds[key]
	if kb == nil {
		kb = &kernelBuild{elf: filepath.Join(buildDir, strconv.Itoa(len(builds)), "kernel.elf")}
		builds[key] = kb
	}
	buildMu.Unlock()

	var log bytes.Buffer
	kb.once.Do(func() {
		var flags []string
		if len(extra) > 0 {
			flags, kb.err = overlay(e.compiler.Root, pkg, filepath.Dir(kb.elf), extra)
		}
		if kb.err == nil {
			kb.err = e.compiler.build(bt, pkg, kb.elf, &log, flags...)
		}
	})
	if kb.err != nil {
		e.unavailable(t, "%s: %s (tags %v): %v\n%s", tg.Name, pkg, bt.Tags, kb.err, log.String())
	}
	return kb.elf
}

// overlay writes the files of extra into dir and returns the go build
// flags that add them to pkg.
func overlay(root, pkg, dir string, extra map[string]string) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	replace := map[string]string{}
	for name, text := range extra {
		file := filepath.Join(dir, name)
		if err := os.WriteFile(file, []byte(text), 0o644); err != nil {
			return nil, err
		}
		replace[filepath.Join(root, pkg, name)] = file
	}
	b, _ := json.Marshal(map[string]any{"Replace": replace})
	file := filepath.Join(dir, "overlay.json")
	return []string{"-overlay", file}, os.WriteFile(file, b, 0o644)
}

// smpCounts returns the CPU counts TestBoot boots: bootSMP, or $PERCPU_SMP.
func smpCounts(t *testing.T) []int {
	v := os.Getenv(envSMP)
	if v == "" {
		return bootSMP
	}
	l, err := cpuList(v)
	if err != nil || len(l) == 0 {
		t.Fatalf("%s=%q: want CPU counts, comma separated (%v)", envSMP, v, err)
	}
	return l
}

// TestBoot is the boot matrix: it boots the demo kernel on every target with
// each CPU count of bootSMP. The verdict is the kernel's exit status (its
// self-checks and the output contract, asserted by the kernel itself); a
// hang or a failure is reported with the target, the CPU count and the
// console. The ELF's per-CPU region symbols are checked too. make soak runs it go test -count times.
func TestBoot(t *testing.T) {
	env := newBootEnv(t)
	smps := smpCounts(t)

	for _, tg := range env.targets {
		t.Run(tg.Name, func(t *testing.T) {
			t.Parallel()
			elf := env.build(t, tg, "./kernel", nil)
			if err := checkELF(elf); err != nil {
				t.Error(err)
			}
			for _, smp := range smps {
				t.Run(fmt.Sprintf("smp=%d", smp), func(t *testing.T) {
					res := bootOnce(t, tg, qemuOpts{SMP: strconv.Itoa(smp)}, elf)
					expect(t, tg, res, 0)
				})
			}
		})
	}
}

// TestExampleMinimal boots the second kernel of the template,
// examples/minimal, on every target with 4 CPUs: it must exit 0, and its
// ELF must hold the per-CPU region.
func TestExampleMinimal(t *testing.T) {
	env := newBootEnv(t)

	for _, tg := range env.targets {
		t.Run(tg.Name, func(t *testing.T) {
			t.Parallel()
			elf := env.build(t, tg, "./examples/minimal", nil)
			if err := checkELF(elf); err != nil {
				t.Error(err)
			}
			expect(t, tg, bootOnce(t, tg, qemuOpts{SMP: "4"}, elf), 0)
		})
	}
}

// tooBig is a file that, added to a kernel's main package, defines a
// per-CPU variable larger than an area: InitInPlace then fails.
var tooBig = strings.ReplaceAll(`//go:build tamago

package main

import (
	"MODULE/linker"
	"MODULE/percpu"
)

var tooBig = percpu.Define([linker.RegionSize]byte{})
`, "MODULE", modulePath)

// TestLibraryError boots the demo kernel and examples/minimal with a
// per-CPU variable too large for an area: each must print the library's
// error once (not "percpu: percpu: ...") and fail with a non-zero exit code.
func TestLibraryError(t *testing.T) {
	env := newBootEnv(t)
	tg := env.targets[0]

	for _, pkg := range []string{"./kernel", "./examples/minimal"} {
		t.Run(pkg, func(t *testing.T) {
			t.Parallel()
			elf := env.build(t, tg, pkg, map[string]string{"zz_toobig.go": tooBig})
			res := bootOnce(t, tg, qemuOpts{SMP: "1"}, elf)
			expect(t, tg, res, -1, `^percpu: 1 CPU needs \d+ bytes`)
			if hasLine(res.Lines, `^percpu: percpu:`) {
				t.Errorf("the library's error printed with a second percpu: prefix")
			}
		})
	}
}

// areasLine is the kernel's percpu: line, which ends with the number of
// per-CPU areas.
var areasLine = regexp.MustCompile(`^percpu: .* areas=([0-9]+)$`)

// onlineLine is the `cpu <id> online: <register>=0x<base> ...` line of a
// CPU the kernel brought up.
var onlineLine = regexp.MustCompile(`^cpu ([0-9]+) online: [a-z0-9_]+=0x([0-9a-f]+)`)

// TestRegionParked boots examples/region, whose caller-provided region
// holds fewer per-CPU areas (its percpu: line says how many) than 8 CPUs:
// the extra CPUs must stay parked (never woken: no online line) and be
// reported with both sizes, and the others must boot and pass.
func TestRegionParked(t *testing.T) {
	env := newBootEnv(t)
	const smp = 8

	for _, tg := range env.targets {
		t.Run(tg.Name, func(t *testing.T) {
			t.Parallel()
			elf := env.build(t, tg, "./examples/region", nil)
			res := bootOnce(t, tg, qemuOpts{SMP: strconv.Itoa(smp)}, elf)

			var online []int
			areas := 0
			for _, l := range res.Lines {
				if m := onlineLine.FindStringSubmatch(l); m != nil {
					id, _ := strconv.Atoi(m[1])
					online = append(online, id)
				}
				if m := areasLine.FindStringSubmatch(l); m != nil {
					areas, _ = strconv.Atoi(m[1])
				}
			}
			if areas < 1 || areas >= smp {
				t.Fatalf("percpu: line gives %d areas, want 1 to %d: some of the %d CPUs must stay parked", areas, smp-1, smp)
			}
			var want []int
			var parked []string
			for cpu := range smp {
				if cpu < areas {
					want = append(want, cpu)
				} else {
					parked = append(parked, strconv.Itoa(cpu))
				}
			}
			slices.Sort(online)
			if !slices.Equal(online, want) {
				t.Errorf("CPUs %v online, want %v: one per area, the others parked", online, want)
			}
			expect(t, tg, res, 0,
				fmt.Sprintf(`^boot: cpus %d\.\.%d present but left parked: only %d per-CPU areas of \d+ bytes \(\d+ bytes\), %d CPUs need \d+ bytes$`,
					areas, smp-1, areas, smp),
				fmt.Sprintf(`^parked: cpus %s$`, strings.Join(parked, ",")),
				fmt.Sprintf(`^selftest: %d passed, 0 failed$`, areas))
		})
	}
}

// hasLine reports whether a line of lines matches the regular expression.
func hasLine(lines []string, re string) bool {
	return slices.ContainsFunc(lines, regexp.MustCompile(re).MatchString)
}

// A boot test's result: the boot's and how it went.
type testResult struct {
	*result
	opts qemuOpts
	err  error
	took time.Duration
}

// bootOnce boots elf on target tg, in one of the qemuSlots, ending before
// the test's deadline.
func bootOnce(t *testing.T, tg *target, o qemuOpts, elf string) testResult {
	t.Helper()
	smp, err := parseSMP(o.SMP)
	if err != nil {
		t.Fatal(err)
	}
	if len(tg.CPUs) > 0 && !slices.Contains(tg.CPUs, smp) {
		t.Skipf("%s: the machine takes %v CPUs, not %d", tg.Name, tg.CPUs, smp)
	}

	qemuSlots <- struct{}{}
	defer func() { <-qemuSlots }()

	// End before the test binary's own deadline, so that a hung boot is
	// reported with its last line instead of a panic.
	timeout := tg.Timeout(smp)
	if d, ok := t.Deadline(); ok {
		timeout = min(timeout, time.Until(d)-10*time.Second)
	}
	if timeout <= 0 {
		t.Fatalf("%s SMP=%d: no time left before the test deadline (go test -timeout)", tg.Name, smp)
	}

	b := &boot{Target: tg, SMP: smp, ELF: elf, Opts: o, Timeout: timeout}
	start := time.Now()
	res, err := b.run(context.Background())
	if err == nil && hasLine(res.Lines, `^`+extraM) {
		// the runtime's extra M (docs/RELIABILITY.md): once more
		t.Logf("%s SMP=%d: %q: booting once more", tg.Name, smp, extraM)
		start = time.Now()
		res, err = b.run(context.Background())
	}
	return testResult{res, o, err, time.Since(start).Round(time.Millisecond)}
}

// extraM starts the line of a kernel whose runtime asked for more Ms than
// there are CPUs, a race of the Go scheduler that boot refuses (exit 2).
const extraM = "boot: the runtime asked for M number "

// expect checks a boot: it must end with the kernel exit code want (-1: any
// code but 0) and print a line matching each of lines; otherwise the test
// fails naming the target, the options and the last line, with the console.
func expect(t *testing.T, tg *target, r testResult, want int, lines ...string) {
	t.Helper()

	var errs []string
	switch {
	case r.err != nil:
		errs = append(errs, r.err.Error())
	case want < 0 && r.Code == 0:
		errs = append(errs, "kernel exit code 0, want non-zero")
	case want >= 0 && r.Code != want:
		errs = append(errs, fmt.Sprintf("kernel exit code %d, want %d", r.Code, want))
	}
	for _, l := range lines {
		if !hasLine(r.Lines, l) {
			errs = append(errs, "no line matching "+l)
		}
	}

	what := fmt.Sprintf("%s -smp %s", tg.Name, r.opts.SMP)
	if r.opts.Machine != "" {
		what += " -machine-opts " + r.opts.Machine
	}
	if r.opts.Append != "" {
		what += fmt.Sprintf(" -append %q", r.opts.Append)
	}
	if len(r.opts.Extra) > 0 {
		what += " " + strings.Join(r.opts.Extra, " ")
	}
	if len(errs) == 0 && !t.Failed() {
		t.Logf("%s: exit code %d, %d lines in %v; last line %q", what, r.Code, len(r.Lines), r.took, r.Last)
		return
	}
	for _, e := range errs {
		t.Error(e)
	}
	t.Errorf("%s: failed after %v (QEMU status %d); last line: %q\nconsole:\n%s", what, r.took, r.Status, r.Last, strings.Join(r.Lines, "\n"))
	if r.Stderr != "" {
		t.Logf("QEMU stderr:\n%s", r.Stderr)
	}
}
