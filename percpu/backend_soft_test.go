// Per-CPU data support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build percpu_naive || !((amd64 && (tamago || linux)) || (tamago && (arm64 || riscv64)))

package percpu

// threadCPUs: one software register for the whole process; the multi-CPU
// tests run their CPUs one after the other.
const threadCPUs = false

func resetReg() {
	softReg.Store(nil)
}
