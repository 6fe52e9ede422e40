// Per-CPU data support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

package percpu

import (
	_ "unsafe" // go:linkname
)

// procPin disables preemption of the calling goroutine (m.locks++) and
// returns the id of its P; procUnpin re-enables it. Both carry a
// //go:linkname push marker in runtime/proc.go (go.dev/issue/67401), so they
// link with stock Go and tamago-go 1.26.

//go:linkname procPin runtime.procPin
func procPin() int

//go:linkname procUnpin runtime.procUnpin
func procUnpin()
