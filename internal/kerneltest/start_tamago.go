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

	"github.com/tamago-smp/kernel/boot"
	"github.com/tamago-smp/kernel/percpu"
)

// OnKernel tells whether the test binary runs as the kernel.
const OnKernel = true

// onlineTimeout bounds the wait for the secondary CPUs, and for a call
// of OnEachCPU.
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
	line := cmdline()

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

// Start initialises the per-CPU areas over the linker region and brings
// every CPU of the machine up, as the demo kernel does; it fails, naming
// the CPUs, unless every CPU came online. It prints the header and online
// lines of the output contract.
func Start() ([]int, error) {
	areas, err := percpu.InitInPlace()
	if err != nil {
		return nil, err
	}

	report, err := boot.Start(0, onlineTimeout)
	for _, p := range report.Problems {
		fmt.Println("boot:", p)
	}
	online = report.Online
	if err != nil {
		return online, err
	}

	for _, cpu := range online {
		bases[percpu.AreaBase(cpu)] = cpu
	}

	fmt.Printf("kerneltest: %d CPUs online %v, %d per-CPU areas, register %s\n", len(report.Online), report.Online, areas, percpu.RegName())

	return online, nil
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
