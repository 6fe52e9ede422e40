// SMP bring-up for TamaGo kernels
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago

package boot

import (
	"runtime"
	"runtime/goos"
)

// handOut makes the runtime start new Ms through task and gives it n Ps,
// one per CPU that answered, boot CPU included. A variable so that host
// tests can stand in for the runtime.
var handOut = func(n int) error {
	goos.Task = task
	runtime.GOMAXPROCS(n)
	return nil
}
