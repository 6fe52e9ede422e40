// QEMU microvm board for the SMP kernel
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago && amd64 && percpu_earlyfault

package microvm

// earlyFault, set by the percpu_earlyfault build tag, makes Init take an
// invalid opcode exception before the Go fault reports are installed, to
// show the early IDT of the ELF entry point at work.
const earlyFault = true
