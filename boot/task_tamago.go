// SMP bring-up for TamaGo kernels
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago

package boot

import (
	"runtime/goos"
)

// installTask makes the runtime start new Ms through task.
func installTask() error {
	goos.Task = task
	return nil
}
