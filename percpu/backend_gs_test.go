// Per-CPU data support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build !percpu_naive && ((amd64 && (tamago || linux)) || (tamago && (arm64 || riscv64)))

package percpu

import (
	"runtime"
)

// threadCPUs: on the linux/amd64 host OS threads are CPUs, each with its own
// GS base, and the tests run the GS-relative assembly of the x86_64 kernel.
// (Under GOOS=tamago the tests only build: they would repoint the register of
// a real CPU.)
const threadCPUs = runtime.GOOS == "linux"

func resetReg() {}
