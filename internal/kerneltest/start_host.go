// Go tests inside the kernel
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build !tamago

package kerneltest

import "github.com/tamago-smp/kernel/percpu"

// OnKernel tells whether the test binary runs as the kernel.
const OnKernel = false

// Start initialises the per-CPU areas over the linker region, as a kernel
// does at boot, and returns CPU 0, the only CPU of the host until a test
// makes a thread into another.
func Start() (online []int, err error) {
	if _, err := percpu.InitInPlace(); err != nil {
		return nil, err
	}
	return []int{0}, nil
}
