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
// The board (and with it the ISA port) is chosen per GOARCH by the
// board_<arch>.go files.
package main

import (
	"fmt"
	"os"
	"time"

	"github.com/tamago-smp/kernel/boot"
	"github.com/tamago-smp/kernel/kernel/selftest"
	"github.com/tamago-smp/kernel/linker"
	"github.com/tamago-smp/kernel/percpu"
)

// onlineTimeout bounds the wait for every online CPU to print its line.
const onlineTimeout = 30 * time.Second

// deliberate, when set (by the percpu_fault and percpu_fault_noreg build
// tags, see fault.go and fault_noreg.go), runs once every CPU is online,
// instead of the self-tests, and must never return: it makes one CPU fault.
var deliberate func(online []int)

func main() {
	// Control came from the runtime: CPU 0 runs alone, with its per-CPU
	// register already pointing at area 0 (set by the board's entry code
	// before any Go code ran). Every per-CPU variable is defined by now:
	// package initialization is over.
	areas, err := percpu.InitInPlace()
	if err != nil {
		fail("%v", err) // the library's errors name the package
	}

	start, end := linker.Region()
	fmt.Printf("percpu: _percpu_start=%#x _percpu_end=%#x area_size=%d areas=%d\n",
		start, end, percpu.AreaStride(), areas)

	// Bad input, while CPU 0 runs alone: the results are printed with
	// the self-tests.
	selftest.CheckBadInput()

	// Bring up the secondaries: each sets its own register from its
	// area base, in its park loop, before it enters the scheduler. The
	// kernel command line may ask for a degraded boot (boot.degraded),
	// a CPU not to be woken (boot.skip=K) or fewer CPUs (maxcpus=N).
	report, err := boot.Start(boot.Options{})
	if err != nil && err != boot.ErrCPUsMissing {
		fail("%v", err)
	}

	// Each online CPU reads its own register for its online line.
	if perr := boot.PrintOnline(os.Stdout, report, onlineTimeout); perr != nil && err == nil {
		err = perr
	}

	if deliberate != nil {
		deliberate(report.Online)
	}

	passed, failed := selftest.Run(os.Stdout)
	fmt.Printf("selftest: %d passed, %d failed\n", passed, failed)

	if failed != 0 || err != nil {
		os.Exit(1)
	}

	os.Exit(0)
}

// fail reports an error that stops the boot and exits with status 1.
func fail(format string, args ...any) {
	fmt.Printf(format+"\n", args...)
	fmt.Println("selftest: 0 passed, 1 failed")
	os.Exit(1)
}
