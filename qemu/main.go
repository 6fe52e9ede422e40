// QEMU host harness
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build !tamago

// Command qemu builds the kernel for each target with the TamaGo compiler,
// boots it under QEMU and returns the kernel's exit status, which is the
// verdict of a boot: the kernel checks itself and exits non-zero when a
// check fails. Its target table is built from the boards (package board):
// each board's target.go holds its QEMU command lines and build flags,
// which nothing else in the project repeats.
//
// Usage, from the repository root (go.mod lists this command as a tool):
//
//	go tool qemu build -target x86_64[,aarch64,...|all] [-pkg ./kernel] [-tags list] [-out elf]
//	go tool qemu vet [-target all]
//	go tool qemu run -target x86_64 [-smp 4|spec] [-append cmdline] [-machine-opts props]
//		[-timeout d] [-build=true] [-check] [-gdb] [-pkg ./kernel] [-tags list] [-out elf] [-- qemu args]
//	go tool qemu test -target x86_64 [-smp 4|spec] [-append cmdline] [-tags list] [--] [go test flags] packages
//	go tool qemu exec -target x86_64 [-smp 4|spec] [-append cmdline] [-timeout d] test-binary [test flags]
//	go tool qemu bench [-target list] [-smp 1,4] [-count 6] [-bringup 4,16,64]
//	go tool qemu targets [-json | -f template]
//
// The compiler is $TAMAGO if set, else the `go tool tamago` wrapper of go.mod.
// run exits with the kernel's exit code, or 1 when the boot times out, the
// exit status cannot be decoded or -check finds the ELF's per-CPU region
// wrong.
package main

import (
	"context"
	"debug/elf"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/tamago-smp/kernel/linker"
)

const usage = `usage: go tool qemu <command> [flags]

commands:
  build    build the kernel for one or more targets
  vet      run the TamaGo go vet over the module for one or more targets
  run      build (unless -build=false), boot under QEMU, exit with the kernel's code
  test     go test packages inside the kernel of a target under QEMU (go test -exec)
  exec     the go test -exec runner: boot a test binary, test flags on the kernel command line
  bench    boot the benchmark kernel, print Go benchmark lines (for go tool benchstat)
  targets  print the target table (Markdown, -json, or -f template per row)

targets: %s
run 'go tool qemu <command> -h' for the flags of a command.
`

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintf(os.Stderr, usage, strings.Join(targetNames(), ", "))
		os.Exit(2)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	var err error
	code := 0

	switch cmd, args := os.Args[1], os.Args[2:]; cmd {
	case "build":
		err = buildCmd(args)
	case "vet":
		err = vetCmd(args)
	case "run":
		code, err = runCmd(ctx, args)
	case "test":
		code, err = testCmd(args)
	case "exec":
		code, err = execCmd(ctx, args)
	case "bench":
		err = benchCmd(ctx, args)
	case "targets":
		err = targetsCmd(args)
	case "help", "-h", "-help", "--help":
		fmt.Printf(usage, strings.Join(targetNames(), ", "))
	default:
		fmt.Fprintf(os.Stderr, "qemu: unknown command %q\n"+usage, cmd, strings.Join(targetNames(), ", "))
		os.Exit(2)
	}
	stop()

	if err != nil {
		fmt.Fprintf(os.Stderr, "qemu: %v\n", err)
		code = max(code, 1)
	}
	os.Exit(code)
}

// modulePath is the path of the module the harness is built in, as a fork
// names it.
var modulePath = func() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		return bi.Main.Path
	}
	return ""
}()

func targetsCmd(args []string) error {
	fs := flags("targets", "[-json | -f template]")
	asJSON := fs.Bool("json", false, "print the rows as one JSON array")
	format := fs.String("f", "", "print each row through this text/template, e.g. '{{.Name}}'")
	fs.Parse(args)
	if fs.NArg() > 0 || *asJSON && *format != "" {
		return fmt.Errorf("targets: want -json or -f and no arguments, have %q", args)
	}
	return printTable(os.Stdout, *asJSON, *format)
}

// flags returns the flag set of a command.
func flags(name, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ExitOnError)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: go tool qemu %s %s\n", name, synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// targetFlags are the flags of a command that boots one target.
type targetFlags struct {
	name, smp, appendLine, tags *string
}

func addTargetFlags(fs *flag.FlagSet) targetFlags {
	return targetFlags{
		name:       fs.String("target", "", "target ("+strings.Join(targetNames(), ", ")+")"),
		smp:        fs.String("smp", "4", "number of CPUs, or a QEMU -smp spec such as 4,sockets=2,cores=2"),
		appendLine: fs.String("append", "", "kernel command line (QEMU -append)"),
		tags:       fs.String("tags", "", "extra build tags, comma separated"),
	}
}

