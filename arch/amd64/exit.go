// x86_64 SMP support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago && amd64

package amd64

// DEBUG_EXIT_PORT is the I/O port of QEMU's isa-debug-exit device
// (-device isa-debug-exit,iobase=0xf4,iosize=0x04). Writing code to it makes
// QEMU exit with status code<<1 | 1 (QEMU hw/misc/debugexit.c).
const DEBUG_EXIT_PORT = 0xf4

// Exit stops the machine with the given status through isa-debug-exit; on
// a machine without the device the calling CPU halts forever.
//
// defined in exit.s
func Exit(code int32)
