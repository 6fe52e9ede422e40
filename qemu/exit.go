// QEMU host harness
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build !tamago

package main

import "fmt"

// An exitDecoder turns the exit status of QEMU into the exit code the kernel
// passed to its exit device. A status < 0 means QEMU was killed by a signal.
type exitDecoder func(status int) (code int, err error)

// isaDebugExit decodes the status of a QEMU with
// `-device isa-debug-exit,iobase=0xf4,iosize=0x04`: a write of code to port
// 0xf4 makes QEMU exit with (code << 1) | 1 (hw/misc/debugexit.c), so an odd
// status carries a kernel code. An even status is not from the device: with
// -no-reboot, a triple fault or a reset ends QEMU with status 0.
func isaDebugExit(status int) (int, error) {
	switch {
	case status < 0:
		return 0, fmt.Errorf("no exit code: QEMU was killed by a signal")
	case status%2 == 0:
		return 0, fmt.Errorf("no exit code: the guest reset or triple-faulted (QEMU status %d, isa-debug-exit gives odd statuses)", status)
	}

	return (status - 1) / 2, nil
}

// exitStatus decodes the status of a QEMU whose exit device passes the code
// through: semihosting SYS_EXIT on aarch64 (semihosting/arm-compat-semi.c)
// and sifive_test on riscv64 (hw/misc/sifive_test.c).
func exitStatus(status int) (int, error) {
	if status < 0 {
		return 0, fmt.Errorf("no exit code: QEMU was killed by a signal")
	}

	return status, nil
}
