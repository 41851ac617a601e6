package graph_test

import (
	"net/url"
	"testing"

	"calsync/ent"
)

type entBookingCreate = ent.BookingCreate

func parseURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
