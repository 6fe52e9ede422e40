// SMP bring-up for TamaGo kernels
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build !tamago || !arm64

package console

// exceptionLevel returns 0: the online line has no el= field on this
// GOARCH.
func exceptionLevel() int {
	return 0
}
