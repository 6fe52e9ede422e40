// Go tests inside the kernel
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build !tamago

package kerneltest

import (
	"fmt"

	"github.com/tamago-smp/kernel/percpu"
)

// OnKernel tells whether the test binary runs as the kernel.
const OnKernel = false

// Start initializes the per-CPU areas over the linker region, as a kernel
// does at boot, and returns CPU 0, the only CPU of the host until a test
// makes a thread into another.
func Start() (online []int, err error) {
	if _, err := percpu.InitInPlace(); err != nil {
		return nil, err
	}
	return []int{0}, nil
}

// Online returns the CPUs Start brought up: none on the host.
func Online() []int {
	return nil
}

// OnCPU runs f as CPU cpu and waits for it: on the host, on a goroutine
// whose register points at area cpu (InitReg; on linux/amd64 the goroutine
// is locked to its thread, whose GS base is set, and the thread ends with
// it).
func OnCPU(cpu int, f func()) {
	done := make(chan struct{})

	go func() {
		defer close(done)
		percpu.InitReg(cpu)
		f()
	}()

	<-done
}

// CPUs returns n: every CPU a host test asks for is a thread it makes.
func CPUs(n int) int {
	return n
}

// InTurn runs f on the CPUs of the kernel in turn; on the host there are
// none and it fails.
func InTurn(n int, f func(cpu int)) error {
	return fmt.Errorf("kerneltest: InTurn(%d) on the host: the CPUs are threads there", n)
}

// OnEachCPU runs f on the CPUs of the kernel; on the host there are none
// and it fails.
func OnEachCPU(n int, f func(cpu int)) error {
	return fmt.Errorf("kerneltest: OnEachCPU(%d) on the host: the CPUs are threads there", n)
}
