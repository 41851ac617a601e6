package graph_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"calsync/internal/testenv"
)

// TestMoveOccurrence: an occurrence of a recurring booking moves (the
// calendar shows it there, named by its original start), moves back, and
// what cannot be held is refused with BAD_USER_INPUT and changes nothing;
// a rule that drops the occurrence drops its move.
func TestMoveOccurrence(t *testing.T) {
	for _, backend := range testenv.Backends() {
		t.Run(string(backend), func(t *testing.T) {
			env := testenv.New(t, backend)
			org := env.SeedOrg(t, "mvocc")
			admin := env.SignIn(t, org.Admin.Email, testenv.Password)
			fw := env.SignIn(t, org.Fieldworker.Email, testenv.Password)
			day := func(d, h int) time.Time { return time.Date(2030, 5, d, h, 0, 0, 0, time.UTC) }
			var created struct{ CreateBooking struct{ ID string } }
			admin.MustDo(t, `mutation($h:[ID!],$s:Time!,$e:Time!){createBooking(input:{title:"Round",startAt:$s,endAt:$e,recurrence:"FREQ=DAILY;COUNT=5",hostIDs:$h}){id}}`,
				map[string]any{"h": []string{strconv.Itoa(org.Fieldworker.ID)}, "s": day(1, 9), "e": day(1, 10)}, &created)
			id := created.CreateBooking.ID
			move := `mutation($id:ID!,$o:Time!,$s:Time!,$e:Time!){moveOccurrence(bookingId:$id,originalStart:$o,startAt:$s,endAt:$e){movedOccurrences{originalStart startAt endAt}}}`
			type moved struct{ OriginalStart, StartAt, EndAt time.Time }
			var out struct {
				MoveOccurrence struct{ MovedOccurrences []moved }
			}
			admin.MustDo(t, move, map[string]any{"id": id, "o": day(3, 9), "s": day(3, 14), "e": day(3, 16)}, &out)
			if m := out.MoveOccurrence.MovedOccurrences; len(m) != 1 || !m[0].OriginalStart.Equal(day(3, 9)) || !m[0].StartAt.Equal(day(3, 14)) || !m[0].EndAt.Equal(day(3, 16)) {
				t.Fatalf("moved occurrences: %+v", m)
			}

			// The calendar shows it where it was moved, named by its original start.
			var v struct {
				CalendarView struct {
					Entries []struct {
						ID            string
						Start, End    time.Time
						OriginalStart *time.Time
					}
				}
			}
			view := `query($f:Time!,$t:Time!){calendarView(from:$f,to:$t){entries{id start end originalStart}}}`
			admin.MustDo(t, view, map[string]any{"f": day(1, 0), "t": day(6, 0)}, &v)
			var third string
			for _, e := range v.CalendarView.Entries {
				if e.OriginalStart != nil && e.OriginalStart.Equal(day(3, 9)) {
					if !e.Start.Equal(day(3, 14)) || !e.End.Equal(day(3, 16)) {
						t.Fatalf("the moved occurrence shows at %v–%v", e.Start, e.End)
					}
					third = e.ID
				}
			}
			if third == "" || len(v.CalendarView.Entries) != 5 {
				t.Fatalf("entries (five occurrences, the 3rd moved): %+v", v.CalendarView.Entries)
			}

			// Refused, each with BAD_USER_INPUT, changing nothing.
			for name, vars := range map[string]map[string]any{
				"not an occurrence":             {"id": id, "o": day(3, 10), "s": day(3, 14), "e": day(3, 15)},
				"ends before it starts":         {"id": id, "o": day(2, 9), "s": day(2, 14), "e": day(2, 13)},
				"onto the next one's day":       {"id": id, "o": day(2, 9), "s": day(3, 6), "e": day(3, 7)},
				"onto the last one's day":       {"id": id, "o": day(2, 9), "s": day(1, 20), "e": day(1, 21)},
				"after the series' end":         {"id": id, "o": day(6, 9), "s": day(6, 10), "e": day(6, 11)},
				"a booking that does not recur": {"id": strconv.Itoa(org.Booking.ID), "o": org.Booking.StartAt, "s": day(2, 9), "e": day(2, 10)},
			} {
				r := admin.Do(t, move, vars)
				if len(r.Errors) != 1 || r.Errors[0].Code() != "BAD_USER_INPUT" {
					t.Errorf("%s: %+v", name, r.Errors)
				} else if strings.Contains(r.Errors[0].Message, "recurrence.") || strings.Contains(r.Errors[0].Message, "ent:") {
					t.Errorf("%s: message speaks Go: %s", name, r.Errors[0].Message)
				}
			}
			// A fieldworker cannot move what they cannot edit.
			if r := fw.Do(t, move, map[string]any{"id": id, "o": day(2, 9), "s": day(2, 14), "e": day(2, 15)}); len(r.Errors) == 0 {
				t.Error("a fieldworker moved an occurrence of a booking")
			}

			// Moved back: no longer listed, and shown where the series puts it.
			admin.MustDo(t, move, map[string]any{"id": id, "o": day(3, 9), "s": day(3, 9), "e": day(3, 10)}, &out)
			if m := out.MoveOccurrence.MovedOccurrences; len(m) != 0 {
				t.Fatalf("after moving it back: %+v", m)
			}
			admin.MustDo(t, view, map[string]any{"f": day(3, 0), "t": day(4, 0)}, &v)
			if e := v.CalendarView.Entries; len(e) != 1 || !e[0].Start.Equal(day(3, 9)) || e[0].ID != third {
				t.Fatalf("after moving it back the 3rd is %+v (id was %s)", e, third)
			}

			// A rule that ends before an occurrence drops its move; one
			// that keeps it keeps the move.
			admin.MustDo(t, move, map[string]any{"id": id, "o": day(4, 9), "s": day(4, 11), "e": day(4, 12)}, nil)
			admin.MustDo(t, move, map[string]any{"id": id, "o": day(2, 9), "s": day(2, 11), "e": day(2, 12)}, nil)
			var upd struct {
				UpdateBooking struct{ MovedOccurrences []moved }
			}
			admin.MustDo(t, `mutation($id:ID!){updateBooking(id:$id,input:{recurrence:"FREQ=DAILY;COUNT=3"}){movedOccurrences{originalStart startAt endAt}}}`,
				map[string]any{"id": id}, &upd)
			if m := upd.UpdateBooking.MovedOccurrences; len(m) != 1 || !m[0].OriginalStart.Equal(day(2, 9)) {
				t.Fatalf("after the rule ended before the 4th: %+v", m)
			}
			// Shifting the series shifts its moves.
			admin.MustDo(t, `mutation($id:ID!){massModifyBookings(input:{ids:[$id],shiftMinutes:60}){count}}`, map[string]any{"id": id}, nil)
			var n struct {
				Node struct{ MovedOccurrences []moved }
			}
			admin.MustDo(t, `query($id:ID!){node(id:$id){... on Booking{movedOccurrences{originalStart startAt endAt}}}}`, map[string]any{"id": id}, &n)
			if m := n.Node.MovedOccurrences; len(m) != 1 || !m[0].OriginalStart.Equal(day(2, 10)) || !m[0].StartAt.Equal(day(2, 12)) {
				t.Fatalf("after shifting the series an hour: %+v", m)
			}
		})
	}
}
