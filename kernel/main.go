// SMP per-CPU demo kernel
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago

// Command kernel is the demo kernel: it brings up every CPU of the machine
// with its per-CPU register pointing at its own area, runs the self-tests on
// every CPU and exits with status 0 only if all CPUs came online and every
// test passed.
//
// The board (and with it the ISA port) is chosen by package board.
package main

import (
	"os"

	_ "github.com/tamago-smp/kernel/board"
	"github.com/tamago-smp/kernel/boot"
	"github.com/tamago-smp/kernel/console"
	"github.com/tamago-smp/kernel/kernel/selftest"
)

// deliberate, when set (by the percpu_fault and percpu_fault_noreg build
// tags, see fault.go and fault_noreg.go), runs once every CPU is online,
// instead of the self-tests, and must never return: it makes one CPU fault.
var deliberate func(online []int)

func main() {
	// Control came from the runtime: CPU 0 runs alone, with its per-CPU
	// register already pointing at area 0 (set by the board's entry code
	// before any Go code ran), and every per-CPU variable is defined.
	// Up initializes the areas, brings up the secondaries (each sets its own register from
	// its area base, in its park loop, before it enters the scheduler)
	// and prints and checks one line per online CPU. The kernel command
	// line may ask for a degraded boot (boot.degraded), a CPU not to be
	// woken (boot.skip=K) or fewer CPUs (maxcpus=N).
	report, err := console.Up(os.Stdout, boot.Options{})

	if deliberate != nil && len(report.Online) > 0 {
		deliberate(report.Online)
	}

	t := console.NewTally(os.Stdout, report.Online)
	if len(report.Online) > 0 {
		selftest.Run(t)
	}
	os.Exit(t.Done(err))
}
