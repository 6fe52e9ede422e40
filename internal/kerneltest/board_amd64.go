// Go tests inside the kernel
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago && amd64

package kerneltest

import (
	"encoding/binary"

	_ "github.com/tamago-smp/kernel/arch/amd64/microvm"
)

// QEMU fw_cfg on x86: a 16-bit selector port and a data port read byte by
// byte (QEMU docs/specs/fw_cfg.rst, "Selector (Control) Register", "Data
// Register"); the kernel command line (-append) is item 0x15, its size
// with the terminating NUL item 0x14 (FW_CFG_CMDLINE_DATA/SIZE,
// include/standard-headers/linux/qemu_fw_cfg.h).
const (
	fwcfgSelector    = 0x510
	fwcfgData        = 0x511
	fwcfgCmdlineSize = 0x14
	fwcfgCmdlineData = 0x15

	maxCmdline = 64 << 10
)

// fwcfgRead selects item sel and reads len(buf) bytes of it.
func fwcfgRead(sel uint16, buf []byte)

// cmdline returns the kernel command line of QEMU microvm (PVH boot): the
// fw_cfg item QEMU's PVH loader copies into hvm_start_info.cmdline_paddr.
func cmdline() string {
	var size [4]byte
	fwcfgRead(fwcfgCmdlineSize, size[:])

	n := binary.LittleEndian.Uint32(size[:])
	if n == 0 || n > maxCmdline {
		return ""
	}

	b := make([]byte, n)
	fwcfgRead(fwcfgCmdlineData, b)

	for i, c := range b {
		if c == 0 {
			return string(b[:i])
		}
	}

	return string(b)
}
