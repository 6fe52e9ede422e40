// QEMU host harness
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build !tamago

package main

import (
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// baremetalPkgs are the packages whose own tests run inside the kernel.
var baremetalPkgs = []string{"./percpu", "./boot"}

// harness builds this program, for `qemu test` to name in go test -exec.
func harness(t *testing.T) string {
	t.Helper()

	exe := filepath.Join(t.TempDir(), "qemu")
	if out, err := exec.Command("go", "build", "-o", exe, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build -o %s .: %v\n%s", exe, err, out)
	}

	return exe
}

// goTest runs `qemu test` for target tg with 4 CPUs and args, from the
// module root, and returns its output and exit code.
func goTest(t *testing.T, exe string, tg *target, args ...string) (string, int) {
	t.Helper()

	qemuSlots <- struct{}{}
	defer func() { <-qemuSlots }()

	cmd := exec.Command(exe, append([]string{"test", "-target", tg.Name, "-smp", "4", "--"}, args...)...)
	cmd.Dir = ".."
	out, err := cmd.CombinedOutput()
	if cmd.ProcessState == nil {
		t.Fatalf("%s: %v", exe, err)
	}
	return string(out), cmd.ProcessState.ExitCode()
}

// TestGoTestInKernel runs the tests of percpu and boot inside the kernel of
// every target, on 4 real CPUs (make test-<target>): go test must print ok
// for both, and the -v output that shows the test flags reached the kernel
// through its command line.
func TestGoTestInKernel(t *testing.T) {
	env := newBootEnv(t)
	if env.compilerErr != nil {
		env.unavailable(t, "no TamaGo compiler: %v", env.compilerErr)
	}

	exe := harness(t)

	for _, tg := range env.targets {
		t.Run(tg.Name, func(t *testing.T) {
			t.Parallel()

			if err := haveQEMU(tg); err != nil {
				env.unavailable(t, "%s: %v", tg.Name, err)
			}

			// -timeout: a test that hangs inside the kernel panics
			// with every goroutine's stack well before the boot's own
			// timeout (the target's plus this)
			args := []string{"-count=1", "-v", "-timeout", "3m"}

			out, code := goTest(t, exe, tg, append(args, baremetalPkgs...)...)

			for _, pkg := range baremetalPkgs {
				ok := regexp.MustCompile(`(?m)^ok  \t` + regexp.QuoteMeta(modulePath+"/"+strings.TrimPrefix(pkg, "./")) + `\t`)
				if !ok.MatchString(out) {
					t.Errorf("%s: no `ok` line for %s", tg.Name, pkg)
				}
			}
			if !strings.Contains(out, "=== RUN   TestAdd\n") {
				t.Errorf("%s: no `=== RUN   TestAdd` line: -v did not reach the kernel command line", tg.Name)
			}
			if code != 0 {
				t.Errorf("%s: exit code %d, want 0", tg.Name, code)
			}
			if t.Failed() {
				t.Logf("output:\n%s", out)
			}
		})
	}
}

// brokenTest is a test file added to percpu for one run (go test
// -overlay): a deliberately broken assertion.
const brokenTest = `package percpu_test

import "testing"

func TestDeliberatelyBroken(t *testing.T) {
	if got := 1 + 1; got != 3 {
		t.Errorf("deliberately broken: 1+1 = %d, want 3", got)
	}
}
`

// TestGoTestInKernelFails checks, on the first target, that a failing
// test inside the kernel fails go test with its message and a non-zero
// status, and that -run and -count reach the test binary.
func TestGoTestInKernelFails(t *testing.T) {
	env := newBootEnv(t)
	if env.compilerErr != nil {
		env.unavailable(t, "no TamaGo compiler: %v", env.compilerErr)
	}

	tg := env.targets[0]
	if err := haveQEMU(tg); err != nil {
		env.unavailable(t, "%s: %v", tg.Name, err)
	}

	exe := harness(t)

	root, _ := filepath.Abs("..")
	flags, err := overlay(root, "./percpu", t.TempDir(), map[string]string{"zz_broken_test.go": brokenTest})
	if err != nil {
		t.Fatal(err)
	}

	out, code := goTest(t, exe, tg, "-timeout", "3m", flags[0], flags[1], "-run", "TestDeliberatelyBroken|TestAdd", "-count", "2", "-v", "./percpu")

	if code == 0 {
		t.Errorf("%s: exit code 0 with a failing test, want non-zero", tg.Name)
	}

	for _, want := range []string{
		"deliberately broken: 1+1 = 2, want 3",
		"--- FAIL: TestDeliberatelyBroken",
		"FAIL\t" + modulePath + "/percpu",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("%s: output lacks %q", tg.Name, want)
		}
	}

	// -run selects two tests, -count runs each twice
	for name, want := range map[string]int{"TestAdd": 2, "TestDeliberatelyBroken": 2, "TestRemote": 0} {
		if n := strings.Count(out, "=== RUN   "+name+"\n"); n != want {
			t.Errorf("%s: %d runs of %s, want %d (-run, -count)", tg.Name, n, name, want)
		}
	}

	if t.Failed() {
		t.Logf("output:\n%s", out)
	}
}

// TestGoTestArgs checks the -exec line of `qemu test` and what `qemu exec`
// passes to the kernel.
func TestGoTestArgs(t *testing.T) {
	exec := execLine("/c/qemu dir/qemu", "aarch64-el2", "4,sockets=2", "boot.degraded x")
	if want := `"/c/qemu dir/qemu" exec -target aarch64-el2 -smp 4,sockets=2 -append "boot.degraded x"`; exec != want {
		t.Errorf("execLine = %s, want %s", exec, want)
	}

	args, timeout := kernelArgs([]string{"-test.paniconexit0", "-test.timeout=3m0s", "-test.testlogfile=/tmp/x/testlog.txt",
		"-test.v=true", "-test.gocoverdir=/tmp/c", "-test.run=TestA"})
	if want := []string{"-test.paniconexit0", "-test.timeout=3m0s", "-test.v=true", "-test.run=TestA"}; !slices.Equal(args, want) {
		t.Errorf("kernel args %q, want %q (no host files)", args, want)
	}
	if _, d := kernelArgs(nil); timeout.String() != "3m0s" || d.String() != "10m0s" {
		t.Errorf("timeouts %v and %v, want -test.timeout's 3m0s and go test's default 10m0s", timeout, d)
	}
}
