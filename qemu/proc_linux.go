// QEMU host harness
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build linux && !tamago

package main

import "syscall"

// qemuProcAttr makes the kernel kill QEMU when the harness dies (a test
// binary that times out, a killed `go run`), so that no QEMU outlives it.
// Pdeathsig follows the thread that forked QEMU; the Go runtime ends a
// thread only when a goroutine exits while locked to it, which the harness
// never does.
func qemuProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
