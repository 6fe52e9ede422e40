// QEMU host harness
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build !tamago

package main

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tamago-smp/kernel/internal/kerneltest"
)

// Package tests inside the kernel. `qemu test` runs the TamaGo go test with
// the build flags of a target and `-exec` pointing back at this program's
// `exec` command, which boots each test binary as the kernel on the
// target's QEMU line and passes the test flags on the kernel command line
// (package internal/kerneltest reads them back).

// testFlagsDropped are test flags that name host files: the kernel has no
// file system, and the testing package exits when it cannot create them.
var testFlagsDropped = []string{"-test.testlogfile=", "-test.gocoverdir=", "-test.coverprofile=",
	"-test.cpuprofile=", "-test.memprofile=", "-test.blockprofile=", "-test.mutexprofile=",
	"-test.trace=", "-test.outputdir="}

// kernelArgs returns the test flags that reach the kernel, and the boot
// timeout they need beyond the target's: -test.timeout, or go test's
// default 10m.
func kernelArgs(args []string) (kept []string, timeout time.Duration) {
	timeout = 10 * time.Minute
	for _, a := range args {
		if v, ok := strings.CutPrefix(a, "-test.timeout="); ok {
			if d, err := time.ParseDuration(v); err == nil && d > 0 {
				timeout = d
			}
		}
		if !slices.ContainsFunc(testFlagsDropped, func(p string) bool { return strings.HasPrefix(a, p) }) {
			kept = append(kept, a)
		}
	}
	return
}

// execCmd is `qemu exec`, the go test -exec runner: it boots the test
// binary as the kernel of a target with the test flags on its command line,
// streams the console to stdout and exits with the kernel's exit code.
func execCmd(ctx context.Context, args []string) (int, error) {
	fs := flags("exec", "-target name [-smp n|spec] [-append cmdline] [-timeout d] test-binary [test flags]")
	tf := addTargetFlags(fs)
	timeout := fs.Duration("timeout", 0, "boot timeout (default: the target's plus -test.timeout, or 10m)")
	fs.Parse(args)

	if fs.NArg() == 0 {
		return 0, errors.New("exec: no test binary")
	}
	t, n, err := tf.target()
	if err != nil {
		return 0, err
	}
	testArgs, testTimeout := kernelArgs(fs.Args()[1:])
	line, err := kerneltest.Cmdline(*tf.appendLine, testArgs)
	if err != nil {
		return 0, err
	}
	if err := haveQEMU(t); err != nil {
		return 0, err
	}

	b := &boot{Target: t, SMP: n, ELF: fs.Arg(0), Opts: qemuOpts{SMP: *tf.smp, Append: line},
		Timeout: *timeout, Console: os.Stdout, Stderr: os.Stderr}
	if b.Timeout == 0 {
		b.Timeout = t.Timeout(n) + testTimeout
	}
	res, err := b.run(ctx)
	if err != nil {
		return 1, err
	}
	return res.Code, nil
}

// testCmd is `qemu test`: the TamaGo go test of packages for a target, each
// test binary booted by `qemu exec`. Arguments after the flags (packages,
// go test flags such as -run, -v, -count, -bench) go to go test.
func testCmd(args []string) (int, error) {
	fs := flags("test", "-target name [-smp n|spec] [-append cmdline] [-tags list] [--] [go test flags] packages")
	tf := addTargetFlags(fs)
	fs.Parse(args)

	t, _, err := tf.target()
	if err != nil {
		return 0, err
	}
	self, err := os.Executable()
	if err != nil {
		return 0, err
	}
	c, err := rootCompiler()
	if err != nil {
		return 0, err
	}
	if err := haveQEMU(t); err != nil {
		return 0, err
	}

	err = c.run(t, t.goArgs("test", append([]string{"-exec", execLine(self, t.Name, *tf.smp, *tf.appendLine)}, fs.Args()...)...), os.Stdout, os.Stderr)
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return exit.ExitCode(), nil
	}
	return 0, err
}

// execLine is the go test -exec value that runs `qemu exec` for target
// name: words quoted for the go command, which splits it like a shell.
func execLine(self, name, smp, appendLine string) string {
	words := []string{self, "exec", "-target", name, "-smp", smp}
	if appendLine != "" {
		words = append(words, "-append", appendLine)
	}
	for i, w := range words {
		if w == "" || strings.ContainsAny(w, " \t'\"") {
			words[i] = strconv.Quote(w)
		}
	}
	return strings.Join(words, " ")
}
