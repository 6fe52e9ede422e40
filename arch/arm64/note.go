// aarch64 support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago && arm64

package arm64

// CPUNote adds the exception level to the online line of the calling CPU
// (`el=2` with virt,virtualization=on, `el=1` with plain virt): it also chose
// the per-CPU register (TPIDR_EL2 or TPIDR_EL1). It implements boot.Noter.
func (s *SMP) CPUNote() (name string, value uint64) {
	return "el", uint64(EL())
}
