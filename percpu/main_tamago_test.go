// Per-CPU data support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago

package percpu_test

import (
	"github.com/tamago-smp/kernel/internal/kerneltest"
	"github.com/tamago-smp/kernel/percpu"
)

// Inside the kernel the multi-CPU tests run on the real CPUs that TestMain
// brought up (kerneltest.Start).
func init() {
	percpu.KernelOnEachCPU = kerneltest.InTurn
	percpu.KernelCPUs = func() int { return len(kerneltest.Online()) }
}
