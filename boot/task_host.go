// SMP bring-up for TamaGo kernels
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build !tamago

package boot

import "errors"

// installTask cannot hook thread creation on a hosted GOOS: the runtime
// creates OS threads there, not CPUs.
func installTask() error {
	return errors.New("boot: starting CPUs needs GOOS=tamago")
}
