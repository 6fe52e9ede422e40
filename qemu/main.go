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
//	go run ./qemu build -target x86_64[,aarch64,...|all] [-pkg ./kernel] [-tags list] [-out build/<target>/kernel.elf]
//	go run ./qemu vet [-target all]
//	go run ./qemu run -target x86_64 [-smp 4|spec] [-append cmdline] [-qemu args] [-machine-opts props]
//		[-timeout d] [-build=true] [-check] [-gdb] [-pkg ./kernel] [-tags list] [-out elf]
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
	"slices"
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
  test     go test packages inside the kernel of a target under QEMU (go test -exec)
  exec     the go test -exec runner: boot a test binary, test flags on the kernel command line
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
	case "test":
		code, err = testCmd(args)
	case "exec":
		code, err = execCmd(args)
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

// outPath returns the ELF path: out made absolute if given (never an
// existing directory: the build writes the target's Files next to the ELF),
// else elfPath's default in the module root.
func outPath(t *target, root, pkg, tags, out string) (string, error) {
	if out == "" {
		return filepath.Join(root, elfPath(t, root, pkg, tags)), nil
	}

	if fi, err := os.Stat(out); err == nil && fi.IsDir() {
		return "", fmt.Errorf("-out %s is a directory, want the path of the kernel ELF (e.g. %s)", out, filepath.Join(out, "kernel.elf"))
	}

	return filepath.Abs(out)
}

// elfPath returns the default ELF of package pkg (a directory or an import
// path) built for t, relative to the module root: build/<target>/kernel.elf
// for the demo kernel, else the package path with "-" for "/" (./examples/minimal:
// build/<target>/examples-minimal.elf); extra build tags add "+tag,..." before
// ".elf", so a variant never overwrites the kernel it is a variant of.
func elfPath(t *target, root, pkg, tags string) string {
	const module = "github.com/tamago-smp/kernel"

	name := strings.TrimPrefix(strings.TrimPrefix(pkg, module), "/")
	if rel, err := filepath.Rel(root, pkg); filepath.IsAbs(pkg) && err == nil {
		name = filepath.ToSlash(rel)
	}
	name = strings.Trim(name, "./")
	if name == "" {
		name = "kernel"
	}
	name = strings.ReplaceAll(name, "/", "-")

	if extra := splitList(tags); len(extra) > 0 {
		name += "+" + strings.Join(extra, ",")
	}

	return filepath.Join("build", t.Name, name+".elf")
}

