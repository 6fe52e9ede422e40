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
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"
)

// soakResult is the outcome of one boot of a soak.
type soakResult int

const (
	soakPass soakResult = iota
	soakFail            // the kernel exited, but not with the output contract and code 0
	soakHang            // no exit within the timeout
)

// soakStats counts the boots of one target.
type soakStats struct {
	Target string
	SMP    int // CPUs each boot ran
	Pass   int
	Fail   int
	Hang   int
	Times  []time.Duration
	First  string // the first failure or hang, with its last console line
}

// soakCmd is `qemu soak`: build the kernel once per target, boot it n times
// in a row on each target, check every boot like TestBoot, and print
// passes, failures and hangs per target. It returns 1 if any boot did not
// pass.
func soakCmd(args []string) (int, error) {
	fs := flags("soak", "[-target name[,name...|all]] [-n boots] [-smp n] [-timeout d] [-parallel p] [-pkg dir] [-tags list]")

	def := os.Getenv(envSoakTargets)
	if def == "" {
		def = "all"
	}

	list := fs.String("target", def, "targets to soak, comma separated, or all (default $"+envSoakTargets+" or all)")
	n := fs.Int("n", 20, "boots per target")
	smp := fs.Int("smp", 4, "number of CPUs (capped at each target's maximum)")
	timeout := fs.Duration("timeout", 0, "timeout of one boot (default: the target's, 60s + 15s per CPU)")
	parallel := fs.Int("parallel", 2, "targets soaked at the same time (one QEMU each)")
	pkg := fs.String("pkg", "./kernel", "main package to boot")
	tags := fs.String("tags", "", "extra build tags, comma separated")

	if err := parse(fs, args); err != nil {
		return 0, err
	}
	if *n < 1 || *smp < 1 || *parallel < 1 || *timeout < 0 {
		return 0, fmt.Errorf("soak: -n %d, -smp %d, -parallel %d, -timeout %v: want n, smp, parallel >= 1 and timeout >= 0",
			*n, *smp, *parallel, *timeout)
	}

	sel, err := findTargets(*list)
	if err != nil {
		return 0, err
	}

	root, err := moduleRoot()
	if err != nil {
		return 0, err
	}

	p, err := pkgPath(*pkg)
	if err != nil {
		return 0, err
	}

	c, err := findCompiler(root, true, os.Stderr)
	if err != nil {
		return 0, err
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	// build every target first, each into build/soak/<target>/
	elfs := map[string]string{}

	for _, t := range sel {
		elf := filepath.Join(root, "build", "soak", t.Name, "kernel.elf")
		if err := c.build(t.withTags(*tags), p, elf, os.Stderr); err != nil {
			return 0, err
		}
		if err := ensureQEMU(t, os.Stderr); err != nil {
			return 0, err
		}
		elfs[t.Name] = elf
	}

	var (
		mu    sync.Mutex
		wg    sync.WaitGroup
		slots = make(chan struct{}, *parallel)
		stats = make([]*soakStats, len(sel))
	)

	start := time.Now()

	for i, t := range sel {
		cpus := min(*smp, t.MaxSMP)
		stats[i] = &soakStats{Target: t.Name, SMP: cpus}
		limit := *timeout
		if limit == 0 {
			limit = t.Timeout(cpus)
		}

		wg.Add(1)
		go func() {
			defer wg.Done()

			slots <- struct{}{}
			defer func() { <-slots }()

			for k := 1; k <= *n && ctx.Err() == nil; k++ {
				r, took, msg := soakBoot(ctx, t, cpus, elfs[t.Name], limit)

				mu.Lock()
				s := stats[i]
				s.Times = append(s.Times, took)
				switch r {
				case soakPass:
					s.Pass++
				case soakFail:
					s.Fail++
				case soakHang:
					s.Hang++
				}
				if r != soakPass && s.First == "" {
					s.First = fmt.Sprintf("boot %d: %s", k, msg)
				}
				fmt.Fprintf(os.Stderr, "soak: %s SMP=%d boot %d/%d: %s in %v%s\n",
					t.Name, cpus, k, *n, [...]string{"pass", "FAIL", "HANG"}[r], took.Round(time.Millisecond), suffix(msg))
				mu.Unlock()
			}
		}()
	}

	wg.Wait()

	fmt.Printf("soak: %d boots per target, %s, in %v\n", *n, *pkg, time.Since(start).Round(time.Second))
	printSoak(os.Stdout, stats)

	if ctx.Err() != nil {
		return 1, fmt.Errorf("soak interrupted: %v", ctx.Err())
	}

	for _, s := range stats {
		if s.Fail+s.Hang > 0 {
			return 1, nil
		}
	}

	return 0, nil
}

// envSoakTargets is the default target list of `qemu soak`, as for the
// boot tests.
const envSoakTargets = "PERCPU_TARGETS"

func suffix(msg string) string {
	if msg == "" {
		return ""
	}
	return ": " + msg
}

// soakBoot boots elf once and classifies the run, with a one-line reason
// for a failure or a hang.
func soakBoot(ctx context.Context, t *target, smp int, elf string, timeout time.Duration) (soakResult, time.Duration, string) {
	b := &boot{Target: t, SMP: smp, ELF: elf, Timeout: timeout}

	start := time.Now()
	res, runErr := b.run(ctx)
	took := time.Since(start)

	var to *errTimeout
	if errors.As(runErr, &to) {
		return soakHang, took, to.Error()
	}

	con, errs := checkBoot(res, runErr, expectFor(t, smp))
	errs = append(errs, checkELF(elf, con)...)

	switch {
	case len(errs) == 0:
		return soakPass, took, ""
	case runErr != nil:
		return soakFail, took, runErr.Error()
	}

	return soakFail, took, fmt.Sprintf("%v (%d problems); last line: %q", errs[0], len(errs), res.Last)
}

// printSoak writes the table of a soak: the CPUs that ran (a target runs
// fewer than -smp asked for when its machine takes fewer), passes, failures
// and hangs, and the boot times, per target.
func printSoak(w io.Writer, stats []*soakStats) {
	fmt.Fprintf(w, "%-12s %4s %5s %5s %5s %5s %8s %8s %8s\n", "target", "smp", "boots", "pass", "fail", "hang", "min", "median", "max")

	for _, s := range stats {
		times := slices.Clone(s.Times)
		slices.Sort(times)

		var lo, mid, hi time.Duration
		if len(times) > 0 {
			lo, mid, hi = times[0], times[len(times)/2], times[len(times)-1]
		}

		round := func(d time.Duration) string { return d.Round(10 * time.Millisecond).String() }

		fmt.Fprintf(w, "%-12s %4d %5d %5d %5d %5d %8s %8s %8s\n",
			s.Target, s.SMP, len(s.Times), s.Pass, s.Fail, s.Hang, round(lo), round(mid), round(hi))
	}

	for _, s := range stats {
		if s.First != "" {
			fmt.Fprintf(w, "%s, first problem: %s\n", s.Target, strings.TrimSpace(s.First))
		}
	}
}
