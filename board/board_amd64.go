// Board selection
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago && amd64 && !uefi

package board

import _ "github.com/tamago-smp/kernel/board/qemu/microvm"
