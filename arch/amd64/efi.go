// x86_64 SMP support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago && amd64

package amd64

// The UEFI entry point, _rt0_percpu_efi in efi.s, starts the kernel as an
// EFI application (UEFI 2.10 §2.1.2): it takes from the boot services what
// the kernel runs on, leaves them and enters the PVH path of entry.s with a
// start_info of its own. The types below are the parts of the firmware's
// tables it reads (UEFI 2.10 §4.3, §4.4, §4.6), through go_asm.h offsets.

// efiSystemTable is EFI_SYSTEM_TABLE.
type efiSystemTable struct {
	hdr              [24]byte
	firmwareVendor   uint64
	firmwareRevision uint32
	_                uint32
	conInHandle      uint64
	conIn            uint64
	conOutHandle     uint64
	conOut           uint64
	stdErrHandle     uint64
	stdErr           uint64
	runtimeServices  uint64
	bootServices     uint64
	tableEntries     uint64
	configTable      uint64
}

// efiBootServices is EFI_BOOT_SERVICES up to ExitBootServices.
type efiBootServices struct {
	hdr           [24]byte
	raiseTPL      uint64
	restoreTPL    uint64
	allocatePages uint64
	freePages     uint64
	getMemoryMap  uint64
	_             [21]uint64 // AllocatePool ... UnloadImage
	exitBoot      uint64     // ExitBootServices
}

// efiConfigEntry is EFI_CONFIGURATION_TABLE: a vendor GUID and its table.
type efiConfigEntry struct {
	guid  [2]uint64
	table uint64
}

// Vendor GUIDs of the RSDP (UEFI 2.10 §4.6.1.1), as the two little-endian
// quadwords of their EFI_GUID bytes.
const (
	efiACPI20Lo = 0x11d3e4f18868e871 // 8868e871-e4f1-11d3-bc22-0080c73c8881
	efiACPI20Hi = 0x81883cc7800022bc
	efiACPI10Lo = 0x11d32d88eb9d2d30 // eb9d2d30-2d88-11d3-9a16-0090273fc14d
	efiACPI10Hi = 0x4dc13f279000169a
)

const (
	efiAllocateAddress = 2 // EFI_ALLOCATE_TYPE AllocateAddress
	efiLoaderData      = 2 // EFI_MEMORY_TYPE EfiLoaderData
	efiPageShift       = 12

	// efiLowStart to efiLowEnd is the low memory the kernel writes
	// before it owns the machine: the AP trampoline page (also the early
	// stack) and TamaGo's page tables at 0x9000-0xcfff (tamago amd64.h).
	efiLowStart = apTrampoline
	efiLowEnd   = 0xd000

	efiMapSize = 64 << 10 // memory map buffer

	// segments of efiGDT, for the drop to 32-bit protected mode
	efiCode32 = 0x08
	efiData32 = 0x10
)

// efiGDT holds flat 32-bit code and data segments (Intel SDM Vol. 3A,
// 3.4.5 Segment Descriptors), to leave long mode for the PVH entry.
var efiGDT = [3]uint64{0, 0x00cf9a000000ffff, 0x00cf92000000ffff}

// efiState is what the UEFI entry keeps across boot service calls.
type efiState struct {
	gdtr    [10]byte // limit, 64-bit base
	_       [6]byte
	addr    uint64 // AllocatePages in/out address
	mapSize uint64
	mapKey  uint64
	descSz  uint64
	descVer uint64
	start   pvhStartInfo // the handoff to the PVH entry
}

var (
	efi    efiState
	efiMap [efiMapSize]byte
)

// efiStrings are the UEFI entry's failure reports (efi.s), each followed by
// the EFI status and an exit with EarlyStatus.
type efiStrings struct {
	ram, low, to, noACPI, exitBoot, status, end string
}

var efiText = efiStrings{
	ram:      "\r\nuefi: the firmware cannot give the kernel the RAM it is linked for (AllocatePages at 0x",
	low:      "\r\nuefi: the firmware cannot give the kernel the AP trampoline and page tables (AllocatePages at 0x",
	to:       "-0x",
	noACPI:   "\r\nuefi: the EFI configuration table has no ACPI RSDP (ACPI 2.0 or 1.0 GUID)",
	exitBoot: "\r\nuefi: ExitBootServices failed twice (memory map key",
	status:   "): EFI status 0x",
	end:      "\r\n",
}
