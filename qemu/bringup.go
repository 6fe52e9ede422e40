// QEMU host harness
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build !tamago

package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// bringupArg is the kernel command line word that makes the benchmark
// kernel stop after bring-up.
const bringupArg = "bench.bringup"

// bringupLine is what the benchmark kernel prints after boot.Start: the
// time from the first wake-up to the last CPU online.
var bringupLine = regexp.MustCompile(`^bringup: (\S+) cpus=([0-9]+) ns=([0-9]+)$`)

// parseCPUList parses a comma-separated list of CPU counts.
func parseCPUList(s string) (l []int, err error) {
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		n, err := strconv.Atoi(f)
		if err != nil || n < 1 {
			return nil, fmt.Errorf("-bringup %q: %q is not a CPU count", s, f)
		}
		l = append(l, n)
	}
	return
}

// parseBringup returns the bring-up time the kernel printed for n CPUs.
func parseBringup(lines []string, n int) (time.Duration, error) {
	for _, l := range lines {
		if m := bringupLine.FindStringSubmatch(l); m != nil {
			cpus, _ := strconv.Atoi(m[2])
			ns, _ := strconv.ParseInt(m[3], 10, 64)
			if cpus != n {
				return 0, fmt.Errorf("%q: %d CPUs online, want %d", l, cpus, n)
			}
			return time.Duration(ns), nil
		}
	}
	return 0, fmt.Errorf("no `bringup: <target> cpus=<n> ns=<t>` line")
}

// benchmarkLine formats one bring-up time in the Go benchmark format, so
// that benchstat reads it.
func benchmarkLine(target string, cpus int, d time.Duration) string {
	return fmt.Sprintf("BenchmarkBringup/%s/cpus=%d 1 %d ns/op", target, cpus, d.Nanoseconds())
}

// bringupRun boots the benchmark kernel of target t once per CPU count,
// with bench.bringup on its command line, and prints a benchmark line for
// each, then the ratio of the largest count to the one a quarter of it.
func bringupRun(ctx context.Context, c *compiler, t *target, pkg, root string, counts []int, timeout time.Duration, log io.Writer) error {
	if err := ensureQEMU(t, os.Stderr); err != nil {
		return err
	}

	elf := filepath.Join(root, "build", t.Name, "bench.elf")
	if err := c.build(t, pkg, elf, os.Stderr); err != nil {
		return err
	}

	took := map[int]time.Duration{}

	for _, n := range counts {
		if n > t.MaxSMP {
			fmt.Printf("qemu: bench: %s: bring-up at %d CPUs skipped, the target runs at most %d\n", t.Name, n, t.MaxSMP)
			continue
		}

		b := &boot{Target: t, SMP: n, ELF: elf, Timeout: timeout, Console: log, Stderr: log,
			Opts: qemuOpts{SMP: strconv.Itoa(n), Append: bringupArg}}
		if b.Timeout == 0 {
			b.Timeout = t.Timeout(n)
		}

		res, err := b.run(ctx)
		if err == nil && res.Code != 0 {
			err = fmt.Errorf("kernel exit code %d, want 0; last line: %q", res.Code, res.Last)
		}
		var d time.Duration
		if err == nil {
			d, err = parseBringup(res.Lines, n)
		}
		if err != nil {
			return fmt.Errorf("%s SMP=%d bring-up: %v", t.Name, n, err)
		}

		took[n] = d
		fmt.Println(benchmarkLine(t.Name, n, d))
	}

	for _, n := range counts {
		if q, ok := took[n/4]; ok && n%4 == 0 && q > 0 {
			fmt.Printf("bringup: %s cpus=%d / cpus=%d = %.2f\n", t.Name, n, n/4, float64(took[n])/float64(q))
		}
	}

	return nil
}