// target returns the target of the flags with its extra tags, and the CPU
// count of -smp.
func (f targetFlags) target() (*target, int, error) {
	if *f.name == "" {
		return nil, 0, errors.New("-target is required")
	}
	t, err := findTarget(*f.name)
	if err != nil {
		return nil, 0, err
	}
	n, err := parseSMP(*f.smp)
	if err == nil {
		err = t.checkSMP(n)
	}
	return t.withTags(*f.tags), n, err
}

// splitList splits a comma-separated list, dropping empty entries.
func splitList(list string) (items []string) {
	for _, s := range strings.Split(list, ",") {
		if s = strings.TrimSpace(s); s != "" {
			items = append(items, s)
		}
	}
	return
}

// pkgPath makes a relative package directory absolute, so that the go
// command, which runs in the module root, finds it from any working
// directory. Import paths are left alone.
func pkgPath(pkg string) (string, error) {
	if pkg == "." || pkg == ".." || strings.HasPrefix(pkg, "./") || strings.HasPrefix(pkg, "../") {
		return filepath.Abs(pkg)
	}
	return pkg, nil
}

// elfPath returns the ELF of package pkg (a directory or an import path)
// built for t: out made absolute if given (never a directory: the target's
// Files go next to the ELF), else build/<target>/kernel.elf in the module
// root for the demo kernel and the package path with "-" for "/" for others
// (./examples/minimal: build/<target>/examples-minimal.elf); extra build
// tags add "+tag,..." before ".elf", so a variant never overwrites the
// kernel it is a variant of.
func elfPath(t *target, root, pkg, tags, out string) (string, error) {
	if out != "" {
		if fi, err := os.Stat(out); err == nil && fi.IsDir() {
			return "", fmt.Errorf("-out %s is a directory, want the path of the kernel ELF (e.g. %s)", out, filepath.Join(out, "kernel.elf"))
		}
		return filepath.Abs(out)
	}

	name := strings.TrimPrefix(strings.TrimPrefix(pkg, modulePath), "/")
	if rel, err := filepath.Rel(root, pkg); filepath.IsAbs(pkg) && err == nil {
		name = filepath.ToSlash(rel)
	}
	if name = strings.Trim(name, "./"); name == "" {
		name = "kernel"
	}
	name = strings.ReplaceAll(name, "/", "-")
	if extra := splitList(tags); len(extra) > 0 {
		name += "+" + strings.Join(extra, ",")
	}
	return filepath.Join(root, "build", t.Name, name+".elf"), nil
}

