// QEMU microvm board for the SMP kernel
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago && amd64 && !percpu_earlyfault

package microvm

// earlyFault is off: see earlyfault.go.
const earlyFault = false
