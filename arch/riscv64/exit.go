// RISC-V 64-bit SMP support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago && riscv64

package riscv64

// SiFive test finisher commands (QEMU include/hw/misc/sifive_test.h).
const (
	finisherFail = 0x3333 // exit((value >> 16) & 0xffff)
	finisherPass = 0x5555 // exit(0)
)

// defined in exit.s
func finish(base uint64, code int32)

// Exit stops the machine through the SiFive test finisher (QEMU
// hw/misc/sifive_test.c) the board named at link time, the one of the
// exception report (_exception_test), for runtime/goos.Exit: status 0
// is written as FINISHER_PASS, any other status as FINISHER_FAIL with the
// status in bits 31:16, which QEMU passes to exit(3), so QEMU exits with
// status code & 0xff. A non-zero code whose low byte is zero becomes 255,
// so that a failure never reads as success.
//
// The store is done in assembly: a Go store followed by an endless loop can
// be compiled into a byte load of the device, which sifive_test rejects.
// Exit does not return; if the device ignores the store (or the board
// named none) the hart sleeps in WFI forever.
func Exit(code int32) {
	if code != 0 && code&0xff == 0 {
		code = 0xff
	}

	finish(exceptionTest, code)
}
