// SMP bring-up for TamaGo kernels
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build !tamago

package boot

import "errors"

// handOut cannot hook thread creation on a hosted GOOS: the runtime creates
// OS threads there, not CPUs. Host tests replace it.
var handOut = func(n int) error {
	return errors.New("starting CPUs needs GOOS=tamago")
}

// rest has nothing to wait for on the host.
func rest() {}

// stopAsked is false on the host, where the runtime preempts goroutines
// itself.
func stopAsked() bool { return false }
