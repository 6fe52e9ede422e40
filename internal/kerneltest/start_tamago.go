// Go tests inside the kernel
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago

package kerneltest

import (
	"fmt"
	"os"
	"time"

	_ "github.com/tamago-smp/kernel/board"
	"github.com/tamago-smp/kernel/boot"
	"github.com/tamago-smp/kernel/console"
	"github.com/tamago-smp/kernel/percpu"
)

// OnKernel tells whether the test binary runs as the kernel.
const OnKernel = true

// onlineTimeout bounds one call of OnEachCPU, InTurn or OnCPU (the wait for
// the secondary CPUs is console.Up's).
const onlineTimeout = 30 * time.Second

// online are the CPUs Start brought up, and bases their register values
// then (the bases of their areas in the linker region).
var (
	online []int
	bases  = map[uintptr]int{}
)

// The test flags are in os.Args before the testing package parses them
// (in testing.M.Run, after every init).
func init() {
	line := boot.Cmdline()

	flags, err := TestFlags(line)
	if err != nil {
		fmt.Println("kerneltest:", err)
		os.Exit(2)
	}

	name := "kernel.test"
	if len(os.Args) > 0 && os.Args[0] != "" {
		name = os.Args[0]
	}

	os.Args = append([]string{name}, flags...)
}

// Start initializes the per-CPU areas over the linker region and brings
// every CPU of the machine up, as the demo kernel does ([console.Up]: the kernel
// command line may ask for boot.degraded, boot.skip=K, maxcpus=N), printing
// and checking the percpu:, boot: and online lines of the output contract.
// It fails unless every CPU described came online (or the boot runs
// degraded) and the online lines pass console.Up's checks.
func Start() ([]int, error) {
	report, err := console.Up(os.Stdout, boot.Options{})

	online = report.Online
	for _, cpu := range online {
		bases[percpu.AreaBase(cpu)] = cpu
	}

	return online, err
}

// Online returns the CPUs Start brought up.
func Online() []int {
	return online
}

// CPUs returns n, at most the number of CPUs online: a test that would
// make n goroutines into CPUs on the host uses the real CPUs.
func CPUs(n int) int {
	return min(n, len(online))
}