// withTags returns a copy of t whose builds add the build tags in the
// comma-separated list tags.
func (t *target) withTags(tags string) *target {
	c := *t
	c.Tags = slices.Clone(t.Tags)

	for _, tag := range splitList(tags) {
		if !slices.Contains(c.Tags, tag) {
			c.Tags = append(c.Tags, tag)
		}
	}

	return &c
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

func buildCmd(args []string) error {
	fs := flags("build", "-target name[,name...|all] [-pkg dir] [-tags list] [-out elf]")
	list := fs.String("target", "", "targets to build, comma separated, or all ("+strings.Join(targetNames(), ", ")+")")
	pkg := fs.String("pkg", "./kernel", "main package to build")
	tags := fs.String("tags", "", "extra build tags, comma separated")
	out := fs.String("out", "", "output ELF (default build/<target>/<package>[+tags].elf; one target only)")

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
		elf, err := outPath(t, root, p, *tags, *out)
		if err != nil {
			return err
		}
		if err := c.build(t.withTags(*tags), p, elf, os.Stderr); err != nil {
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

// runFlags are the flags of run.
type runFlags struct {
	Target  *target // with the -tags added
	SMP     int     // CPUs started: the count of Opts.SMP
	Opts    qemuOpts
	Timeout time.Duration
	Build   bool
	Check   bool
	Pkg     string
	Tags    string
	Out     string
}

// parseRun parses the flags of run.
func parseRun(args []string) (*runFlags, error) {
	fs := flags("run", "-target name [-smp n|spec] [-append cmdline] [-qemu args] [-machine-opts props] [-timeout d] [-build=true] [-check] [-gdb] [-pkg dir] [-tags list] [-out elf]")
	name := fs.String("target", "", "target to boot ("+strings.Join(targetNames(), ", ")+")")
	smp := fs.String("smp", "4", "number of CPUs, or a QEMU -smp spec such as 4,sockets=2,cores=2 (the CPU count is its first number or cpus=)")
	appendLine := fs.String("append", "", "kernel command line (QEMU -append)")
	extra := fs.String("qemu", "", "extra QEMU arguments, after the target's (quote with ' or \")")
	machine := fs.String("machine-opts", "", "extra -machine properties, e.g. gic-version=3")
	timeout := fs.Duration("timeout", 0, "boot timeout (default: the target's, 60s + 15s per CPU; none with -gdb)")
	build := fs.Bool("build", true, "build the kernel first")
	check := fs.Bool("check", false, "check the output contract and the ELF symbols")
	gdb := fs.Bool("gdb", false, "start QEMU with -S -s and wait for gdb on tcp::1234")
	pkg := fs.String("pkg", "./kernel", "main package to build")
	tags := fs.String("tags", "", "extra build tags, comma separated")
	out := fs.String("out", "", "kernel ELF (default build/<target>/<package>[+tags].elf)")

	if err := parse(fs, args); err != nil {
		return nil, err
	}
	if *name == "" {
		return nil, errors.New("run: -target is required")
	}

	t, err := findTarget(*name)
	if err != nil {
		return nil, err
	}

	n, err := parseSMP(*smp)
	if err != nil {
		return nil, err
	}
	if err := t.checkSMP(n); err != nil {
		return nil, err
	}
	if *timeout < 0 {
		return nil, fmt.Errorf("run: -timeout %v is negative", *timeout)
	}

	words, err := splitWords(*extra)
	if err != nil {
		return nil, fmt.Errorf("run: -qemu: %v", err)
	}

	return &runFlags{
		Target:  t.withTags(*tags),
		SMP:     n,
		Opts:    qemuOpts{SMP: *smp, Append: *appendLine, Machine: *machine, Extra: words, GDB: *gdb},
		Timeout: *timeout,
		Build:   *build,
		Check:   *check,
		Pkg:     *pkg,
		Tags:    *tags,
		Out:     *out,
	}, nil
}

// splitWords splits s into words at blanks, as a shell does for words
// without expansions: '...' and "..." quote (no escapes inside '...').
func splitWords(s string) (words []string, err error) {
	var (
		w     strings.Builder
		in    bool // inside a word
		quote rune // the open quote, or 0
	)

	for _, r := range s {
		switch {
		case quote != 0 && r == quote:
			quote = 0
		case quote != 0:
			w.WriteRune(r)
		case r == '\'' || r == '"':
			quote, in = r, true
		case r == ' ' || r == '\t' || r == '\n':
			if in {
				words = append(words, w.String())
				w.Reset()
				in = false
			}
		default:
			w.WriteRune(r)
			in = true
		}
	}

	if quote != 0 {
		return nil, fmt.Errorf("unterminated %c in %q", quote, s)
	}
	if in {
		words = append(words, w.String())
	}

	return words, nil
}

func runCmd(args []string) (int, error) {
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

	elf, err := outPath(t, root, p, f.Tags, f.Out)
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
		SMP:     f.SMP,
		ELF:     elf,
		Opts:    f.Opts,
		Timeout: f.Timeout,
		Console: os.Stdout,
		Stderr:  os.Stderr,
	}

	if b.Timeout == 0 && !b.Opts.GDB {
		b.Timeout = t.Timeout(b.SMP)
	}

	limit := "no timeout"
	if b.Timeout > 0 {
		limit = "timeout " + b.Timeout.String()
	}
	fmt.Fprintf(os.Stderr, "qemu: %s SMP=%d, %s: %s %s\n", t.Name, b.SMP, limit, t.QEMU, quoteArgs(b.args()))
	if b.Opts.GDB {
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

	if f.Check {
		con, errs := checkConsole(res.Lines, expectFor(t, expectedCPUs(b.SMP, b.Opts.Append)))
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
	if f.Check {
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
