// SMP bring-up for TamaGo kernels
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

package boot

// CPU is one CPU as the machine's firmware describes it (placeholder for the
// two-phase bring-up contract, replaced by the real definition).
type CPU struct {
	HWID     uint64
	Boot     bool
	Unusable string
}
