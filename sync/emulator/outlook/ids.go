package outlook

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"time"

	"github.com/google/uuid"
)

// Outlook item ids are long, opaque, URL-safe base64 strings starting with
// "AAMk". The emulator's ids look the same but carry a kind byte so an
// occurrence id can be decoded back into its series and original start.
const idPrefix = "AAMkA"

const (
	idKindEvent      byte = 1
	idKindOccurrence byte = 2
	idKindCalendar   byte = 3
)

// occurrenceKeyLayout formats an occurrence's original start (UTC) inside
// its id and as the key of a series' exceptions and cancellations.
const occurrenceKeyLayout = "20060102T150405Z"

var idEncoding = base64.URLEncoding

func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return b
}

func newGUID() string { return uuid.NewString() }

// randomToken returns n random bytes as unpadded URL-safe base64.
func randomToken(n int) string {
	return base64.RawURLEncoding.EncodeToString(randomBytes(n))
}

func newEventID() string {
	return idPrefix + idEncoding.EncodeToString(append([]byte{idKindEvent}, randomBytes(60)...))
}

func newCalendarID() string {
	return idPrefix + idEncoding.EncodeToString(append([]byte{idKindCalendar}, randomBytes(36)...))
}

// occurrenceID is the id of the occurrence of series masterID originally
// starting at start.
func occurrenceID(masterID string, start time.Time) string {
	payload := []byte{idKindOccurrence}
	payload = append(payload, occurrenceKey(start)...)
	payload = append(payload, masterID...)
	return idPrefix + idEncoding.EncodeToString(payload)
}

func occurrenceKey(start time.Time) string {
	return start.UTC().Format(occurrenceKeyLayout)
}

// parsedID is what an item id says about itself.
type parsedID struct {
	Kind     byte
	MasterID string    // occurrences only
	Original time.Time // occurrences only
}

// parseItemID decodes an event or calendar id; ok is false when the id is
// not one the emulator could have issued (Graph's ErrorInvalidIdMalformed).
func parseItemID(id string) (parsedID, bool) {
	if !strings.HasPrefix(id, idPrefix) {
		return parsedID{}, false
	}
	raw, err := idEncoding.DecodeString(id[len(idPrefix):])
	if err != nil || len(raw) < 2 {
		return parsedID{}, false
	}
	switch raw[0] {
	case idKindEvent, idKindCalendar:
		return parsedID{Kind: raw[0]}, true
	case idKindOccurrence:
		n := len(occurrenceKeyLayout)
		if len(raw) < 1+n+len(idPrefix) {
			return parsedID{}, false
		}
		t, err := time.Parse(occurrenceKeyLayout, string(raw[1:1+n]))
		if err != nil {
			return parsedID{}, false
		}
		return parsedID{Kind: idKindOccurrence, MasterID: string(raw[1+n:]), Original: t}, true
	}
	return parsedID{}, false
}

// newChangeKey returns a change key shaped like Exchange's.
func newChangeKey() string {
	return base64.StdEncoding.EncodeToString(randomBytes(16))
}

// newICalUID returns an iCalendar UID in the format Exchange uses.
func newICalUID() string {
	return "040000008200E00074C5B7101A82E00800000000" + strings.ToUpper(hex.EncodeToString(randomBytes(24)))
}
