// aarch64 support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago && arm64 && !linkcpuinit

package arm64

// This package provides the boot CPU's cpuinit (entry.s), which replaces
// the EL3-only one of github.com/usbarmory/tamago/arm64: build with
// `-tags linkcpuinit`.
var _ = arm64_requires_the_linkcpuinit_build_tag
