// Per-CPU data support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build percpu_debug

package percpu

// debug makes every accessor check that its variable was not freed
// (build tag percpu_debug).
const debug = true
