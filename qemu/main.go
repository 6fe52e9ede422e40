// QEMU host harness
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build !tamago

// Command qemu builds the kernel for each target with the TamaGo compiler,
// boots it under QEMU, decodes the exit status of the exit device, and checks
// the serial output against the output contract. Its target table
// (targets.go) is the only place in the project that holds QEMU command
// lines and kernel build flags.
//
// Usage, from the repository root:
//
//	go run ./qemu build -target x86_64[,aarch64,...|all] [-pkg ./kernel] [-out build/<target>/kernel.elf]
//	go run ./qemu vet [-target all]
//	go run ./qemu run -target x86_64 [-smp 4] [-timeout d] [-build=true] [-check] [-gdb] [-pkg ./kernel] [-out elf]
//	go run ./qemu targets
//
// The compiler is $TAMAGO if set, else the `go tool tamago` wrapper of go.mod.
// run exits with the kernel's exit code, or 1 when the boot times out, the
// exit status cannot be decoded, or -check finds a violation.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

const usage = `usage: go tool qemu <command> [flags]

commands:
  build    build the kernel for one or more targets
  vet      run the TamaGo go vet over the module for one or more targets
  run      build (unless -build=false), boot under QEMU, exit with the kernel's code
  soak     boot each target N times in a row, count passes, failures and hangs
  bench    run the host and in-kernel benchmarks, print bench: lines and ratios
  targets  print the target table (Markdown)

targets: %s
run 'go run ./qemu <command> -h' for the flags of a command.
`

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintf(os.Stderr, usage, strings.Join(targetNames(), ", "))
		os.Exit(2)
	}

	var err error
	code := 0

	switch cmd, args := os.Args[1], os.Args[2:]; cmd {
	case "build":
		err = buildCmd(args)
	case "vet":
		err = vetCmd(args)
	case "run":
		code, err = runCmd(args)
	case "soak":
		code, err = soakCmd(args)
	case "bench":
		code, err = benchCmd(args)
	case "targets":
		fmt.Print(renderTable())
	case "help", "-h", "-help", "--help":
		fmt.Printf(usage, strings.Join(targetNames(), ", "))
	default:
		fmt.Fprintf(os.Stderr, "qemu: unknown command %q\n"+usage, cmd, strings.Join(targetNames(), ", "))
		os.Exit(2)
	}

	if err != nil {
		fmt.Fprintf(os.Stderr, "qemu: %v\n", err)
		if code == 0 {
			code = 1
		}
	}

	os.Exit(code)
}

// flags returns the flag set of a command.
func flags(name, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ExitOnError)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: go run ./qemu %s %s\n", name, synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// parse parses args and rejects positional arguments.
func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%s: unexpected arguments %q", fs.Name(), fs.Args())
	}
	return nil
}

// pkgPath makes a relative package directory given on the command line
// absolute, so that the go command, which runs in the module root, finds it
// from any working directory. Import paths are left alone.
func pkgPath(pkg string) (string, error) {
	if pkg == "." || pkg == ".." || strings.HasPrefix(pkg, "./") || strings.HasPrefix(pkg, "../") {
		return filepath.Abs(pkg)
	}
	return pkg, nil
}

// outPath returns the ELF path: out made absolute if given, else the
// target's build/<name>/kernel.elf in the module root.
func outPath(t *target, root, out string) (string, error) {
	if out == "" {
		return filepath.Join(root, t.ELF()), nil
	}
	return filepath.Abs(out)
}

func buildCmd(args []string) error {
	fs := flags("build", "-target name[,name...|all] [-pkg dir] [-out elf]")
	list := fs.String("target", "", "targets to build, comma separated, or all ("+strings.Join(targetNames(), ", ")+")")
	pkg := fs.String("pkg", "./kernel", "main package to build")
	out := fs.String("out", "", "output ELF (default build/<target>/kernel.elf; one target only)")

	if err := parse(fs, args); err != nil {
		return err
	}
	if *list == "" {
		return errors.New("build: -target is required")
	}

	sel, err := findTargets(*list)
	if err != nil {
		return err
	}
	if *out != "" && len(sel) > 1 {
		return fmt.Errorf("build: -out %s with %d targets, want one", *out, len(sel))
	}

	root, err := moduleRoot()
	if err != nil {
		return err
	}

	p, err := pkgPath(*pkg)
	if err != nil {
		return err
	}

	c, err := findCompiler(root, true, os.Stderr)
	if err != nil {
		return err
	}

	for _, t := range sel {
		elf, err := outPath(t, root, *out)
		if err != nil {
			return err
		}
		if err := c.build(t, p, elf, os.Stderr); err != nil {
			return err
		}
	}

	return nil
}

func vetCmd(args []string) error {
	fs := flags("vet", "[-target name[,name...|all]]")
	list := fs.String("target", "all", "targets to vet for, comma separated, or all")

	if err := parse(fs, args); err != nil {
		return err
	}

	sel, err := findTargets(*list)
	if err != nil {
		return err
	}

	root, err := moduleRoot()
	if err != nil {
		return err
	}

	c, err := findCompiler(root, true, os.Stderr)
	if err != nil {
		return err
	}

	// Targets that share GOARCH and tags vet the same code once; every
	// configuration is vetted even after a failure.
	var errs []error
	done := map[string]bool{}

	for _, t := range sel {
		key := t.GOARCH + " " + strings.Join(t.Tags, ",")
		if done[key] {
			continue
		}
		done[key] = true

		if err := c.vet(t, os.Stderr); err != nil {
			errs = append(errs, err)
		}
	}

	return errors.Join(errs...)
}

