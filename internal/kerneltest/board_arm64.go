// Go tests inside the kernel
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago && arm64

package kerneltest

// the board of this GOARCH: its init registers the ISA port with package
// boot, whose Cmdline reads the kernel command line
import _ "github.com/tamago-smp/kernel/arch/arm64/virt"
