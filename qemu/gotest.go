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
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
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

// kernelArgs returns the test flags that reach the kernel.
func kernelArgs(args []string) (kept []string) {
	for _, a := range args {
		if !slices.ContainsFunc(testFlagsDropped, func(p string) bool { return strings.HasPrefix(a, p) }) {
			kept = append(kept, a)
		}
	}
	return
}

// testTimeout returns the -test.timeout of args, 0 if none.
func testTimeout(args []string) time.Duration {
	for _, a := range args {
		if v, ok := strings.CutPrefix(a, "-test.timeout="); ok {
			d, _ := time.ParseDuration(v)
			return d
		}
	}
	return 0
}

// defaultTestTimeout is go test's own default -timeout.
const defaultTestTimeout = 10 * time.Minute

// execCmd is `qemu exec`, the go test -exec runner: it boots the test
// binary as the kernel of a target with the test flags on its command line,
// streams the console to stdout and exits with the kernel's exit code.
func execCmd(args []string) (int, error) {
	fs := flags("exec", "-target name [-smp n|spec] [-append cmdline] [-timeout d] test-binary [test flags]")
	name := fs.String("target", "", "target to boot ("+strings.Join(targetNames(), ", ")+")")
	smp := fs.String("smp", "4", "number of CPUs, or a QEMU -smp spec")
	appendLine := fs.String("append", "", "kernel command line before the test flags")
	timeout := fs.Duration("timeout", 0, "boot timeout (default: the target's plus -test.timeout, or 10m)")

	if err := fs.Parse(args); err != nil {
		return 0, err
	}
	if fs.NArg() == 0 {
		return 0, errors.New("exec: no test binary")
	}
	if *name == "" {
		return 0, errors.New("exec: -target is required")
	}

	t, err := findTarget(*name)
	if err != nil {
		return 0, err
	}
	n, err := parseSMP(*smp)
	if err != nil {
		return 0, err
	}
	if err := t.checkSMP(n); err != nil {
		return 0, err
	}

	elf, testArgs := fs.Arg(0), kernelArgs(fs.Args()[1:])

	line, err := kerneltest.Cmdline(*appendLine, testArgs)
	if err != nil {
		return 0, err
	}

	if err := writeFiles(t, filepath.Dir(elf)); err != nil {
		return 0, err
	}
	if err := ensureQEMU(t, os.Stderr); err != nil {
		return 0, err
	}

	b := &boot{
		Target:  t,
		SMP:     n,
		ELF:     elf,
		Opts:    qemuOpts{SMP: *smp, Append: line},
		Timeout: *timeout,
		Console: os.Stdout,
		Stderr:  os.Stderr,
	}

	if b.Timeout == 0 {
		d := testTimeout(testArgs)
		if d == 0 {
			d = defaultTestTimeout
		}
		b.Timeout = t.Timeout(n) + d
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	res, err := b.run(ctx)
	if err != nil {
		return 1, err
	}

	return res.Code, nil
}

// testCmd is `qemu test`: the TamaGo go test of packages for a target, each
// test binary booted by `qemu exec` with -smp CPUs. Arguments after the
// flags (packages, go test flags such as -run, -v, -count, -bench) go to go
// test.
func testCmd(args []string) (int, error) {
	fs := flags("test", "-target name [-smp n|spec] [-append cmdline] [-tags list] [--] [go test flags] packages")
	name := fs.String("target", "", "target to test on ("+strings.Join(targetNames(), ", ")+")")
	smp := fs.String("smp", "4", "number of CPUs, or a QEMU -smp spec")
	appendLine := fs.String("append", "", "kernel command line before the test flags")
	tags := fs.String("tags", "", "extra build tags, comma separated")

	if err := fs.Parse(args); err != nil {
		return 0, err
	}
	if *name == "" {
		return 0, errors.New("test: -target is required")
	}

	t, err := findTarget(*name)
	if err != nil {
		return 0, err
	}
	t = t.withTags(*tags)

	n, err := parseSMP(*smp)
	if err != nil {
		return 0, err
	}
	if err := t.checkSMP(n); err != nil {
		return 0, err
	}

	self, err := os.Executable()
	if err != nil {
		return 0, err
	}

	root, err := moduleRoot()
	if err != nil {
		return 0, err
	}

	c, err := findCompiler(root, true, os.Stderr)
	if err != nil {
		return 0, err
	}

	if err := ensureQEMU(t, os.Stderr); err != nil {
		return 0, err
	}

	goArgs := t.testArgs(execLine(self, t.Name, *smp, *appendLine), fs.Args())
	fmt.Fprintf(os.Stderr, "qemu: %s\n", commandLine(t, "$TAMAGO", goArgs))

	cmd := c.command(t, goArgs, os.Stdout, os.Stderr)
	cmd.Stdin = nil

	err = cmd.Run()
	if cmd.ProcessState != nil && cmd.ProcessState.Exited() {
		return cmd.ProcessState.ExitCode(), nil
	}

	return 1, err
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
