// Per-CPU data support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

package percpu

import "runtime"

// When the tests run inside the kernel (go tool qemu test), the external
// test package sets these (main_tamago_test.go); they stay nil on the host.
var (
	// KernelOnEachCPU runs f on each of the real CPUs 0..n-1 in turn,
	// pinned to it (as runCPUs does where threads are not CPUs).
	KernelOnEachCPU func(n int, f func(cpu int)) error

	// KernelCPUs returns the number of CPUs online.
	KernelCPUs func() int
)

// onKernel tells whether the tests run inside the kernel, on real CPUs.
func onKernel() bool {
	return KernelOnEachCPU != nil
}

// kernelRegNames are the register names of the kernel per GOARCH (arm64:
// the one of the exception level it runs at).
var kernelRegNames = map[string][]string{
	"amd64":   {"gs_base"},
	"arm64":   {"tpidr_el2", "tpidr_el1"},
	"riscv64": {"gp"},
}

// keepReg, on the kernel, locks the calling goroutine to its CPU and returns
// the function that restores the CPU's register and unlocks it: a test that
// points the register of its CPU elsewhere leaves the CPU as it found it.
// On the host it does nothing (the thread whose register changed ends with
// its goroutine).
func keepReg() (restore func()) {
	if !onKernel() {
		return func() {}
	}

	runtime.LockOSThread()
	saved := ReadReg()

	return func() {
		WriteReg(saved)
		runtime.UnlockOSThread()
	}
}
