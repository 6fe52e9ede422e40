// Per-CPU data support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build !tamago

package percpu

// relax does nothing on the host: the OS schedules the lock's holder.
func relax() {}
