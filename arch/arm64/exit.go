// aarch64 support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago && arm64

package arm64

// Semihosting (Arm, Semihosting for AArch32 and AArch64, 2.x): HLT #0xF000
// with the operation in W0 and a parameter block address in X1. QEMU serves
// it when started with -semihosting, at any exception level above EL0.
const (
	// operation: end the program; QEMU exits with the code in the block
	SYS_EXIT = 0x18
	// reason in SYS_EXIT's block: normal exit with a status code
	ADP_Stopped_ApplicationExit = 0x20026

	semihostingHLT = 0xf000
)

// defined in exit.s
func semihosting_exit(code int32)

// Exit ends the run through semihosting SYS_EXIT, for goos.Exit (os.Exit, a
// Go panic or fatal error): QEMU calls exit(3) with code, so its status is
// the low byte of code. A non-zero code whose low byte is zero exits 255,
// so that a failure never reads as success.
//
// Without -semihosting QEMU takes HLT as an undefined instruction, which the
// exception vectors report: a run never ends with a made-up status.
func Exit(code int32) {
	if code != 0 && code&0xff == 0 {
		code = 0xff
	}

	semihosting_exit(code)
}
