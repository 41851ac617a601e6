package graph_test

import (
	"strconv"
	"testing"

	"calsync/internal/testenv"
)

// TestClearingTheStatusReinstates: a cancelled booking whose status is
// cleared is no longer cancelled — any status but the cancellation status
// reinstates, and none is not it.
func TestClearingTheStatusReinstates(t *testing.T) {
	env := testenv.New(t, testenv.SQLite)
	org := env.SeedOrg(t, "rein")
	admin := env.SignIn(t, org.Admin.Email, testenv.Password)
	id := strconv.Itoa(org.Booking.ID)
	admin.MustDo(t, `mutation($id:ID!){cancelBooking(id:$id,reason:"x"){id}}`, map[string]any{"id": id}, nil)
	var out struct {
		UpdateBooking struct {
			CancelledAt *string
			Status      *struct{ Name string }
		}
	}
	admin.MustDo(t, `mutation($id:ID!){updateBooking(id:$id,input:{clearStatus:true}){cancelledAt status{name}}}`, map[string]any{"id": id}, &out)
	if out.UpdateBooking.CancelledAt != nil || out.UpdateBooking.Status != nil {
		t.Fatalf("after clearing the status: cancelledAt %v, status %v", out.UpdateBooking.CancelledAt, out.UpdateBooking.Status)
	}
}
