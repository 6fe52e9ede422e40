// x86_64 SMP support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago && amd64

package amd64

// The board contract: what the board package defines for this package, by
// link names without a package path (so that they stay right in a fork).
// Without it the kernel does not link ("relocation target _board_exit not
// defined"):
//
//	_board_exit  TEXT: stops the machine with the exit code in AX; never
//	             returns. Jumped to with interrupts off and no stack to
//	             rely on, in 64-bit mode or, from the entry checks
//	             (entry.s), in 32-bit protected mode: its instructions
//	             must decode the same in both (MOVW $port, DX; OUTL; HLT).
//
// The console of the fault report and the entry checks is COM1 at I/O port
// 0x3f8, which every PC has (exception.go).

// Exit stops the machine with code through the board's _board_exit, for
// runtime/goos.Exit.
//
// defined in board.s
func Exit(code int32)
