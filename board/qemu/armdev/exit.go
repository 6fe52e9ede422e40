// Devices of the QEMU arm64 boards of the SMP kernel, aarch64
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago && arm64

package armdev

// Semihosting (Arm, Semihosting for AArch32 and AArch64, 2.x): HLT #0xF000
// with the operation in W0 and a parameter block address in X1. QEMU serves
// it when started with -semihosting, at any exception level above EL0; it
// is the board's exit device, _board_exit in exit.s (package arm64's board
// contract, board.go). Without -semihosting QEMU takes HLT as an undefined
// instruction, which the exception vectors report: a run never ends with a
// made-up status.
const (
	// operation: end the program; QEMU exits with the code in the block
	SYS_EXIT = 0x18
	// reason in SYS_EXIT's block: normal exit with a status code
	ADP_Stopped_ApplicationExit = 0x20026

	semihostingHLT = 0xf000
)
