// SMP bring-up for TamaGo kernels
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago

package boot_test

// On the kernel: the board, and the test flags of the kernel command line.
import _ "github.com/tamago-smp/kernel/internal/kerneltest"