func buildCmd(args []string) error {
	fs := flags("build", "-target name[,name...|all] [-pkg dir] [-tags list] [-out elf]")
	list := fs.String("target", "", "targets to build, comma separated, or all")
	pkg := fs.String("pkg", "./kernel", "main package to build")
	tags := fs.String("tags", "", "extra build tags, comma separated")
	out := fs.String("out", "", "output ELF (default build/<target>/<package>[+tags].elf; one target only)")
	fs.Parse(args)

	if *list == "" || fs.NArg() > 0 {
		return fmt.Errorf("build: want -target and no arguments, have -target %q and %q", *list, fs.Args())
	}
	sel, err := findTargets(*list)
	if err != nil {
		return err
	}
	if *out != "" && len(sel) > 1 {
		return fmt.Errorf("build: -out %s with %d targets, want one", *out, len(sel))
	}
	p, err := pkgPath(*pkg)
	if err != nil {
		return err
	}
	c, err := rootCompiler()
	if err != nil {
		return err
	}

	for _, t := range sel {
		elf, err := elfPath(t, c.Root, p, *tags, *out)
		if err == nil {
			err = c.build(t.withTags(*tags), p, elf, os.Stderr)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func vetCmd(args []string) error {
	fs := flags("vet", "[-target name[,name...|all]]")
	list := fs.String("target", "all", "targets to vet for, comma separated, or all")
	fs.Parse(args)

	sel, err := findTargets(*list)
	if err != nil {
		return err
	}
	c, err := rootCompiler()
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
		if err := c.run(t, t.goArgs("vet", "./..."), os.Stderr, os.Stderr); err != nil {
			errs = append(errs, fmt.Errorf("%s: vet: %v", t.Name, err))
		}
	}
	return errors.Join(errs...)
}

// runFlags are the parsed flags of run.
type runFlags struct {
	Target         *target // with the -tags added
	SMP            int     // CPUs started: the count of Opts.SMP
	Opts           qemuOpts
	Timeout        time.Duration
	Build, Check   bool
	Pkg, Tags, Out string
}

// parseRun parses the flags of run; arguments after them are QEMU's.
func parseRun(args []string) (*runFlags, error) {
	fs := flags("run", "-target name [-smp n|spec] [-append cmdline] [-machine-opts props] [-timeout d] [-build=true] [-check] [-gdb] [-pkg dir] [-tags list] [-out elf] [-- qemu args]")
	tf := addTargetFlags(fs)
	machine := fs.String("machine-opts", "", "extra -machine properties, e.g. gic-version=3")
	timeout := fs.Duration("timeout", 0, "boot timeout (default: 60s + 15s per CPU; none with -gdb)")
	build := fs.Bool("build", true, "build the kernel first")
	check := fs.Bool("check", false, "also check the ELF's per-CPU region symbols against package linker")
	gdb := fs.Bool("gdb", false, "start QEMU with -S -s and wait for gdb on tcp::1234")
	pkg := fs.String("pkg", "./kernel", "main package to build")
	out := fs.String("out", "", "kernel ELF (default build/<target>/<package>[+tags].elf)")
	fs.Parse(args)

	t, n, err := tf.target()
	if err != nil {
		return nil, fmt.Errorf("run: %v", err)
	}
	if *timeout < 0 {
		return nil, fmt.Errorf("run: -timeout %v is negative", *timeout)
	}
	return &runFlags{
		Target:  t,
		SMP:     n,
		Opts:    qemuOpts{SMP: *tf.smp, Append: *tf.appendLine, Machine: *machine, Extra: fs.Args(), GDB: *gdb},
		Timeout: *timeout,
		Build:   *build,
		Check:   *check,
		Pkg:     *pkg,
		Tags:    *tf.tags,
		Out:     *out,
	}, nil
}

func runCmd(ctx context.Context, args []string) (int, error) {
	f, err := parseRun(args)
	if err != nil {
		return 0, err
	}
	t := f.Target

	root, err := moduleRoot()
	if err != nil {
		return 0, err
	}
	p, err := pkgPath(f.Pkg)
	if err != nil {
		return 0, err
	}
	elf, err := elfPath(t, root, p, f.Tags, f.Out)
	if err != nil {
		return 0, err
	}

	if f.Build {
		c, err := findCompiler(root, true, os.Stderr)
		if err != nil {
			return 0, err
		}
		if err := c.build(t, p, elf, os.Stderr); err != nil {
			return 0, err
		}
	} else if _, err := os.Stat(elf); err != nil {
		return 0, fmt.Errorf("run -build=false: %v", err)
	}
	if f.Check {
		if err := checkELF(elf); err != nil {
			return 0, err
		}
	}
	if err := haveQEMU(t); err != nil {
		return 0, err
	}

	b := &boot{Target: t, SMP: f.SMP, ELF: elf, Opts: f.Opts, Timeout: f.Timeout, Console: os.Stdout, Stderr: os.Stderr}
	if b.Timeout == 0 && !b.Opts.GDB {
		b.Timeout = t.Timeout(b.SMP)
	}
	fmt.Fprintf(os.Stderr, "qemu: %s SMP=%d, timeout %v: %s %s\n", t.Name, b.SMP, b.Timeout, t.QEMU, quoteArgs(b.args()))
	if b.Opts.GDB {
		fmt.Fprintf(os.Stderr, "qemu: waiting for gdb: target remote localhost:1234 (symbols: %s)\n", elf)
	}

	start := time.Now()
	res, err := b.run(ctx)
	if err != nil {
		return 1, err
	}
	fmt.Fprintf(os.Stderr, "qemu: %s SMP=%d: kernel exit code %d after %v\n", t.Name, b.SMP, res.Code, time.Since(start).Round(time.Millisecond))
	return res.Code, nil
}

// linkAlign is the largest alignment cmd/link gives a data symbol (maxAlign
// in cmd/link/internal/{amd64,arm64,riscv64}/l.go).
const linkAlign = 32

// checkELF checks the per-CPU region of a kernel ELF: the symbols
// _percpu_start and _percpu_end exist with the sizes of package linker,
// _percpu_end follows the region and _percpu_start has the alignment
// cmd/link gives it.
func checkELF(path string) error {
	f, err := elf.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	syms, err := f.Symbols()
	if err != nil {
		return fmt.Errorf("%s: %v", path, err)
	}

	sym := map[string]elf.Symbol{}
	for _, s := range syms {
		sym[s.Name] = s
	}
	start, okStart := sym["_percpu_start"]
	end, okEnd := sym["_percpu_end"]

	switch {
	case !okStart || !okEnd:
		return fmt.Errorf("%s: no _percpu_start or _percpu_end symbol", path)
	case start.Size != linker.RegionSize:
		return fmt.Errorf("%s: _percpu_start size %d, want linker.RegionSize = %d", path, start.Size, linker.RegionSize)
	case end.Value-start.Value != linker.RegionSize:
		return fmt.Errorf("%s: _percpu_end - _percpu_start = %#x - %#x, want linker.RegionSize = %d", path, end.Value, start.Value, linker.RegionSize)
	case end.Size != linker.GuardSize:
		return fmt.Errorf("%s: _percpu_end (guard) size %d, want linker.GuardSize = %d", path, end.Size, linker.GuardSize)
	case start.Value%linkAlign != 0:
		return fmt.Errorf("%s: _percpu_start %#x is not %d-byte aligned", path, start.Value, linkAlign)
	}
	return nil
}
