// QEMU host harness
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build !tamago

package main

import (
	"context"
	"debug/elf"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

// benchCmd is `qemu bench`: it builds the benchmark kernel (kernel/bench) for
// each target, boots it once per CPU count of -smp with bench.count=<count>
// on its command line, once per CPU count of -each with bench.each, then
// -count times per CPU count of -bringup with bench.bringup (each with
// bench.target=<target>), and prints the Go benchmark lines of the consoles on
// stdout, for go tool benchstat (make bench). A CPU count the target's
// machine cannot run is skipped; a boot that fails fails the command, after
// the other boots ran.
func benchCmd(ctx context.Context, args []string) error {
	fs := flags("bench", "[-target list|all] [-smp 1,4] [-count 6] [-each 4,64] [-bringup 4,16,64] [-v]")
	list := fs.String("target", "x86_64,aarch64-el2,riscv64", "targets to boot, comma separated, or all")
	smp := fs.String("smp", "1,4", "CPU counts of the BenchmarkOps boots")
	count := fs.Int("count", 6, "runs of each benchmark: bench.count in a BenchmarkOps boot, boots per CPU count of -bringup")
	each := fs.String("each", "4,64", "CPU counts of BenchmarkOnEachCPU (10,000 calls of boot.OnEachCPU), empty for none")
	bringup := fs.String("bringup", "4,16,64", "CPU counts of BenchmarkBringup (boot.Start to all CPUs online), empty for none")
	pkg := fs.String("pkg", "./kernel/bench", "benchmark kernel package")
	verbose := fs.Bool("v", false, "stream the kernel consoles to stderr")
	fs.Parse(args)

	sel, err := findTargets(*list)
	if err != nil {
		return err
	}
	opsCPUs, err := cpuList(*smp)
	if err != nil {
		return err
	}
	eachCPUs, err := cpuList(*each)
	if err != nil {
		return err
	}
	bringupCPUs, err := cpuList(*bringup)
	if err != nil {
		return err
	}
	if *count < 1 {
		return fmt.Errorf("bench: -count %d, want at least 1", *count)
	}
	p, err := pkgPath(*pkg)
	if err != nil {
		return err
	}
	c, err := rootCompiler()
	if err != nil {
		return err
	}
	var console io.Writer
	if *verbose {
		console = os.Stderr
	}

	fmt.Printf("pkg: %s\n", strings.TrimPrefix(*pkg, "./"))
	var errs []error
	for _, t := range sel {
		elf := filepath.Join(c.Root, "build", t.Name, "bench.elf")
		if err := c.build(t, p, elf, os.Stderr); err != nil {
			errs = append(errs, err)
			continue
		}
		for _, l := range pageCrossings(elf) {
			fmt.Fprintf(os.Stderr, "qemu: bench: %s: warning: %s: under TCG the figures depend on the layout\n", t.Name, l)
		}

		var boots []*boot
		add := func(n int, cmdline string) {
			if err := t.checkSMP(n); err != nil {
				fmt.Fprintf(os.Stderr, "qemu: bench: skipped: %v\n", err)
				return
			}
			boots = append(boots, &boot{Target: t, SMP: n, ELF: elf, Opts: qemuOpts{Append: cmdline + " bench.target=" + t.Name},
				Timeout: t.Timeout(n), Console: console, Stderr: console})
		}
		for _, n := range opsCPUs {
			add(n, "bench.count="+strconv.Itoa(*count))
		}
		for _, n := range eachCPUs {
			add(n, "bench.each")
		}
		for _, n := range bringupCPUs {
			for range *count {
				add(n, "bench.bringup")
			}
		}

		for _, b := range boots {
			fmt.Fprintf(os.Stderr, "qemu: bench: %s SMP=%d -append %s\n", t.Name, b.SMP, b.Opts.Append)
			res, err := b.run(ctx)
			var fails []string
			for _, l := range res.Lines {
				if strings.HasPrefix(l, "Benchmark") {
					fmt.Println(l)
				} else if strings.HasPrefix(l, "FAIL") {
					fails = append(fails, l)
				}
			}
			if err == nil && res.Code != 0 {
				err = fmt.Errorf("%s SMP=%d: kernel exit code %d: %q", t.Name, b.SMP, res.Code, append(fails, res.Last))
			}
			if err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

// cpuList parses a comma-separated list of CPU counts.
func cpuList(s string) (l []int, err error) {
	for _, f := range splitList(s) {
		n, err := strconv.Atoi(f)
		if err != nil || n < 1 || n > maxSMPValue {
			return nil, fmt.Errorf("CPU count %q in %q is not a number from 1 to %d", f, s, maxSMPValue)
		}
		l = append(l, n)
	}
	return
}

// tcgPage is the guest page size of TCG on every target (QEMU
// TARGET_PAGE_BITS 12; arm selects 4 KiB pages for the cortex-a72).
const tcgPage = 4096

// hotCode matches the ELF symbols of the code a benchmark loop runs: the
// loops of the operations (benchops.<op>Loop), the floor loop of the
// benchmark kernel, and the per-CPU leaves and floor functions they call.
var hotCode = regexp.MustCompile(`^(` + regexp.QuoteMeta(modulePath) + `/internal/benchops\.[a-zA-Z]+Loop|main\.floorLoop|main\.floorAdd(EL[12])?\.abi0|` +
	regexp.QuoteMeta(modulePath) + `/percpu\.this_cpu_[a-z0-9_]+\.abi0)$`)

// pageCrossings returns one line per hot function of the ELF that crosses a
// tcgPage boundary. Under TCG a translation block ends at a page boundary
// and a jump from one page to another is not chained (it looks the target
// up in a hash table), so a loop that crosses a page pays that lookup on
// every iteration: its figure measures the layout, not the code.
func pageCrossings(path string) (out []string) {
	f, err := elf.Open(path)
	if err != nil {
		return []string{err.Error()}
	}
	defer f.Close()
	syms, err := f.Symbols()
	if err != nil {
		return []string{err.Error()}
	}
	for _, s := range syms {
		if elf.ST_TYPE(s.Info) != elf.STT_FUNC || s.Size == 0 || !hotCode.MatchString(s.Name) {
			continue
		}
		if end, boundary := s.Value+s.Size, (s.Value/tcgPage+1)*tcgPage; boundary < end {
			out = append(out, fmt.Sprintf("%s [%#x, %#x) crosses the page boundary %#x", s.Name, s.Value, end, boundary))
		}
	}
	return
}
