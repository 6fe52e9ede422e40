// Minimal SMP kernel built from the template
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago

// Command minimal is the smallest kernel built from this template: it
// defines its own per-CPU variables, brings up every CPU with packages boot
// and percpu, checks the variables on every CPU and exits with status 0 only
// if every CPU came online and every check passed. It prints the output
// contract of the demo kernel (README.md), so the qemu/ harness boots and
// checks it like the demo:
//
//	go tool qemu run -target x86_64 -smp 4 -check -pkg ./examples/minimal
//
// Everything ISA-specific is in the board_<arch>.go files: one import of a
// board package, which registers its boot.Port.
package main

import (
	"fmt"
	"os"
	"time"

	"github.com/tamago-smp/kernel/boot"
	"github.com/tamago-smp/kernel/linker"
	"github.com/tamago-smp/kernel/percpu"
)

// load is this kernel's own per-CPU state: a struct without pointers.
type load struct {
	Ticks uint64
	Peak  uint32
}

// The per-CPU variables, with the value every CPU starts from.
var (
	owner = percpu.Define[int32](-1)
	hits  = percpu.Define[uint64](0)
	stats = percpu.Define(load{Peak: 1})
)

func main() {
	// Only CPU 0 runs; its per-CPU register already points at area 0 of
	// the linker region (the board's entry code set it). Every
	// percpu.Define has run: freeze the layout, copy the initial values
	// into every area.
	areas, err := percpu.InitInPlace()
	if err != nil {
		exit(err) // the library's errors name the package
	}

	start, end := linker.Region()
	fmt.Printf("percpu: _percpu_start=%#x _percpu_end=%#x area_size=%d areas=%d\n",
		start, end, percpu.AreaStride(), areas)

	// Start the other CPUs: each sets its own register from its area
	// base before it runs Go code.
	report, err := boot.Start(boot.Options{})
	if err != nil && err != boot.ErrCPUsMissing {
		exit(err)
	}

	// One line per online CPU, each read on that CPU: its register.
	if perr := boot.PrintOnline(os.Stdout, report, 10*time.Second); perr != nil && err == nil {
		err = perr
	}

	on := report.Online
	n := len(on)

	failed := 0

	// check runs f on every CPU at once, pinned, and prints one line per
	// CPU.
	check := func(name string, f func(cpu int) error) {
		errs := make([]error, boot.MaxCPUs)
		if err := boot.OnEachCPU(on, 10*time.Second, func(cpu int) { errs[cpu] = f(cpu) }); err != nil {
			for _, cpu := range on {
				errs[cpu] = fmt.Errorf("did not run to completion on every CPU: %v", err)
			}
		}

		for _, cpu := range on {
			if err := errs[cpu]; err != nil {
				fmt.Printf("FAIL %s cpu=%d: %v\n", name, cpu, err)
				failed++
			} else {
				fmt.Printf("PASS %s cpu=%d\n", name, cpu)
			}
		}
	}

	check("minimal-initial", func(cpu int) error {
		if o, h, s := owner.Read(), hits.Read(), stats.Read(); o != -1 || h != 0 || s != (load{Peak: 1}) {
			return fmt.Errorf("owner=%d hits=%d stats=%+v, want -1, 0, {Ticks:0 Peak:1}", o, h, s)
		}
		return nil
	})

	check("minimal-local", func(cpu int) error {
		owner.Write(int32(cpu))
		for i := 0; i <= cpu; i++ {
			percpu.Add(hits, 10)
		}
		stats.With(func(s *load) { s.Ticks += uint64(cpu); s.Peak = max(s.Peak, uint32(cpu)) })

		if o, h := owner.Read(), hits.Read(); o != int32(cpu) || h != uint64(10*(cpu+1)) {
			return fmt.Errorf("owner=%d hits=%d, want %d, %d", o, h, cpu, 10*(cpu+1))
		}
		return nil
	})

	// every CPU reads what every other CPU wrote in its own area
	check("minimal-remote", func(cpu int) error {
		for _, other := range on {
			if o, h := *owner.Remote(other), *hits.Remote(other); o != int32(other) || h != uint64(10*(other+1)) {
				return fmt.Errorf("cpu %d: owner=%d hits=%d, want %d, %d", other, o, h, other, 10*(other+1))
			}
		}
		return nil
	})

	passed := 3*n - failed
	fmt.Printf("selftest: %d passed, %d failed\n", passed, failed)

	if failed != 0 || err != nil {
		os.Exit(1)
	}

	os.Exit(0)
}

// exit reports an error that stops the boot.
func exit(err error) {
	fmt.Println(err)
	fmt.Println("selftest: 0 passed, 1 failed")
	os.Exit(1)
}
