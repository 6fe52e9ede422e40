// QEMU host harness
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build !linux && !tamago

package main

import "syscall"

// qemuProcAttr returns no attributes: only Linux can tie QEMU's life to the
// harness.
func qemuProcAttr() *syscall.SysProcAttr {
	return nil
}