func runCmd(args []string) (int, error) {
	fs := flags("run", "-target name [-smp n] [-timeout d] [-build=true] [-check] [-gdb] [-pkg dir] [-out elf]")
	name := fs.String("target", "", "target to boot ("+strings.Join(targetNames(), ", ")+")")
	smp := fs.Int("smp", 4, "number of CPUs")
	timeout := fs.Duration("timeout", 0, "boot timeout (default: the target's, 60s + 15s per CPU; none with -gdb)")
	build := fs.Bool("build", true, "build the kernel first")
	check := fs.Bool("check", false, "check the output contract and the ELF symbols")
	gdb := fs.Bool("gdb", false, "start QEMU with -S -s and wait for gdb on tcp::1234")
	pkg := fs.String("pkg", "./kernel", "main package to build")
	out := fs.String("out", "", "kernel ELF (default build/<target>/kernel.elf)")

	if err := parse(fs, args); err != nil {
		return 0, err
	}
	if *name == "" {
		return 0, errors.New("run: -target is required")
	}

	t, err := findTarget(*name)
	if err != nil {
		return 0, err
	}
	if err := t.checkSMP(*smp); err != nil {
		return 0, err
	}
	if *timeout < 0 {
		return 0, fmt.Errorf("run: -timeout %v is negative", *timeout)
	}

	root, err := moduleRoot()
	if err != nil {
		return 0, err
	}

	elf, err := outPath(t, root, *out)
	if err != nil {
		return 0, err
	}

	if *build {
		p, err := pkgPath(*pkg)
		if err != nil {
			return 0, err
		}
		c, err := findCompiler(root, true, os.Stderr)
		if err != nil {
			return 0, err
		}
		if err := c.build(t, p, elf, os.Stderr); err != nil {
			return 0, err
		}
	} else {
		if _, err := os.Stat(elf); err != nil {
			return 0, fmt.Errorf("run -build=false: %v", err)
		}
		if err := writeFiles(t, filepath.Dir(elf)); err != nil {
			return 0, err
		}
	}

	if err := ensureQEMU(t, os.Stderr); err != nil {
		return 0, err
	}

	b := &boot{
		Target:  t,
		SMP:     *smp,
		ELF:     elf,
		Timeout: *timeout,
		GDB:     *gdb,
		Console: os.Stdout,
		Stderr:  os.Stderr,
	}

	if b.Timeout == 0 && !b.GDB {
		b.Timeout = t.Timeout(b.SMP)
	}

	limit := "no timeout"
	if b.Timeout > 0 {
		limit = "timeout " + b.Timeout.String()
	}
	fmt.Fprintf(os.Stderr, "qemu: %s SMP=%d, %s: %s %s\n", t.Name, b.SMP, limit, t.QEMU, quoteArgs(t.QEMUArgs(b.SMP, elf, b.GDB)))
	if b.GDB {
		fmt.Fprintf(os.Stderr, "qemu: waiting for gdb: target remote localhost:1234 (symbols: %s)\n", elf)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	start := time.Now()
	res, runErr := b.run(ctx)

	if runErr != nil {
		// timeout, interruption or an undecodable exit status: no
		// kernel code to return
		fmt.Fprintf(os.Stderr, "qemu: %v\n", runErr)
	}

	code := res.Code
	if runErr != nil {
		code = 1
	}

	if *check {
		con, errs := checkConsole(res.Lines, expectFor(t, b.SMP))
		if runErr == nil && res.Code != 0 {
			errs = append(errs, fmt.Errorf("kernel exit code %d, want 0", res.Code))
		}
		errs = append(errs, checkELF(elf, con)...)

		if len(errs) > 0 {
			var msg strings.Builder
			fmt.Fprintf(&msg, "%s SMP=%d: the output contract does not hold:", t.Name, b.SMP)
			for _, e := range errs {
				fmt.Fprintf(&msg, "\n  - %v", e)
			}
			if code == 0 {
				code = 1
			}
			return code, errors.New(msg.String())
		}
	}

	if runErr != nil {
		return code, nil
	}

	verdict := ""
	if *check {
		verdict = "output contract OK, "
	}
	fmt.Fprintf(os.Stderr, "qemu: %s SMP=%d: %skernel exit code %d after %v\n",
		t.Name, b.SMP, verdict, res.Code, time.Since(start).Round(time.Millisecond))

	return code, nil
}

// quoteArgs renders arguments for a shell.
func quoteArgs(args []string) string {
	q := make([]string, 0, len(args))

	for _, a := range args {
		if a == "" || strings.ContainsAny(a, " \t\"'$\\") {
			a = strconv.Quote(a)
		}
		q = append(q, a)
	}

	return strings.Join(q, " ")
}
