// QEMU microvm board for the SMP kernel
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago && amd64

package microvm

// DEBUG_EXIT_PORT is the I/O port of QEMU's isa-debug-exit device
// (-device isa-debug-exit,iobase=0xf4,iosize=0x04), the board's exit device
// (_board_exit in exit.s, see package amd64's board.go). Writing code to it
// makes QEMU exit with status code<<1 | 1 (QEMU hw/misc/debugexit.c).
const DEBUG_EXIT_PORT = 0xf4
