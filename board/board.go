// Board selection
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

// Package board picks the board a kernel runs on: every kernel of the
// module imports it for its side effects,
//
//	import _ "github.com/tamago-smp/kernel/board"
//
// and gets, per GOARCH, the default board of board_<GOARCH>.go, or the
// board whose build tag the target's row names. Each board package
// registers its ISA's port with package boot and fills the runtime/goos
// hooks; its host file declares its targets, which [Targets] lists for the
// qemu/ harness.
package board
