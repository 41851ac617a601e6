package bench

import (
	"os"
	"strconv"
	"strings"
	"testing"
)

// TestResidentMBIsVmRSS: the resident set read from statm is the VmRSS
// that status reports (within what the process touches in between).
func TestResidentMBIsVmRSS(t *testing.T) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Skip("no /proc here")
	}
	var vmRSS float64
	for line := range strings.Lines(string(b)) {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			if vmRSS, err = strconv.ParseFloat(strings.Fields(rest)[0], 64); err != nil {
				t.Fatal(err)
			}
		}
	}
	got, want := residentMB(), vmRSS/1024
	if want == 0 || got < want*0.95 || got > want*1.05 {
		t.Fatalf("residentMB %.1f MB, VmRSS %.1f MB", got, want)
	}
}
