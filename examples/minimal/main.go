// Minimal SMP kernel built from the template
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago

// Command minimal is the smallest kernel built from this template: it
// defines its own per-CPU variables, brings up every CPU with packages boot
// and percpu, checks the variables on every CPU and exits with status 0 only
// if every CPU came online and every check passed. console.Up prints and checks
// the output contract of the demo kernel (README.md), as the demo does:
//
//	go tool qemu run -target x86_64 -smp 4 -check -pkg ./examples/minimal
//
// Everything machine-specific comes with one import, package board, which
// registers the board's boot.Port.
package main

import (
	"os"
	"time"

	_ "github.com/tamago-smp/kernel/board"
	"github.com/tamago-smp/kernel/boot"
	"github.com/tamago-smp/kernel/console"
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
	// CPU 0 runs alone, its register on area 0: initialize the areas,
	// start the other CPUs, print and check one line per CPU.
	report, err := console.Up(os.Stdout, boot.Options{})

	// Each check runs on every online CPU at once, pinned to it.
	t := console.NewTally(os.Stdout, report.Online)

	t.OnEachCPU("minimal-initial", time.Minute, func(cpu int) error {
		if o, h, s := owner.Read(), hits.Read(), stats.Read(); o != -1 || h != 0 || s != (load{Peak: 1}) {
			return console.Errorf("owner=%d hits=%d stats=%+v, want -1, 0, {Ticks:0 Peak:1}", o, h, s)
		}
		return nil
	})

	t.OnEachCPU("minimal-local", time.Minute, func(cpu int) error {
		owner.Write(int32(cpu))
		for i := 0; i <= cpu; i++ {
			percpu.Add(hits, 10)
		}
		stats.With(func(s *load) { s.Ticks += uint64(cpu); s.Peak = max(s.Peak, uint32(cpu)) })

		if o, h := owner.Read(), hits.Read(); o != int32(cpu) || h != uint64(10*(cpu+1)) {
			return console.Errorf("owner=%d hits=%d, want %d, %d", o, h, cpu, 10*(cpu+1))
		}
		return nil
	})

	// every CPU reads what every other CPU wrote in its own area
	t.OnEachCPU("minimal-remote", time.Minute, func(cpu int) error {
		for _, other := range report.Online {
			if o, h := *owner.Remote(other), *hits.Remote(other); o != int32(other) || h != uint64(10*(other+1)) {
				return console.Errorf("cpu %d: owner=%d hits=%d, want %d, %d", other, o, h, other, 10*(other+1))
			}
		}
		return nil
	})

	// the summary line; status 0 only if every CPU came online and
	// every check passed
	os.Exit(t.Done(err))
}
